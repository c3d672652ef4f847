"""Find and check a Vosk model directory before Vosk sees it, then open it.

Vosk aborts or crashes the whole process on some broken files (a text or truncated FST, an
empty silence-phone list, CMVN statistics of the wrong shape, a zero frame shift), and refuses
others with a bare "Failed to create a model" that names no file. So every file it will read
is checked here first, and a problem comes back as one :class:`ModelDirError` naming the file
(and the line, for configuration files) and what is wrong with it. What the checks cannot see
(e.g. random bytes inside the network's weights) is caught when Vosk loads the model, and
reported as a :class:`ModelDirError` too, quoting Kaldi's own reason.

The checks, by what they read:

- :mod:`.locate` — which directory (``--model``, $VOICESKILL_MODEL, the shipped model) and
  its 8 kHz companion;
- :mod:`.fst` — OpenFst binary files, walked record by record;
- :mod:`.conf_options` and :mod:`.conf` — configuration files, against the options and
  values Vosk 0.3.45 accepts;
- :mod:`.kaldi` — the acoustic model (every number finite), Kaldi matrices and the graph's
  text files (words.txt, phones/word_boundary.int);
- :mod:`.directory` — every file of a directory, in the order Vosk reads them;
- :mod:`.load` — loading the checked directory with Vosk, Kaldi's messages caught.
"""

from voiceskill.speech.modeldir.conf import ConfSetting, read_conf
from voiceskill.speech.modeldir.conf_options import (
    FBANK_CONF_OPTIONS,
    MFCC_CONF_OPTIONS,
    MODEL_CONF_OPTIONS,
)
from voiceskill.speech.modeldir.directory import check_model_dir, check_model_words
from voiceskill.speech.modeldir.errors import ModelDirError
from voiceskill.speech.modeldir.fst import check_fst
from voiceskill.speech.modeldir.kaldi import read_kaldi_matrix
from voiceskill.speech.modeldir.load import open_model
from voiceskill.speech.modeldir.locate import (
    MODEL_ENV,
    NARROWBAND_SUFFIX,
    narrowband_companion,
    resolve_model_dir,
)

__all__ = [
    "FBANK_CONF_OPTIONS",
    "MFCC_CONF_OPTIONS",
    "MODEL_CONF_OPTIONS",
    "MODEL_ENV",
    "NARROWBAND_SUFFIX",
    "ConfSetting",
    "ModelDirError",
    "check_fst",
    "check_model_dir",
    "check_model_words",
    "narrowband_companion",
    "open_model",
    "read_conf",
    "read_kaldi_matrix",
    "resolve_model_dir",
]
