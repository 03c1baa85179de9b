"""How far the echo lags the reference: the delay between what was played and the microphone.

Pure numpy (issue 13). The echo canceller pairs each 10 ms of microphone sound with the 10 ms that
were played at the same moment; after an underrun or a device change that pairing can slip, and
an echo that arrives *before* its reference (or far after it) cannot be cancelled. The delay is
found by generalised cross-correlation with phase transform (GCC-PHAT): the spectra are whitened
before correlating, so the direct sound of the room response stands out as one sharp peak even
for speech, whose plain correlation is broad.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio


@dataclass(frozen=True)
class Delay:
    """The lag found between a microphone stretch and the reference played with it."""

    lag_s: float
    """Seconds by which the echo in the microphone lags the reference (negative: it leads)."""
    confidence: float
    """Height of the correlation peak over the spread of the correlation (about 7 with no echo in
    the microphone, 20-90 with one, double talk included)."""


MIN_REFERENCE_DBFS = -50.0
"""A reference quieter than this holds nothing to find an echo of."""


def estimate_delay(mic: Audio, reference: Audio, max_lag_s: float = 1.0) -> Delay | None:
    """The echo delay of ``reference`` in ``mic`` (same length, SAMPLE_RATE), within ±``max_lag_s``.

    None when the reference is too quiet to tell (nothing was played).
    """
    n = min(mic.size, reference.size)
    if n == 0:
        return None
    ref = reference[:n].astype(np.float64)
    if 10 * np.log10(max(float(np.mean(ref**2)), 1e-20)) < MIN_REFERENCE_DBFS:
        return None
    size = 1 << int(np.ceil(np.log2(2 * n)))
    cross = np.fft.rfft(mic[:n].astype(np.float64), size) * np.conj(np.fft.rfft(ref, size))
    cross /= np.maximum(np.abs(cross), 1e-12)
    corr = np.fft.irfft(cross, size)
    max_lag = min(int(max_lag_s * SAMPLE_RATE), n - 1)
    window = np.concatenate([corr[-max_lag:], corr[: max_lag + 1]]) if max_lag > 0 else corr[:1]
    peak = int(np.argmax(window))
    spread = float(np.std(window))
    confidence = float(window[peak]) / max(spread, 1e-12)
    return Delay((peak - max_lag) / SAMPLE_RATE, confidence)
