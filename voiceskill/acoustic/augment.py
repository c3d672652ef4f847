"""Make clean synthetic speech sound like a room, a cheap microphone and a bit of life.

Speed perturbation, gain, reverberation, band-limiting, noise at several SNRs and padding
with background noise. All numpy/scipy; deterministic for a given random generator.
"""

from __future__ import annotations

import numpy as np

from voiceskill.speech.wav import float_to_int16, resample

RATE = 16000


#: Noise colours by their spectral slope: power falls 0, 3 or 6 dB per octave.
NOISE_SLOPES = {"white": 0.0, "pink": 0.5, "brown": 1.0}


def colored_noise(rng: np.random.Generator, n: int, kind: str) -> np.ndarray:
    """``n`` samples of white, pink or brown noise (:data:`NOISE_SLOPES`) with unit RMS."""
    noise = rng.standard_normal(n)
    if NOISE_SLOPES[kind]:
        spectrum = np.fft.rfft(noise)
        spectrum /= np.maximum(np.arange(len(spectrum)), 1) ** NOISE_SLOPES[kind]
        noise = np.fft.irfft(spectrum, n)
    return noise / (np.sqrt(np.mean(noise**2)) + 1e-9)


def _colored_noise(rng: np.random.Generator, n: int) -> np.ndarray:
    """White, pink or brown noise, one of them at random, with unit RMS."""
    return colored_noise(rng, n, list(NOISE_SLOPES)[int(rng.integers(3))])


def _hum(rng: np.random.Generator, n: int) -> np.ndarray:
    t = np.arange(n) / RATE
    base = rng.choice([50.0, 60.0])
    return sum(np.sin(2 * np.pi * base * k * t + rng.uniform(0, 6)) / k for k in range(1, 5))


def _reverb(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    rt60 = rng.uniform(0.15, 0.7)
    length = int(RATE * min(rt60, 0.5))
    t = np.arange(length) / RATE
    rir = rng.standard_normal(length) * np.exp(-6.9 * t / rt60)
    rir[0] = 1.0 + rng.uniform(0, 2)
    wet = np.convolve(x, rir)[: len(x)]
    return wet / (np.max(np.abs(wet)) + 1e-9) * np.max(np.abs(x))


def _band_limit(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    from scipy.signal import butter, sosfilt

    low = rng.uniform(80, 400)
    high = rng.uniform(3000, 7500)
    sos = butter(int(rng.integers(2, 5)), [low, high], btype="bandpass", fs=RATE, output="sos")
    return sosfilt(sos, x)


def _tilt(rng: np.random.Generator, x: np.ndarray) -> np.ndarray:
    """Random spectral tilt / pre-emphasis like different microphones."""
    a = rng.uniform(-0.6, 0.6)
    y = x.copy()
    y[1:] = x[1:] - a * x[:-1]
    return y


def narrowband_copy(x: np.ndarray) -> np.ndarray:
    """What a device sampling at 8 kHz records (Bluetooth hands-free headsets, telephone-band
    microphones): nothing above 4 kHz, whatever the room added before."""
    narrow = resample(x.astype(np.float32), RATE, RATE // 2)
    return resample(narrow, RATE // 2, RATE).astype(np.float64)[: len(x)]


def as_8k_device(samples: np.ndarray) -> np.ndarray:
    """:func:`narrowband_copy` of 16 kHz int16 ``samples``, as int16."""
    return float_to_int16(narrowband_copy(samples.astype(np.float64) / 32768.0))


def augment(
    clean: np.ndarray, rng: np.random.Generator, strength: float = 1.0, narrowband: float = 0.0
) -> np.ndarray:
    """Return an augmented int16 copy of 16 kHz int16 ``clean`` (strength 0 = only padding).
    With probability ``narrowband`` (when ``strength`` > 0) the result is recorded as by an
    8 kHz device, noise included."""
    x = clean.astype(np.float64) / 32768.0
    if strength > 0 and rng.random() < 0.6:
        factor = rng.uniform(0.85, 1.15)
        x = resample(x.astype(np.float32), int(RATE * factor), RATE).astype(np.float64)
    if strength > 0 and rng.random() < 0.4:
        x = _tilt(rng, x)
    if strength > 0 and rng.random() < 0.35:
        x = _reverb(rng, x)
    if strength > 0 and rng.random() < 0.35:
        x = _band_limit(rng, x)
    peak = np.max(np.abs(x)) + 1e-9
    x = x / peak * 10 ** (rng.uniform(-26, -1) / 20)
    lead = int(RATE * rng.uniform(0.15, 0.5))
    trail = int(RATE * rng.uniform(0.15, 0.5))
    x = np.concatenate([np.zeros(lead), x, np.zeros(trail)])
    speech_rms = np.sqrt(np.mean(x[lead : len(x) - trail] ** 2)) + 1e-9
    if strength > 0 and rng.random() < 0.75:
        snr = rng.uniform(5, 35)
    else:
        snr = rng.uniform(40, 60)
    noise = _colored_noise(rng, len(x))
    if rng.random() < 0.15:
        noise = noise + 0.5 * _hum(rng, len(x))
    x = x + noise * speech_rms / 10 ** (snr / 20)
    if strength > 0 and narrowband > 0 and rng.random() < narrowband:
        x = narrowband_copy(x)
    return float_to_int16(np.clip(x, -1, 1))
