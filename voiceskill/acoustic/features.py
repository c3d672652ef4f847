"""Acoustic features exactly as Vosk computes them: Kaldi MFCC + Kaldi online mean normalisation.

Every MFCC option is set explicitly both here (kaldi-native-fbank) and in ``conf/mfcc.conf``
so training and decoding see the same numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class MfccConfig:
    """MFCC settings shared by training (kaldi-native-fbank) and decoding (Vosk)."""

    num_mel_bins: int = 23
    """Triangular mel filters."""
    num_ceps: int = 13
    """Cepstral coefficients kept (C0 included, no energy)."""
    low_freq: float = 40.0
    """Lowest filter edge in Hz."""
    high_freq: float = 7600.0
    """Highest filter edge in Hz."""
    cepstral_lifter: float = 22.0
    """Liftering coefficient."""
    frame_length_ms: float = 25.0
    """Analysis window length."""
    window_type: str = "povey"
    """Window shape (``povey``, ``hamming``, …)."""
    remove_dc_offset: bool = True
    """Subtract each frame's mean before windowing."""
    dither: float = 0.0
    """Random noise added to every sample (keeps digital silence away from log(0))."""


@dataclass(frozen=True)
class CmnConfig:
    """Kaldi online mean normalisation (Vosk applies it when am/global_cmvn.stats exists)."""

    window: int = 600
    """Frames of history averaged (``--cmn-window``)."""
    global_frames: int = 200
    """Frames of global prior mixed in while history is short (``--global-frames``)."""


MFCC = MfccConfig()
CMN = CmnConfig()


def _knf_options(cfg: MfccConfig):
    import kaldi_native_fbank as knf

    opts = knf.MfccOptions()
    opts.frame_opts.samp_freq = 16000
    opts.frame_opts.frame_shift_ms = 10
    opts.frame_opts.frame_length_ms = cfg.frame_length_ms
    opts.frame_opts.dither = cfg.dither
    opts.frame_opts.preemph_coeff = 0.97
    opts.frame_opts.remove_dc_offset = cfg.remove_dc_offset
    opts.frame_opts.window_type = cfg.window_type
    opts.frame_opts.round_to_power_of_two = True
    opts.frame_opts.snip_edges = True
    opts.mel_opts.num_bins = cfg.num_mel_bins
    opts.mel_opts.low_freq = cfg.low_freq
    opts.mel_opts.high_freq = cfg.high_freq
    opts.num_ceps = cfg.num_ceps
    opts.use_energy = False
    opts.energy_floor = 0.0
    opts.raw_energy = True
    opts.cepstral_lifter = cfg.cepstral_lifter
    opts.htk_compat = False
    return opts


def mfcc_conf_text(cfg: MfccConfig = MFCC) -> str:
    """The ``conf/mfcc.conf`` that makes Vosk compute :func:`mfcc`."""
    return (
        "\n".join(
            [
                "--sample-frequency=16000",
                f"--frame-length={cfg.frame_length_ms:g}",
                "--frame-shift=10",
                f"--dither={cfg.dither:g}",
                "--preemphasis-coefficient=0.97",
                f"--remove-dc-offset={str(cfg.remove_dc_offset).lower()}",
                f"--window-type={cfg.window_type}",
                "--round-to-power-of-two=true",
                "--snip-edges=true",
                f"--num-mel-bins={cfg.num_mel_bins}",
                f"--low-freq={cfg.low_freq:g}",
                f"--high-freq={cfg.high_freq:g}",
                f"--num-ceps={cfg.num_ceps}",
                "--use-energy=false",
                "--energy-floor=0",
                "--raw-energy=true",
                f"--cepstral-lifter={cfg.cepstral_lifter:g}",
                "--htk-compat=false",
            ]
        )
        + "\n"
    )


def mfcc(samples: np.ndarray, cfg: MfccConfig = MFCC) -> np.ndarray:
    """MFCC frames (T, num_ceps) of 16 kHz audio given as int16 or int16-scaled floats."""
    import kaldi_native_fbank as knf

    computer = knf.OnlineMfcc(_knf_options(cfg))
    computer.accept_waveform(16000, np.asarray(samples, dtype=np.float32))
    computer.input_finished()
    n = computer.num_frames_ready
    if n == 0:
        return np.zeros((0, cfg.num_ceps), dtype=np.float32)
    return np.array([computer.get_frame(i) for i in range(n)], dtype=np.float32)


def online_cmn(feats: np.ndarray, global_mean: np.ndarray, cfg: CmnConfig = CMN) -> np.ndarray:
    """Kaldi's OnlineCmvn (means only) with global stats as prior, as Vosk runs it.

    Frame t is normalised by the mean of frames [t-window+1, t]; while fewer than ``window``
    frames exist, up to ``global_frames`` frames' worth of the global mean are mixed in.
    """
    if len(feats) == 0:
        return feats
    csum = np.cumsum(feats.astype(np.float64), axis=0)
    t = np.arange(len(feats))
    start = np.maximum(0, t - cfg.window + 1)
    window_sum = csum[t] - np.where(start[:, None] > 0, csum[np.maximum(start - 1, 0)], 0.0)
    count = (t - start + 1).astype(np.float64)
    from_global = np.clip(cfg.window - count, 0, cfg.global_frames)
    mean = (window_sum + from_global[:, None] * global_mean[None, :]) / (count + from_global)[
        :, None
    ]
    return (feats - mean).astype(np.float32)


def write_global_cmvn(path: Path, global_mean: np.ndarray, count: float = 1000.0) -> None:
    """Write Kaldi text CMVN stats (2 × (dim+1) matrix) whose mean is ``global_mean``."""
    dim = len(global_mean)
    row0 = [*(global_mean * count).tolist(), count]
    row1 = [0.0] * (dim + 1)
    text = " [\n  " + " ".join(f"{v:.6g}" for v in row0) + "\n  "
    text += " ".join(f"{v:.6g}" for v in row1) + " ]\n"
    path.write_text(text, encoding="ascii")


def read_global_cmvn(path: Path) -> np.ndarray:
    """Mean vector of Kaldi CMVN stats written by :func:`write_global_cmvn` (row 1: the
    sums, then the frame count)."""
    from voiceskill.speech.modeldir import read_kaldi_matrix

    sums = np.array(read_kaldi_matrix(path)[0])
    return sums[:-1] / sums[-1]
