"""A content file checked against a JSON Schema, every error as one line a person can act on.

Used for every content file (the dialog files and exercises.yaml), so a wrong value reads the
same wherever it is: ``file:line: key: what is wrong (expected ...)``.

The words after "expected" come from annotations in the schema, else from the schema itself:

``x-expected``
    on any item: what a valid item looks like, e.g. ``"a seed file name like 000_....txt"``.
    Without it the schema is described: its type (``a whole number``), its allowed range
    (``a number above 0 and at most 3600``), its item count, its allowed values.
``x-missing``
    on a mapping with ``required`` keys: what to add when one is missing, either one text for
    every key or ``{key: text}``. Without it the missing key's own ``x-expected`` is shown.
"""

from __future__ import annotations

import math
from typing import Any

import jsonschema

from voiceskill.errors import Problem
from voiceskill.yamlread import YamlDocument

#: What a YAML value is, in words (the value as read; see yamlread for booleans).
_VALUE_WORDS = {
    dict: "a mapping", list: "a list", str: "text", int: "a number", float: "a decimal number",
    bool: "true/false", type(None): "empty",
}
#: What a schema type asks for, in words.
_TYPE_WORDS = {
    "object": "a mapping", "array": "a list", "string": "text", "integer": "a whole number",
    "number": "a number", "boolean": "true or false",
}
_RANGE_KEYWORDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _finite_number(checker: Any, instance: Any) -> bool:
    """A number, and not NaN or an infinity (``.nan`` / ``.inf`` in YAML): a hold of NaN
    seconds never ends, and NaN passes every range test (``nan > 3600`` is false)."""
    return jsonschema.Draft202012Validator.TYPE_CHECKER.is_type(instance, "number") and (
        isinstance(instance, int) or math.isfinite(instance))


#: Draft 2020-12 with "number" meaning finite numbers only ("integer" already is: a float is
#: one only if ``is_integer()``, which NaN and the infinities are not); the range keywords
#: skip what is not of type number, so a NaN gets one type problem and no nonsense about ranges.
_Validator = jsonschema.validators.extend(
    jsonschema.Draft202012Validator,
    type_checker=jsonschema.Draft202012Validator.TYPE_CHECKER.redefine("number", _finite_number),
)


def validate(document: YamlDocument, schema: dict[str, Any]) -> list[Problem]:
    """Every way ``document`` breaks ``schema``, one problem per offending key, in line order."""
    validator = _Validator(schema)
    problems: list[Problem] = []
    for error in validator.iter_errors(document.data):
        problems += _problems(document, error)
    return sorted(set(problems), key=lambda p: (p.line, p.key, p.problem))


def _problems(document: YamlDocument, error: jsonschema.ValidationError) -> list[Problem]:
    path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = _expected(schema)
    instance, kind = error.instance, error.validator
    if "propertyNames" in error.absolute_schema_path:  # instance is the bad key itself
        key_path = (*path, str(instance))
        if kind == "enum":
            return [document.problem(key_path, f"unknown name '{instance}'", expected)]
        return [document.problem(key_path, f"'{instance}' is not a valid name", expected)]
    if kind == "required":
        return [document.problem((*path, name), f"missing key '{name}'",
                                 _missing_hint(schema, name) or expected)
                for name in error.validator_value if name not in instance]
    if kind == "additionalProperties":
        allowed = schema.get("properties", {})
        return [document.problem((*path, key), f"unknown key '{key}'",
                                 "one of " + ", ".join(allowed) if allowed else expected)
                for key in instance if key not in allowed]
    return [document.problem(path, _value_problem(error), expected)]


def _value_problem(error: jsonschema.ValidationError) -> str:
    """What is wrong with a single value (not with the keys of a mapping)."""
    instance, kind = error.instance, error.validator
    if kind == "type":
        if isinstance(instance, float) and not math.isfinite(instance):
            return f"{yaml_float(instance)} is not a finite number"
        if isinstance(instance, bool) and error.validator_value == "string":
            return "true/false without quotes is read as a boolean, not as text"
        return f"is {_VALUE_WORDS.get(type(instance), 'something else')}"
    if kind in ("pattern", "minLength") and isinstance(instance, str) and not instance.strip():
        return "text is empty"
    if kind == "pattern":
        return f"{_shown(instance)} is not valid here"
    if kind in ("maxLength", "minLength"):
        return f"text is {len(instance)} characters long"
    if kind in _RANGE_KEYWORDS:
        return f"{_shown(instance)} is out of range"
    if kind in ("minItems", "maxItems"):
        return f"has {_count(len(instance), 'item')}"
    if kind in ("minProperties", "maxProperties"):
        return f"has {_count(len(instance), 'entry', 'entries')}"
    if kind == "enum":
        return f"{_shown(instance)} is not allowed"
    if kind == "const":
        return f"{_shown(instance)} is not supported"
    return error.message


def _expected(schema: dict[str, Any]) -> str:
    """The words after "expected" for a value that breaks ``schema``."""
    if not isinstance(schema, dict):
        return ""
    if "x-expected" in schema:
        return str(schema["x-expected"])
    if "const" in schema:
        return _shown(schema["const"], quote_text=False)
    if "enum" in schema:
        return "one of " + ", ".join(_shown(v, quote_text=False) for v in schema["enum"])
    what = _TYPE_WORDS.get(schema.get("type", ""), "")
    if any(k in schema for k in _RANGE_KEYWORDS):
        return " ".join(p for p in (what or "a number", _range_words(schema)) if p)
    if schema.get("type") == "array" and ("minItems" in schema or "maxItems" in schema):
        return f"{what} with {_bounds_words(schema.get('minItems'), schema.get('maxItems'))}"
    if schema.get("type") == "string" and schema.get("minLength") == 1:
        return "text that is not empty"
    return what


def _missing_hint(schema: dict[str, Any], name: str) -> str:
    """What to add for the missing key ``name`` of a mapping ``schema``."""
    missing = schema.get("x-missing", "")
    if isinstance(missing, dict):
        missing = missing.get(name, "")
    return missing or _expected(schema.get("properties", {}).get(name, {}))


def _range_words(schema: dict[str, Any]) -> str:
    """``from 1 to 100``, ``above 0 and at most 3600``, ``from 0 upwards`` ..."""
    low, high = schema.get("minimum"), schema.get("maximum")
    if low is not None and high is not None:
        return f"from {low} to {high}"
    if low is not None and "exclusiveMaximum" not in schema:
        return f"from {low} upwards"
    words = [f"at least {low}" if low is not None else "",
             f"above {schema['exclusiveMinimum']}" if "exclusiveMinimum" in schema else "",
             f"at most {high}" if high is not None else "",
             f"below {schema['exclusiveMaximum']}" if "exclusiveMaximum" in schema else ""]
    return " and ".join(w for w in words if w)


def _bounds_words(low: int | None, high: int | None) -> str:
    """``exactly 3 items``, ``2 to 4 items``, ``at least 1 item`` ..."""
    if low is not None and low == high:
        return f"exactly {_count(low, 'item')}"
    if low is not None and high is not None:
        return f"{low} to {high} items"
    if low is not None:
        return f"at least {_count(low, 'item')}"
    return f"at most {_count(high or 0, 'item')}"


def _count(number: int, singular: str, plural: str = "") -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"


def yaml_float(value: float) -> str:
    """NaN and the infinities as YAML writes them."""
    if math.isnan(value):
        return ".nan"
    return ".inf" if value > 0 else "-.inf"


def _shown(value: Any, quote_text: bool = True, limit: int = 50) -> str:
    """A value as it would be written in the YAML file, cut short when long."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "empty"
    text = str(value)
    text = text if len(text) <= limit else text[: limit - 3] + "..."
    return f"'{text}'" if quote_text and isinstance(value, str) else text
