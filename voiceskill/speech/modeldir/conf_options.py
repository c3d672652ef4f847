"""The options Vosk 0.3.45 accepts in conf/model.conf, conf/mfcc.conf and conf/fbank.conf.

Each table maps an option's name to the type of its value ("bool", "int", "float" or
"string"): Kaldi's ParseOptions refuses the whole model for any other name ("Invalid option")
or a value of the wrong type. Taken from the option list Kaldi prints when it refuses one.
``_`` in a name is read as ``-``, as Kaldi does. :mod:`voiceskill.speech.modeldir.conf`
reads the files against these tables.
"""

from __future__ import annotations

_STANDARD_OPTIONS = {"config": "string", "help": "bool", "print-args": "bool", "verbose": "int"}
_ENDPOINT_RULE_OPTIONS = {
    f"endpoint.rule{n}.{name}": kind
    for n in range(1, 6)
    for name, kind in (
        ("max-relative-cost", "float"),
        ("min-trailing-silence", "float"),
        ("min-utterance-length", "float"),
        ("must-contain-nonsilence", "bool"),
    )
}
_OPTIMIZATION_OPTIONS = {
    f"optimization.{name}": kind
    for name, kind in (
        ("allocate-from-other", "bool"),
        ("allow-left-merge", "bool"),
        ("allow-right-merge", "bool"),
        ("backprop-in-place", "bool"),
        ("consolidate-model-update", "bool"),
        ("convert-addition", "bool"),
        ("extend-matrices", "bool"),
        ("initialize-undefined", "bool"),
        ("max-deriv-time", "int"),
        ("max-deriv-time-relative", "int"),
        ("memory-compression-level", "int"),
        ("min-deriv-time", "int"),
        ("move-sizing-commands", "bool"),
        ("optimize", "bool"),
        ("optimize-row-ops", "bool"),
        ("propagate-in-place", "bool"),
        ("remove-assignments", "bool"),
        ("snip-row-ops", "bool"),
        ("split-row-ops", "bool"),
    )
}
#: conf/model.conf: the decoder, endpointer and network-computation options.
MODEL_CONF_OPTIONS = {
    "acoustic-scale": "float",
    "beam": "float",
    "beam-delta": "float",
    "computation.debug": "bool",
    "debug-computation": "bool",
    "delta": "float",
    "determinize-max-active": "int",
    "determinize-max-delay": "int",
    "determinize-min-chunk-size": "int",
    "endpoint.silence-phones": "string",
    "extra-left-context-initial": "int",
    "frame-subsampling-factor": "int",
    "frames-per-chunk": "int",
    "hash-ratio": "float",
    "lattice-beam": "float",
    "max-active": "int",
    "max-mem": "int",
    "min-active": "int",
    "minimize": "bool",
    "phone-determinize": "bool",
    "prune-interval": "int",
    "word-determinize": "bool",
    **_ENDPOINT_RULE_OPTIONS,
    **_OPTIMIZATION_OPTIONS,
    **_STANDARD_OPTIONS,
}
_FRAME_OPTIONS = {
    "allow-downsample": "bool",
    "allow-upsample": "bool",
    "blackman-coeff": "float",
    "debug-mel": "bool",
    "dither": "float",
    "energy-floor": "float",
    "frame-length": "float",
    "frame-shift": "float",
    "high-freq": "float",
    "htk-compat": "bool",
    "low-freq": "float",
    "max-feature-vectors": "int",
    "num-mel-bins": "int",
    "preemphasis-coefficient": "float",
    "raw-energy": "bool",
    "remove-dc-offset": "bool",
    "round-to-power-of-two": "bool",
    "sample-frequency": "float",
    "snip-edges": "bool",
    "use-energy": "bool",
    "vtln-high": "float",
    "vtln-low": "float",
    "window-type": "string",
    **_STANDARD_OPTIONS,
}
#: conf/mfcc.conf and conf/fbank.conf: the frame and mel-bank options, and each one's own.
MFCC_CONF_OPTIONS = {**_FRAME_OPTIONS, "cepstral-lifter": "float", "num-ceps": "int"}
FBANK_CONF_OPTIONS = {**_FRAME_OPTIONS, "use-log-fbank": "bool", "use-power": "bool"}

#: Kaldi's defaults for the options whose values :mod:`.conf` checks.
DEFAULTS = {
    "beam": 16.0,
    "max-active": 2147483647,
    "min-active": 200,
    "lattice-beam": 10.0,
    "prune-interval": 25,
    "beam-delta": 0.5,
    "hash-ratio": 2.0,
    "determinize-max-delay": 60,
    "determinize-min-chunk-size": 20,
    "minimize": False,
    "word-determinize": True,
    "acoustic-scale": 0.1,
    "frame-subsampling-factor": 1,
    "frames-per-chunk": 24,
    "extra-left-context-initial": 0,
    "sample-frequency": 16000.0,
    "frame-length": 25.0,
    "frame-shift": 10.0,
    "num-mel-bins": 23,
    "num-ceps": 13,
    "low-freq": 20.0,
    "high-freq": 0.0,
    "window-type": "povey",
    "use-energy": False,  # fbank's default; only fbank's dimension depends on it
}

#: The window types Kaldi's feature code knows.
WINDOW_TYPES = ("hamming", "hanning", "povey", "rectangular", "sine", "blackman")
