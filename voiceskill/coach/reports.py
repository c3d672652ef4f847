"""What a person may report during the exercises, as exercises.yaml gives it: warning signs
(``signs:``), numbness, tingling or weakness of a leg (``nerve:``), a call for help
(``help_now:``), and the red-flag answer a report stands for (``counts_as:``)."""

from __future__ import annotations

from dataclasses import dataclass

from voiceskill.coach.words import Denials, found, has_run, runs_of, undenied
from voiceskill.intents import NUMBERS


@dataclass(frozen=True)
class CountsAs:
    """The screening answer a report made during the exercises stands for."""

    question: str
    """Id of a red-flag question in triage.yaml."""

    answer: str
    """The intent it answers, e.g. ``yes``."""

    say: str
    """Said when the red-flag questions reach that question, instead of asking it."""

    def answered(self) -> tuple[str, str, str]:
        """As :attr:`voiceskill.events.Goto.answered` carries it."""
        return (self.question, self.answer, self.say)


@dataclass(frozen=True)
class Report:
    """One kind of warning sign reported during the exercises (``signs.reports``)."""

    id: str
    """Stable id (transcripts, the voice intent ``sign:<id>``)."""

    source: str
    """Seed file."""

    words: tuple[tuple[str, ...], ...]
    """Runs of words: one of them in what was heard or typed is such a report (with one of
    ``together_with`` or ``absent`` too, when there are any). Empty only with ``absent``."""

    together_with: tuple[tuple[str, ...], ...] = ()
    """Runs of words of which one must also be there ("bladder" with "leaked")."""

    unless: tuple[tuple[str, ...], ...] = ()
    """Runs of words none of which may be there ("fell asleep" is no fall)."""

    phrases: tuple[str, ...] = ()
    """Phrases put in the running coach's grammar (voice mode); each is a report itself."""

    counts_as: CountsAs | None = None
    """The red-flag question the report answers, if any."""

    absent: tuple[tuple[str, ...], ...] = ()
    """Runs of words naming what the sign takes away ("strength", "control", "peed"): one
    of them said in the form of a denial ("no strength", "I don't have any control", "I
    haven't peed since yesterday": :meth:`Denials.denied_at`, hedges or not) stands for one
    of ``together_with``, and is needed (besides ``words``, if any) when there are none.
    Typed words only, and only with ``denials`` (a literal reading has no denial). Said
    after a doubt ("I'm not sure I can control my bladder": :meth:`Denials.doubted_at`) they
    count too, and so does a run of ``words`` directly before one, the two denied together
    ("I have no leg strength")."""

    absent_last: tuple[tuple[str, ...], ...] = ()
    """Runs of words read as :attr:`absent` are, but only as the last words of what was said
    or of a part of it ("I didn't pee", "I did not pee."; not "I didn't pee before we
    started", which names no stretch of time)."""

    def found_in(self, words: list[str], denials: Denials | None = None) -> bool:
        """Whether ``words`` (of what was heard or typed) report this sign; with
        ``denials``, not where its words, or the ``together_with`` words said with them, are
        all plainly denied ("I haven't wet myself", "my bladder isn't leaking"), and also
        where one of its ``absent`` words is ("my leg has no strength"). A voice phrase
        (:attr:`phrases`) is always a report."""
        if has_run(words, runs_of(self.phrases)):
            return True
        if has_run(words, self.unless):
            return False
        own = frozenset(i for start, length in found(words, (*self.words, *self.together_with))
                        for i in range(start, start + length))
        if self.lacking_named(words, denials):
            return True
        if self.words and not undenied(words, self.words, denials, own):
            return False
        if not self.together_with and not self.absent and not self.absent_last:
            return True
        return undenied(words, self.together_with, denials, own) or self.lacking(words, denials)

    def lacking(self, words: list[str], denials: Denials | None) -> bool:
        """Whether one of :attr:`absent` is in ``words`` in the form of a denial or after a
        doubt, or one of :attr:`absent_last` in the form of a denial as the last words of
        what was said or of a part of it."""
        if denials is None:
            return False
        return any(denials.denied_at(words, start) or denials.doubted_at(words, start)
                   for start, _ in found(words, self.absent)) or any(
            denials.denied_at(words, start) for start, length in found(words, self.absent_last)
            if start + length == len(words) or not words[start + length])

    def lacking_named(self, words: list[str], denials: Denials | None) -> bool:
        """Whether a run of :attr:`words` directly before one of :attr:`absent` is in the
        form of a denial with it ("I have no leg strength", "no groin sensation"): the
        denying word denies what the two name together, not the leg."""
        if denials is None:
            return False
        ends = {start: length for start, length in found(words, self.absent)}
        return any(start + length in ends and denials.denied_at(words, start)
                   for start, length in found(words, self.words))

    def without_its_words(self, words: list[str]) -> list[str]:
        """What else ``words`` say besides this report: every run of its phrases and words
        blanked out, and for each, the run of ``together_with`` nearest to it ("my groin is
        numb" leaves no numb word to read as a numb leg; "my groin is numb and my foot
        tingles" leaves "tingles"). Blanks, not gaps, so no run is made of words that were
        apart."""
        own = found(words, (*runs_of(self.phrases), *self.words))
        near = found(words, (*self.together_with, *self.absent, *self.absent_last))
        used = {i for start, length in own for i in range(start, start + length)}
        for start, _ in own:
            if near:
                at, length = min(near, key=lambda found: abs(found[0] - start))
                used.update(range(at, at + length))
        return ["" if i in used else w for i, w in enumerate(words)]


@dataclass(frozen=True)
class NerveScript:
    """What the coach says when the person reports numbness, tingling or weakness."""

    source: str
    """Seed file."""

    words: frozenset[str]
    """Words that make anything heard while coaching such a report, whatever else was said
    ("my leg has gone numb", "stop it tingles"): the safe reading."""

    say: str
    """Why the exercise stops, said before the red-flag questions are asked again."""

    counts_as: CountsAs
    """The red-flag question the report answers (not asked again after the hand-back)."""

    everyday: tuple[Report, ...] = ()
    """The same report in everyday words, as runs of words matched as ``signs:`` reports are
    ("I can't feel my leg": "can't feel" with "leg", not "I can't feel the stretch")."""

    def found_in(self, words: list[str], denials: Denials | None = None) -> bool:
        """Whether ``words`` (of what was heard or typed) report numbness, tingling or
        weakness: one of :attr:`words`, or one of :attr:`everyday`; with ``denials``, not
        where it is plainly denied ("my leg isn't numb")."""
        return any(w in self.words and (denials is None or not denials.deny(words, i, (w,)))
                   for i, w in enumerate(words)) or any(
            r.found_in(words, denials) for r in self.everyday)


@dataclass(frozen=True)
class SignScript:
    """Warning signs other than a numb, tingling or weak leg, reported during the exercises."""

    say: str
    """Why the exercise stops, said before the red-flag questions are asked again."""

    reports: tuple[Report, ...]
    """Each kind of report."""


@dataclass(frozen=True)
class HelpScript:
    """A call for help during the exercises ("help me", "I'm stuck")."""

    source: str
    """Seed file."""

    words: tuple[tuple[str, ...], ...]
    """Runs of words: one of them in what was heard or typed is such a call."""

    phrases: tuple[str, ...]
    """Phrases put in the running coach's grammar (voice mode)."""

    say: str
    """Said as the exercise is paused: how to get help (``{emergency_number}``), what to say."""

    dial: frozenset[str] = frozenset()
    """Words that, followed by a number (digits, or a number word: "call 911", "dial nine
    one one"), are such a call."""

    paused_limit_seconds: float = 600.0
    """Seconds the pause it begins lasts with no command heard before the session ends."""

    unanswered: str = ""
    """Said when that pause ends so: the call to action again (``{emergency_number}``)."""

    call: str = ""
    """The call to action alone (``{emergency_number}``), said first when a call for help
    comes with pain or a warning sign ("call an ambulance, it hurts"), before the question
    those lead to."""

    def found_in(self, words: list[str]) -> bool:
        """Whether ``words`` (of what was heard or typed) call for help."""
        return has_run(words, self.words + runs_of(self.phrases)) or any(
            word in self.dial and (after.isdigit() or after in NUMBERS)
            for word, after in zip(words, words[1:], strict=False))
