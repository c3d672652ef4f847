"""Vosk, one turn at a time: a grammar of exactly the turn's phrases plus ``[unk]``.

Vosk 0.3.45 has no runtime control over its endpointer and its defaults wait long after the
last word. So endpointing happens here: a level detector over the room's noise floor
(:mod:`voiceskill.speech.voice_detector`) decides when speech starts
and stops (``trailing_silence`` after the last voiced chunk, longer while what was heard so far
is only the start of a longer phrase), then ``FinalResult()`` closes the utterance. Audio
before speech starts is not decoded at all (only kept as pre-roll), which keeps idle
listening cheap.

Every chunk also goes through a :class:`BandwidthWatch`. When the audio turns out to come from
an 8 kHz device and the recognizer has an 8 kHz companion model, it switches to that model for
good; an utterance under way is decoded again from its start with it, so no answer is lost.
"""

from __future__ import annotations

import functools
import json
import logging
import math
from collections import OrderedDict, deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from voiceskill.events import Choice, Heard, Listen
from voiceskill.intents import (
    DOUBTFUL_CONFIDENCE,
    FILLER,
    intent_of_words,
    match_intent,
    phrase_intents,
)
from voiceskill.speech.audio import CHUNK_SECONDS
from voiceskill.speech.bandwidth import NARROWBAND_SWITCH, NARROWBAND_WARNING, BandwidthWatch
from voiceskill.speech.phrase_words import UNKNOWN, spread_words, vosk_grammar
from voiceskill.speech.voice_detector import VoiceDetector
from voiceskill.speech.wav import TARGET_RATE

#: In the second decoding ``[unk]`` is listed once per this many phrases: unrelated speech
#: is then far likelier to come back ``[unk]`` than to pass for an answer. (One per phrase
#: put 2 of 167 out-of-grammar clips through a red-flag question as "no" at confidence 1.0;
#: with one per three, none, and 93 of 108 held-out yes/no/unsure answers were still taken —
#: bench/model_accuracy.py sets. It costs a second decoding alongside the first: about twice
#: the CPU per answer and ~8 ms more at the end of each.)
STRICT_PHRASES_PER_UNKNOWN = 3

#: The strict decoding lists each near miss of an answer (``near_misses`` in intents.yaml:
#: "now", "go", "so", "oh" for "no") this many times. Listed once, espeak-ng's en-us+f3
#: "now" (a voice no test had) came back "no" from both decodings for 2 of 12 starts within a
#: chunk, and once in three plays through PulseAudio; three times, for none. The
#: benchmark's red-flag rows were unchanged (held-out answers, out-of-grammar and near-miss
#: clips taken as "no", hedges) but for answers after a filler: 75 → 73 of 117 right.
NEAR_MISS_REPEATS = 3

#: A barge-in turn lists each of its phrases this many times against one ``[unk]``: a command
#: said over the prompt is worth the risk of cutting it, and "stop" said by flite's 8 kHz kal
#: voice through the PulseAudio loop came back ``[unk]`` 29 times in 30 with each phrase once
#: (3 in 30 with each three times). Measured on whole clips with stop/pause/wait: out-of-grammar
#: clips taken and the assistant's own prompts heard as a barge-in word are the same at 1 and 3.
#: The turn's decoys (:attr:`voiceskill.events.Listen.decoys`) are listed as often: once each,
#: a held-out "back" over the coach's prompts still came back a command 21 times in 135 (37
#: without decoys), three times each 12.
BARGE_IN_REPEATS = 3

#: A turn that is not a barge-in lists ``[unk]`` this many times. Once was the rule until the
#: fillers ("um", "uh") joined every question's phrases: at a red-flag question they raised
#: the out-of-grammar clips taken as some answer from 61 to 79 of 233 (unsure 14 → 29, yes
#: 9 → 13). Twice: 57 (yes 7; 63 and 10 with neither change in the same run), held-out
#: yes/no/unsure answers and hedges taken as before, answers after a filler or said twice
#: right 74 of 117 (25 before).
TURN_UNKNOWNS = 2

log = logging.getLogger("voiceskill.recognizer")


def sound_alike(phrases: list[str]) -> dict[str, str]:
    """Each word of ``phrases`` → one spelling shared by every word of them that CMUdict
    pronounces the same way ("no" and "know" → "know"). Vosk picks between homophones by the
    grammar's word statistics, not by sound, so a spoken "no" may come back as "know"."""
    from voiceskill.acoustic.lexicon import pronunciations

    words = sorted({w for p in phrases for w in p.split()})
    by_sound: dict[tuple, str] = {}
    alias: dict[str, str] = {}
    for word in words:
        key = tuple(sorted(pronunciations(word, use_espeak=False))) or (word,)
        alias[word] = by_sound.setdefault(key, word)
    return alias


@dataclass(frozen=True)
class SoundIndex:
    """A turn's phrases compared by sound (see :func:`sound_alike`)."""

    alias: dict[str, str]
    """Each word of the phrases → the spelling shared by the words that sound like it."""

    intents: dict[tuple[str, ...], frozenset[str]]
    """Each phrase, spelled by sound → the intents of the phrases that sound like that."""

    def sound(self, text: str) -> tuple[str, ...]:
        """``text``'s words with homophones spelled alike."""
        return tuple(self.alias.get(w, w) for w in text.split())


@functools.lru_cache(maxsize=64)
def sound_index(choices: tuple[Choice, ...]) -> SoundIndex:
    """The :class:`SoundIndex` of ``choices`` (cached: a session asks the same turns again)."""
    alias = sound_alike([c.phrase for c in choices])
    index = SoundIndex(alias, {})
    index.intents.update(phrase_intents(choices, index.sound))
    return index


def _after_unknown(text: str) -> str:
    """``text`` without its leading ``[unk]`` words."""
    words = text.split()
    while words and words[0] == UNKNOWN:
        words.pop(0)
    return " ".join(words)


class ModelError(RuntimeError):
    """The speech model directory is missing or cannot be loaded."""


class GrammarError(ModelError):
    """Vosk cannot make a recognizer for one turn's grammar, although the model loaded."""


#: A grammar is quoted in a :class:`GrammarError` up to this many characters.
GRAMMAR_QUOTE = 300


def _grammar_danger(model: Any, grammar: str) -> str | None:
    """What in ``grammar`` Vosk 0.3.45 would crash or abort the whole program on (so it
    must never see it); None if nothing. Vosk splits each phrase at single spaces and
    looks every piece up in the model's graph/words.txt."""
    try:
        phrases = json.loads(grammar)
    except ValueError:
        phrases = None
    if not isinstance(phrases, list) or not phrases:
        return "it is not a JSON list of phrases, on which Vosk 0.3.45 crashes the whole program"
    for phrase in phrases:
        if not isinstance(phrase, str):
            continue  # Vosk refuses it with an exception: see vosk_recognizer
        for word in phrase.split(" "):
            if model.vosk_model_find_word(word) == 0:
                return (f"the word {word!r} (in the phrase {phrase!r}) is the model's word 0, "
                        "the empty word of its graph, on which Vosk 0.3.45 aborts the whole "
                        "program")
    return None


def vosk_recognizer(model: Any, grammar: str) -> Any:
    """A ``vosk.KaldiRecognizer`` for 16 kHz audio on ``model``, listening for ``grammar``
    (a JSON list of phrases). :class:`GrammarError`, naming the model's directory, the
    grammar and Kaldi's reason, if Vosk cannot make one, or (checked first) if Vosk would
    crash or abort the program on the grammar."""
    import vosk

    from voiceskill.speech.modeldir.load import kaldi_messages, kaldi_reason, loaded_from, pass_on

    problem = _grammar_danger(model, grammar)
    if problem is None:
        with kaldi_messages() as messages:
            try:
                rec = vosk.KaldiRecognizer(model, TARGET_RATE, grammar)
            except Exception:  # vosk's bare Exception: "Failed to create a recognizer"
                rec = None
        said = b"".join(messages)
        if rec is not None:
            pass_on(said)
            return rec
        reason = kaldi_reason(said)
        problem = f'Kaldi says "{reason}"' if reason else "Kaldi gave no reason"
    directory = loaded_from(model)
    which = f"the model {directory}" if directory is not None else "this model"
    quoted = grammar if len(grammar) <= GRAMMAR_QUOTE else grammar[:GRAMMAR_QUOTE] + "..."
    raise GrammarError(f"Vosk cannot make a recognizer with {which} for the grammar {quoted}: "
                       f"{problem}")


@dataclass(frozen=True)
class Endpointing:
    """When an utterance counts as started and as finished."""

    settled_silence: float = 0.15
    """Seconds without voice after which the answer is final when the words so far are a whole
    phrase of the turn and nothing that could follow them changes its intent (``"yes"`` when
    ``"yes i do"`` is also a yes); a reply then starts sooner."""

    trailing_silence: float = 0.3
    """Seconds without voice after speech before the answer is final."""

    prefix_silence: float = 0.7
    """Used instead of ``trailing_silence`` while the words so far only begin a longer phrase
    (``"no"`` of ``"no i don't"``)."""

    correction_silence: float = 1.0
    """Used instead of the shorter ones while the words so far are an answer the turn takes
    only when sure of it, in a turn with near misses (a "no" to a red-flag question or to the
    coach's pain question): a correction said straight after it ("no ... yes") is then part of the
    same answer, which is not understood and is asked again. With 0.15 s the "no" was final
    before the "yes" began, and the "yes" was lost while the next question was spoken. The
    quiet meanwhile is not decoded (fed to Vosk, a second of it turned some "no no" into
    "don't know"): without a correction the answer comes out as it would have without the
    wait, a second later."""

    max_utterance: float = 6.0
    """An utterance is cut after this many seconds even if the voice goes on."""

    min_speech: float = 0.25
    """Voiced seconds needed before an empty result counts as "said something unclear"."""

    preroll: float = 0.3
    """Seconds of audio before the detected start that are decoded too."""

    margin_db: float = 10.0
    """A 10 ms frame is voiced when it is this much louder than the noise floor ..."""

    min_level_db: float = -55.0
    """... and louder than this absolute level (dB relative to full scale)."""

    steady_noise: float = 3.0
    """Seconds of sound that never falls back to the noise floor after which it counts as a
    steady noise (fan, hum), not a voice: it is dropped and becomes the new floor."""


def open_model(path: str | Path) -> Any:
    """Load (after checking) a Vosk model directory; ModelError with one clear line if unusable.

    Kaldi's warnings (e.g. about grammar words the model lacks) are kept off the terminal.
    """
    from voiceskill.speech import modeldir

    try:
        model = modeldir.open_model(path)
    except modeldir.ModelDirError as err:
        raise ModelError(str(err)) from None
    except Exception as err:  # vosk raises a bare Exception when Kaldi refuses the files
        raise ModelError(f"{path}: Vosk cannot load this model ({err})") from None
    import vosk

    vosk.SetLogLevel(-2)
    return model


def open_models(path: str | Path) -> tuple[Any, Any | None]:
    """The model at ``path`` and its 8 kHz companion (None without one), both checked and
    loaded (ModelError naming the directory when either is unusable)."""
    from voiceskill.speech.modeldir import narrowband_companion

    companion = narrowband_companion(path)
    return open_model(path), (open_model(companion) if companion is not None else None)


class Recognizer:
    """Turns chunks of audio into :class:`Heard` for one :class:`Listen` at a time."""

    def __init__(
        self,
        model: Any,
        endpointing: Endpointing | None = None,
        narrowband_model: Any | None = None,
    ) -> None:
        self.model = model
        """The Vosk model in use (the narrowband one once the switch is made)."""
        self.endpointing = endpointing or Endpointing()
        self.narrowband_model = narrowband_model
        """Companion model for audio with nothing above 4 kHz; None = keep :attr:`model`."""
        self.bandwidth = BandwidthWatch()
        """Watches the chunks of a voice for a microphone that records nothing above 4 kHz."""
        ep = self.endpointing
        self.voice = VoiceDetector(ep.margin_db, ep.min_level_db, ep.steady_noise)
        """Which chunks carry a voice; keeps the room's noise floor from turn to turn."""
        self._cache: OrderedDict[str, Any] = OrderedDict()
        sound_alike(["yes"])  # loads CMUdict (0.7 s) now rather than in the first turn
        self.decoded_seconds = 0.0
        """Seconds of audio handed to Vosk so far (for real-time-factor measurements)."""

    def watch_band(self, chunk: np.ndarray) -> bool:
        """Feed ``chunk`` to the bandwidth watch; True when the recognizer has just switched
        to its narrowband model (recognizers made before then belong to the old model).
        Once the utterance under way sounds like a noise, what the watch heard of it is
        forgotten: a hum or a rumble has nothing above 4 kHz either."""
        if self.voice.heard_noise():
            self.bandwidth.heard = 0.0
            return False
        if not self.bandwidth.feed(chunk):
            return False
        if self.narrowband_model is None:
            log.warning(NARROWBAND_WARNING)
            return False
        log.warning(NARROWBAND_SWITCH)
        self.model, self.narrowband_model = self.narrowband_model, None
        self._cache.clear()
        return True

    def turn(self, listen: Listen, eager: bool = False) -> Turn:
        """Start listening for ``listen``'s phrases. ``eager`` ends the utterance as soon as
        Vosk's partial result is a complete phrase (barge-in: speed over certainty)."""
        return Turn(self, listen, eager)

    def _vosk_for(self, phrases: list[str], strict: bool = False, unknowns: int = 1,
                  near_misses: tuple[str, ...] = ()) -> Any:
        """A KaldiRecognizer for this grammar, reused across turns with the same phrases, with
        ``[unk]`` listed ``unknowns`` times; ``strict`` lists it once per
        :data:`STRICT_PHRASES_PER_UNKNOWN` phrases instead (at least once more than a plain
        turn does, so the strict recognizer is never the plain one) and adds those of the
        ``near_misses`` the model knows (each :data:`NEAR_MISS_REPEATS` times).
        :class:`GrammarError` if Vosk cannot make it."""
        if strict:
            unknowns = max(TURN_UNKNOWNS + 1, len(phrases) // STRICT_PHRASES_PER_UNKNOWN)
            known = [w for w in near_misses if self.model.vosk_model_find_word(w) >= 0]
            phrases = [*phrases, *known * NEAR_MISS_REPEATS]
        grammar = vosk_grammar(self.model, [*phrases, UNKNOWN], unknowns)
        rec = self._cache.pop(grammar, None)
        if rec is None:
            rec = vosk_recognizer(self.model, grammar)
            rec.SetWords(True)
        else:
            rec.Reset()
        self._cache[grammar] = rec
        while len(self._cache) > 16:
            self._cache.popitem(last=False)
        return rec


class Turn:
    """Decoding state of one listen: feed chunks, get a Heard once an utterance ends."""

    def __init__(self, owner: Recognizer, listen: Listen, eager: bool) -> None:
        self.listen = listen
        self.eager = eager
        self._owner = owner
        self._ep = owner.endpointing
        self._preroll: deque[np.ndarray] = deque(
            maxlen=max(1, math.ceil(self._ep.preroll / CHUNK_SECONDS))
        )
        self._utterance: list[np.ndarray] = []
        """The audio decoded since the current utterance began (to decode again after a model
        switch)."""
        self._in_speech = False
        self._held: list[np.ndarray] | None = None
        """Quiet chunks after an answer that waits for a correction, not given to Vosk yet;
        None when no answer waits."""
        self._voiced = 0.0
        self._quiet = 0.0
        self._length = 0.0
        self._by_sound = sound_index(listen.choices)
        self._needs_strict = not eager and any(
            t > DOUBTFUL_CONFIDENCE for _, t in listen.thresholds
        )
        self._rec, self._strict = self._open_recognizers()
        self.speech_ended_at: float | None = None
        """Seconds of audio fed (in this turn) when the last utterance's voice stopped."""
        self.speech_started_at: float | None = None
        """Seconds of audio fed (in this turn) where the audio decoded for the last utterance
        began (its pre-roll included)."""
        self._began = 0.0
        self.fed = 0.0
        """Seconds of audio fed to this turn so far."""

    @property
    def in_speech(self) -> bool:
        """True between the start of an utterance and its end."""
        return self._in_speech

    def feed(self, chunk: np.ndarray) -> Heard | None:
        """Take one chunk; return what was said when an utterance has just ended."""
        self.fed += len(chunk) / TARGET_RATE
        voiced = self._owner.voice.voiced(chunk, self._in_speech)
        # Only voices tell the microphone's band: a hum or a rumble has nothing above 4 kHz
        # either, and switched the recognizer to the 8 kHz model before anyone spoke.
        if (voiced or self._in_speech) and self._owner.watch_band(chunk):
            heard = self._restart_with_new_model()
            if heard is not None:
                return heard
        if self._in_speech and self._owner.voice.steady():
            self._drop_utterance()  # a fan or a hum has started: nobody said anything
            return None
        if self._held is not None:  # an answer waits for a correction (correction_silence)
            if not voiced:
                self._held.append(chunk)
                self._length += len(chunk) / TARGET_RATE
                self._quiet += len(chunk) / TARGET_RATE
                return self._end_held() if self._quiet >= self._ep.correction_silence else None
            pending, self._held = [*self._held, chunk], None  # more words: one utterance
            self._length += len(chunk) / TARGET_RATE
        elif not self._in_speech:
            self._preroll.append(chunk)
            if not voiced:
                return None
            self._in_speech = True
            self._voiced = self._quiet = self._length = 0.0
            self._utterance = []
            pending = list(self._preroll)
            self._preroll.clear()
            self._length += sum(len(part) for part in pending) / TARGET_RATE
            self._began = self.fed - self._length
        else:
            pending = [chunk]
            self._length += len(chunk) / TARGET_RATE
        heard = self._decode(pending)
        if heard is not None:
            return heard
        if voiced:
            self._voiced += len(chunk) / TARGET_RATE
            self._quiet = 0.0
        else:
            self._quiet += len(chunk) / TARGET_RATE
        return self._check_end()

    def _decode(self, parts: list[np.ndarray]) -> Heard | None:
        """Hand ``parts`` to Vosk; a Heard if Vosk itself ended the utterance on the way."""
        for part in parts:
            self._owner.decoded_seconds += len(part) / TARGET_RATE
            self._utterance.append(part)
            if self._strict is not None:
                self._strict.AcceptWaveform(part.tobytes())
            if self._rec.AcceptWaveform(part.tobytes()):
                heard = self._finish(self._vosk_result("Result"))
                if heard is not None:
                    return heard
        return None

    def _open_recognizers(self) -> tuple[Any, Any | None]:
        """Vosk recognizers on the owner's current model: the turn's grammar (a barge-in turn
        lists each phrase and decoy :data:`BARGE_IN_REPEATS` times) and, if the turn needs
        one, the strict second decoding."""
        phrases = self.listen.phrases
        if self.eager:
            decoys = [p for p in self.listen.decoys if p not in phrases]
            rec = self._owner._vosk_for((phrases + decoys) * BARGE_IN_REPEATS)
        else:
            rec = self._owner._vosk_for(phrases, unknowns=TURN_UNKNOWNS)
        strict = None
        if self._needs_strict:
            strict = self._owner._vosk_for(phrases, strict=True,
                                           near_misses=self.listen.near_misses)
        return rec, strict

    def _restart_with_new_model(self) -> Heard | None:
        """The owner has switched models: new recognizers, and the utterance under way (if
        any) decoded again from its start."""
        self._rec, self._strict = self._open_recognizers()
        replay, self._utterance = self._utterance, []
        return self._decode(replay) if self._in_speech else None

    def _vosk_result(self, kind: str) -> dict[str, Any]:
        """Vosk's ``Result``, ``FinalResult`` or ``PartialResult``, phrase words spread out."""
        return spread_words(json.loads(getattr(self._rec, kind)()))

    def flush(self) -> Heard | None:
        """The source ran dry: close any utterance in progress."""
        if not self._in_speech:
            return None
        return self._finish(self._vosk_result("FinalResult"))

    # ---------------------------------------------------------------- internals

    def _end_utterance(self) -> None:
        """Back to waiting for speech: the utterance's audio and counters are forgotten."""
        self._in_speech = False
        self._held = None
        self._utterance = []
        self._voiced = self._quiet = self._length = 0.0

    def _drop_utterance(self) -> None:
        """Forget the utterance under way (Vosk's recognizers start afresh)."""
        self._end_utterance()
        self._rec.Reset()
        if self._strict is not None:
            self._strict.Reset()

    def _check_end(self) -> Heard | None:
        ep = self._ep
        if self._length >= ep.max_utterance:
            return self._finish(self._vosk_result("FinalResult"))
        if self.eager and self._voiced > 0.1:
            # Only a one-word phrase ends a barge-in early: a phrase word shows up whole in the
            # partial result from its first sound ("i don't know" while "stop" begins), so a
            # longer phrase waits for the usual end of speech.
            partial = _after_unknown(self._vosk_result("PartialResult").get("partial", ""))
            words = self._by_sound.sound(partial)
            if len(words) == 1 and self._complete(words):
                return self._finish(self._vosk_result("FinalResult"))
        if self._quiet < ep.settled_silence:
            return None
        if self._quiet < ep.trailing_silence:
            partial = self._partial_by_sound()
            if not (partial and self._settled(partial)):
                return None
        elif self._quiet < ep.prefix_silence:
            partial = self._partial_by_sound()
            if partial and not self._complete(partial) and self._begins_phrase(partial):
                return None
        if self._quiet < ep.correction_silence and self._needs_strict and self._guarded():
            # The answer is over, but one taken only when sure waits for a correction. The
            # quiet chunks meanwhile are held back from Vosk: if nobody goes on, the answer is
            # decoded exactly as it would have been without the wait.
            self._held = []
            return None
        return self._finish(self._vosk_result("FinalResult"))

    def _end_held(self) -> Heard | None:
        """Nobody went on after an answer that waited for a correction: it is final."""
        self._held = None
        return self._finish(self._vosk_result("FinalResult"))

    def _guarded(self) -> bool:
        """Whether the words so far are an answer this turn takes only when sure of it, in a
        turn whose content lists words a wrong hearing of it could be (near misses: a red-flag
        question, the coach's pain question). The running coach's commands need the strict
        decoding too, but nothing depends on a correction of them: they end as soon as usual."""
        if not self.listen.near_misses:
            return False
        intent = intent_of_words(self._partial_by_sound(), self._by_sound.intents)
        return dict(self.listen.thresholds).get(intent or "", 0.0) > DOUBTFUL_CONFIDENCE

    def _partial_by_sound(self) -> tuple[str, ...]:
        """Vosk's words so far, homophones spelled alike."""
        return self._by_sound.sound(self._vosk_result("PartialResult").get("partial", ""))

    def _intent_of(self, text: str) -> str | None:
        """The intent of ``text`` in this turn: by its words, else by how they sound."""
        return match_intent(text, self.listen) or self._intent_by_sound(text)

    def _intent_by_sound(self, text: str) -> str | None:
        """The intent of the phrases that sound like ``text``; None if none or several."""
        return intent_of_words(self._by_sound.sound(text), self._by_sound.intents)

    def _filler(self, word: str) -> bool:
        return self._by_sound.intents.get((word,)) == frozenset({FILLER})

    def _complete(self, words: tuple[str, ...]) -> bool:
        return words in self._by_sound.intents and not all(map(self._filler, words))

    def _settled(self, words: tuple[str, ...]) -> bool:
        """``words`` are a whole phrase of one intent, and every longer phrase they begin has
        that same intent: more words could not change what the answer means."""
        intents = self._by_sound.intents.get(words, frozenset())
        if len(intents) != 1 or intents == {FILLER}:
            return False
        n = len(words)
        return all(i <= intents for p, i in self._by_sound.intents.items() if p[:n] == words)

    def _strict_text(self) -> str | None:
        """What the stricter recognizer heard in the utterance just ended (None if there is
        none in this turn); it starts afresh for the next utterance."""
        if self._strict is None:
            return None
        return spread_words(json.loads(self._strict.FinalResult())).get("text", "")

    def _confirmed(self, intent: str, text: str) -> bool:
        """Whether ``text``, heard with out-of-grammar speech made likelier, is ``intent``."""
        if not text or UNKNOWN in text.split():
            return False
        return self._intent_of(text) == intent

    def _command_part(self, text: str) -> str:
        """What a barge-in turn heard, without what came before a command of the turn:
        ``[unk]`` and the turn's decoys (the person's other words: "okay stop" is "stop").
        Without such a command, ``text`` without its leading ``[unk]`` words."""
        words = tuple(text.split())
        skippable = {(UNKNOWN,), *(tuple(p.split()) for p in self.listen.decoys)}
        longest = max(map(len, skippable))
        starts = {0}  # where a command may begin: after whole skippable pieces
        for i in range(len(words)):
            if i not in starts:
                continue
            rest = " ".join(words[i:])
            if self._intent_of(rest):
                return rest
            starts.update(j for j in range(i + 1, min(len(words), i + longest) + 1)
                          if words[i:j] in skippable)
        return _after_unknown(text)

    def _begins_phrase(self, words: tuple[str, ...]) -> bool:
        if self._filler(words[-1]):  # "um ...": the answer is still to come
            return True
        while self._filler(words[0]):  # "um no" begins "no i don't" as "no" does
            words = words[1:]
        n = len(words)
        return any(len(p) > n and p[:n] == words for p in self._by_sound.intents)

    def _finish(self, result: dict[str, Any]) -> Heard | None:
        """Turn Vosk's result into a Heard (None for a noise without a voice, or an empty
        result after a mere noise)."""
        voiced, quiet, strict_text = self._voiced, self._quiet, self._strict_text()
        self._end_utterance()
        if self._owner.voice.heard_noise():  # a burst of noise, which the model hears as words
            return None
        self.speech_ended_at = self.fed - quiet
        self.speech_started_at = self._began
        text = result.get("text", "").strip()
        words = result.get("result", [])
        confidence = min((float(w.get("conf", 0.0)) for w in words), default=0.0)
        if not text:
            if voiced >= self._ep.min_speech:
                return Heard("", None, 0.0)
            self._rec.Reset()
            return None
        if self.eager:  # barge-in: a command said over the prompt follows what was not ours
            text = self._command_part(text)
            kept = words[len(words) - len(text.split()) :]
            confidence = min((float(w.get("conf", 0.0)) for w in kept), default=0.0)
        if UNKNOWN in text.split():
            return Heard(text, None, confidence)
        intent = self._intent_of(text)
        needed = dict(self.listen.thresholds).get(intent or "", 0.0)
        if intent and needed > DOUBTFUL_CONFIDENCE and strict_text is not None:
            if not self._confirmed(intent, strict_text):
                confidence = min(confidence, DOUBTFUL_CONFIDENCE)
        return Heard(text, intent, confidence)
