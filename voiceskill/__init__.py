"""voiceskill: an offline voice coach for a lower back that pops and hurts."""

from pathlib import Path

__version__ = "0.1.0"

#: Repository root when running from a checkout (dialogs/ and models/ live there).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DIALOGS_DIR = PROJECT_ROOT / "dialogs"
MODELS_DIR = PROJECT_ROOT / "models"
DEFAULT_MODEL_DIR = MODELS_DIR / "voiceskill-en"
