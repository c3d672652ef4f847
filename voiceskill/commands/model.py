"""`voiceskill model compile | build | combine | context | download | check`."""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import replace
from pathlib import Path

import voiceskill
from voiceskill.speech.modeldir import (
    NARROWBAND_SUFFIX,
    ModelDirError,
    check_model_dir,
    narrowband_companion,
    open_model,
    resolve_model_dir,
)

#: How the 8 kHz companion model differs from the default recipe: twice the speech, 15 % of
#: the augmented copies recorded as by an 8 kHz device, and the normalisation of such a device
#: (models/voiceskill-en/EXPERIMENTS.md, "The 8 kHz companion"; 100 % narrowband copies
#: heard fewer real words).
NARROWBAND_RECIPE = {"utterances": 16000, "narrowband": 0.15, "for_8k_device": True}

#: Where `model build` writes without --out (in the current directory): never the shipped
#: model, which a build without --out used to overwrite.
BUILD_DIR = Path("build")


def _dialog_dir(path: Path) -> Path:
    """``path`` if it is a directory with dialog files (*.yaml); else ValueError saying why."""
    if not path.exists():
        raise ValueError(f"{path}: no such dialog directory")
    if not path.is_dir():
        raise ValueError(f"{path}: is not a directory (--dialogs takes the dialogs' directory)")
    if not any(path.glob("*.yaml")):
        raise ValueError(f"{path}: no dialog files (*.yaml) in it")
    return path


def _graph_config(model_dir: Path, args: argparse.Namespace):
    from voiceskill.acoustic.graph import GraphConfig

    saved = model_dir / "conf" / "graph.conf"
    cfg = GraphConfig.from_file(saved) if saved.is_file() else GraphConfig()
    changes = {
        k: getattr(args, k)
        for k in ("word_cost", "unk_cost", "unk_phone_cost", "unk_frame_cost", "acoustic_scale")
        if getattr(args, k, None) is not None  # `model context` has no cost options
    }
    return replace(cfg, **changes)


def _compile(args: argparse.Namespace) -> int:
    from voiceskill.acoustic import corpus
    from voiceskill.acoustic.graph import StagedGraph, check_config, recover_graph, stage_graph
    from voiceskill.acoustic.lexicon import read_words_file

    model_dir = resolve_model_dir(args.model)
    if not (model_dir / "am" / "final.mdl").is_file():
        print(
            f"voiceskill model compile: {model_dir / 'am' / 'final.mdl'}: missing "
            "(compile needs a trained model; run `voiceskill model build`)",
            file=sys.stderr,
        )
        return 2
    problem = None
    targets = [model_dir]
    companion = narrowband_companion(model_dir)
    if companion is not None and (companion / "am" / "final.mdl").is_file():
        targets.append(companion)  # the 8 kHz model must know the same words
    staged: list[StagedGraph] = []
    try:
        # Everything that can be refused is refused before any file is written.
        if args.words:
            words = read_words_file(Path(args.words))
            vocab = sorted(set(words) | set(corpus.NUMBERS))
        else:
            dialogs = _dialog_dir(Path(args.dialogs))
            vocab = corpus.graph_vocabulary(dialogs)
            problem = corpus.dialog_load_problem(dialogs)
        configs = [_graph_config(target, args) for target in targets]
        for cfg in configs:
            check_config(cfg)
        if problem:
            print(f"voiceskill model compile: warning: {problem}", file=sys.stderr)
        for target in targets:
            note = recover_graph(target)
            if note:
                print(f"voiceskill model compile: note: {note}", file=sys.stderr)
        # Both graphs are staged before either is swapped in, so the two models change
        # within moments of each other.
        for target, cfg in zip(targets, configs, strict=True):
            staged.append(stage_graph(vocab, target, cfg, checked=True))  # checked above
        for graph in staged:
            graph.commit()
    except (OSError, ValueError) as err:
        for target in targets:
            try:
                recover_graph(target)  # the old graph back, or the new one completed
            except OSError:
                pass
        print(f"voiceskill model compile: {err}", file=sys.stderr)
        return 2
    for graph in staged:
        print(f"compiled {graph.words} words into {graph.model_dir / 'graph'}")
    skipped = staged[0].skipped
    if skipped:
        print(f"no pronunciation found for: {' '.join(skipped)}", file=sys.stderr)
    return 1 if skipped or problem else 0


def _build(args: argparse.Namespace) -> int:
    from voiceskill.acoustic.build import BuildConfig, MissingEngineError, build

    name = voiceskill.DEFAULT_MODEL_DIR.name + (NARROWBAND_SUFFIX if args.narrowband else "")
    out = Path(args.out) if args.out else BUILD_DIR / name
    if _refused_out("build", out, args.force):
        return 2
    seeds = Path(args.seeds) if args.seeds else None
    recipe: dict[str, float | int | bool] = dict(NARROWBAND_RECIPE) if args.narrowband else {}
    if args.utterances:
        recipe["utterances"] = args.utterances
    if args.networks:
        recipe["networks"] = args.networks
    if args.context:
        recipe["real_speech_context"] = True
    cfg = BuildConfig(
        out_dir=out,
        dialog_dir=Path(args.dialogs),
        seed_dir=seeds,
        cache_dir=Path(args.cache) if args.cache else None,
        **recipe,  # type: ignore[arg-type]
    )
    print(f"building a model in {out}", flush=True)
    try:
        figures = build(cfg)
    except MissingEngineError as err:
        print(f"voiceskill model build: {err}", file=sys.stderr)
        return 2
    print(
        f"model written to {out} in {figures['seconds'] / 60:.1f} min "
        f"({figures['bytes'] / 1e6:.1f} MB)"
    )
    return 0


def _refused_out(action: str, out: Path, force: bool, sources: tuple[Path, ...] = ()) -> bool:
    """True (after saying why) when ``model ACTION`` must not write to ``out``: it holds a
    model or other files, and neither --force nor ``out`` being one of the models the action
    reads (which it changes in place on purpose) allows it."""
    if force or any(out.resolve() == source.resolve() for source in sources):
        return False
    problem = _occupied(out)
    if problem:
        print(f"voiceskill model {action}: {out}: {problem}; choose another --out, or add "
              "--force to write over it", file=sys.stderr)
    return problem is not None


def _occupied(out: Path) -> str | None:
    """Why a model command must not write to ``out`` without --force (None: it is new or
    empty)."""
    if not out.exists():
        return None
    if not out.is_dir():
        return "exists and is not a directory"
    try:
        holds = next(out.iterdir(), None) is not None
    except OSError as err:
        return f"cannot be read ({err.strerror or err})"
    if not holds:
        return None
    if (out / "am" / "final.mdl").is_file():
        return "holds a model already"
    return "is not empty"


def _combine(args: argparse.Namespace) -> int:
    from voiceskill.acoustic.combine import CombineError, combine

    models = tuple(Path(m) for m in args.models)
    if _refused_out("combine", Path(args.out), args.force, models):
        return 2
    try:
        count = combine(Path(args.out), list(models))
    except CombineError as err:
        print(f"voiceskill model combine: {err}", file=sys.stderr)
        return 2
    print(f"model written to {args.out}: {count} synthetic networks, averaged")
    return 0


def _context(args: argparse.Namespace) -> int:
    from voiceskill.acoustic import corpus
    from voiceskill.acoustic.graph import compile_graph
    from voiceskill.acoustic.sphinx import SphinxModelError
    from voiceskill.acoustic.sphinx_context import ContextError, add_for_vocabulary

    source = resolve_model_dir(args.model)
    out = Path(args.out)
    if _refused_out("context", out, args.force, (source,)):
        return 2
    try:
        check_model_dir(source)
        vocab = corpus.graph_vocabulary(_dialog_dir(Path(args.dialogs)))
        if out.resolve() != source.resolve():
            if out.exists():
                shutil.rmtree(out)
            shutil.copytree(source, out)
        units = add_for_vocabulary(out, vocab)
        compile_graph(vocab, out, _graph_config(out, args))
    except (ModelDirError, ContextError, SphinxModelError, OSError, ValueError) as err:
        print(f"voiceskill model context: {err}", file=sys.stderr)
        return 2
    print(f"model written to {out}: {units} real-speech context units")
    return 0


def _download(args: argparse.Namespace) -> int:
    from voiceskill.acoustic.download import DownloadError, NotUsableError, download_model

    try:
        path = download_model(args.name, Path(args.dest), timeout=args.timeout)
    except DownloadError as err:
        print(f"voiceskill model download: {err}", file=sys.stderr)
        return 1 if isinstance(err, NotUsableError) else 2
    print(f"model ready in {path}; use it with --model {path} or VOICESKILL_MODEL={path}")
    return 0


def _check(args: argparse.Namespace) -> int:
    from voiceskill.acoustic.graph import OLD_DIR, STAGING_DIR

    model_dir = resolve_model_dir(args.dir)
    leftovers = [name for name in (STAGING_DIR, OLD_DIR) if (model_dir / name).exists()]
    if leftovers:
        print(f"voiceskill model check: note: {model_dir} holds what an interrupted `model "
              f"compile` left ({', '.join(leftovers)}); graph/ is complete, and the next "
              "`voiceskill model compile` finishes or removes it", file=sys.stderr)
    try:
        root = check_model_dir(model_dir)
        if args.load:
            open_model(root)  # also starts a recognizer: Kaldi checks some options only then
    except ModelDirError as err:
        print(f"voiceskill model check: {err}", file=sys.stderr)
        return 2
    if args.load:
        print(f"{root}: Vosk loads it and starts a recognizer with it")
    else:
        print(f"{root}: looks like a model Vosk can load")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "model",
        help="compile, build, download or check speech models",
        description="Make and check the Vosk speech models: compile a model's graph for a "
        "vocabulary, build (train) a model offline, combine or add context to built models, "
        "download an official model, check a model directory.",
    )
    sub = parser.add_subparsers(dest="model_command", metavar="ACTION", required=True)

    comp = sub.add_parser(
        "compile",
        help="regenerate the graph for a vocabulary (seconds)",
        description="Regenerate a model's decoding graph, in place, for the words of a file or "
        "the phrases the dialogs listen for (numbers always included). The model's 8 kHz "
        "companion (DIR-8k beside it), when there is one, gets the same words.",
    )
    src = comp.add_mutually_exclusive_group(required=True)
    src.add_argument("--words", metavar="FILE",
                     help="UTF-8 file of words, any number a line, '#' starts a comment; a "
                     "phrase on a line gives its words one by one (--dialogs also makes each "
                     "listened phrase a graph word)")
    src.add_argument("--dialogs", metavar="DIR", help="dialog directory (its listened phrases)")
    comp.add_argument("--model", metavar="DIR",
                      help="model directory (default: $VOICESKILL_MODEL, else the shipped model)")
    comp.add_argument("--word-cost", type=float, help="word-insertion penalty")
    comp.add_argument("--unk-cost", type=float, help="cost of entering [unk]")
    comp.add_argument("--unk-phone-cost", type=float, help="cost per phone inside [unk]")
    comp.add_argument("--unk-frame-cost", type=float, help="cost per frame inside [unk]")
    comp.add_argument("--acoustic-scale", type=float, help="Vosk acoustic scale")
    comp.set_defaults(func=_compile)

    bld = sub.add_parser(
        "build",
        help="train the model from scratch, offline",
        description="Train a speech model from scratch, offline: synthesize the training "
        "speech, augment it, train the network and compile the graph (about half an hour). "
        "It writes to a new directory (build/voiceskill-en unless --out), never over a model "
        "without --force.",
    )
    bld.add_argument("--out", metavar="DIR",
                     help="output directory, new or empty (default: build/voiceskill-en, or "
                     "build/voiceskill-en-8k with --narrowband, in the current directory)")
    bld.add_argument("--force", action="store_true",
                     help="write over --out even if it holds a model or other files (e.g. to "
                     "rebuild the shipped models/voiceskill-en)")
    bld.add_argument("--dialogs", metavar="DIR", default=str(voiceskill.DIALOGS_DIR),
                     help="dialog directory: the words and phrases to train on "
                     "(default: the shipped dialogs/)")
    bld.add_argument(
        "--seeds",
        metavar="DIR",
        help="text files to take general training words from "
        "(default: the shipped voiceskill/acoustic/general_words.txt)",
    )
    bld.add_argument(
        "--utterances", type=int, metavar="N", help="clean utterances to synthesize (default 8000)"
    )
    bld.add_argument(
        "--networks",
        type=int,
        metavar="N",
        help="synthetic networks to train and average (default 1; each more adds its "
        "training, about a third of a build's time)",
    )
    bld.add_argument(
        "--narrowband",
        action="store_true",
        help="build the companion model for 8 kHz microphones (its recipe; to be used, it "
        "must sit beside its model with the same name + '-8k')",
    )
    bld.add_argument("--context", action="store_true",
                     help="add pocketsphinx's context-dependent real-speech senones "
                     "(see `model context`; a model with them cannot be combined)")
    bld.add_argument("--cache", metavar="DIR", help="keep synthesized audio here between builds")
    bld.set_defaults(func=_build)

    cmb = sub.add_parser("combine", help="average the synthetic networks of models built for "
                         "the same graph (the shipped model is two builds combined)",
                         description="Average the synthetic networks of models built for the "
                         "same graph into a new model directory.")
    cmb.add_argument("models", nargs="+", metavar="MODEL", help="model directories; the first "
                     "gives the graph, configuration and synthetic weight")
    cmb.add_argument("--out", metavar="DIR", required=True, help="where to write the result")
    cmb.add_argument("--force", action="store_true",
                     help="write over --out even when it holds a model or other files")
    cmb.set_defaults(func=_combine)

    ctx = sub.add_parser("context", help="give a model built without context (e.g. combined) "
                         "pocketsphinx's context-dependent real-speech senones",
                         description="Copy a model built without context (e.g. combined) to "
                         "--out, give the words of the dialogs pocketsphinx's "
                         "context-dependent real-speech senones and compile its graph again.")
    ctx.add_argument("--model", metavar="DIR",
                     help="model directory (default: $VOICESKILL_MODEL, else the shipped model)")
    ctx.add_argument("--out", metavar="DIR", required=True, help="where to write the result")
    ctx.add_argument("--dialogs", metavar="DIR", default=str(voiceskill.DIALOGS_DIR),
                     help="dialog directory: the words that get context, and the graph")
    ctx.add_argument("--force", action="store_true",
                     help="write over --out even when it holds a model or other files")
    ctx.set_defaults(func=_context)

    dl = sub.add_parser("download", help="fetch an official Vosk model (needs the internet)",
                        description="Download an official Vosk model by name and unpack it "
                        "(needs the internet; everything else works offline). It is installed "
                        "only once it passes the model checks; a directory of that name that "
                        "is there already is checked, not downloaded again.")
    dl.add_argument("name", help="model name, e.g. vosk-model-small-en-us-0.15")
    dl.add_argument("--dest", metavar="DIR", default=str(voiceskill.MODELS_DIR),
                    help="where to unpack (default: the models/ directory)")
    dl.add_argument("--timeout", type=float, default=10.0, metavar="SECONDS",
                    help="network timeout in seconds (default 10)")
    dl.set_defaults(func=_download)

    chk = sub.add_parser("check", help="check a model directory before Vosk loads it",
                         description="Check that a model directory has every file Vosk needs, "
                         "readable and well formed, and say which file is wrong if not.")
    chk.add_argument("dir", metavar="DIR", nargs="?",
                     help="model directory (default: $VOICESKILL_MODEL, else the shipped model)")
    chk.add_argument("--load", action="store_true",
                     help="also load it with Vosk and start a recognizer")
    chk.set_defaults(func=_check)
