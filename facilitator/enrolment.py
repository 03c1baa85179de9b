"""The enrolment quality gate: enough clear speech from one voice, not clipped, not too noisy.

A voiceprint built from a bad recording makes every later decision worse, so enrolment refuses
silence, noise, music, clipped audio and two voices, and says why in one sentence that the person
can act on ("move closer", "only one person at a time"). The voice-activity model finds the voiced
32 ms blocks; the speech between them is embedded in ~1.5 s windows, which must agree with each
other (one voice).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio
from facilitator.config import SpeakersConfig
from facilitator.ports import Embedder, SpeechDetector

BLOCK_S = BLOCK_SAMPLES / SAMPLE_RATE
CLIP_LEVEL = 0.99
"""A sample at or above this magnitude counts as clipped."""
SPEECH_PROB = 0.5
"""A block whose speech probability reaches this counts as voiced."""


@dataclass(frozen=True)
class EnrolmentReport:
    """What the gate measured, and why it refused (None when the audio is usable)."""

    voiced_s: float
    """Seconds of voiced speech found by the voice-activity model."""
    clipped_share: float
    """Share of samples at full scale (0-1)."""
    snr_db: float
    """Level of voiced blocks over that of the quiet blocks (dB)."""
    consistency: float
    """Cosine between the two halves of the best two-way split of the windows (1 = one voice)."""
    reason: str | None
    """Why the audio is refused, as one sentence that says what to do; None when accepted."""
    windows: npt.NDArray[np.float32]
    """Embeddings of the ~1.5 s windows of voiced speech (n x 256)."""


def voiced_mask(audio: Audio, detector: SpeechDetector) -> npt.NDArray[np.bool_]:
    """Per 32 ms block: voiced or not (with one block of hangover either side, for word edges)."""
    detector.reset()
    n_blocks = len(audio) // BLOCK_SAMPLES
    probs = np.array(
        [detector.speech_prob(audio[i * BLOCK_SAMPLES : (i + 1) * BLOCK_SAMPLES]) for i in range(n_blocks)]
    )
    voiced = probs >= SPEECH_PROB
    widened = voiced.copy()
    widened[1:] |= voiced[:-1]
    widened[:-1] |= voiced[1:]
    return widened


def block_levels_db(audio: Audio) -> npt.NDArray[np.float64]:
    """RMS level of each 32 ms block (dBFS)."""
    n_blocks = len(audio) // BLOCK_SAMPLES
    blocks = audio[: n_blocks * BLOCK_SAMPLES].reshape(n_blocks, BLOCK_SAMPLES).astype(np.float64)
    return 20.0 * np.log10(np.maximum(np.sqrt(np.mean(blocks**2, axis=1)), 1e-6))


def snr_db(levels: npt.NDArray[np.float64], voiced: npt.NDArray[np.bool_]) -> float:
    """Voiced level over the floor: the median voiced block against the quietest tenth of all blocks."""
    if not voiced.any():
        return 0.0
    floor = float(np.quantile(levels, 0.1))
    return float(np.median(levels[voiced]) - floor)


def consistency(windows: npt.NDArray[np.float32], iterations: int = 10) -> float:
    """Cosine between the two centroids of the best two-way split of the windows (1.0 = one voice).

    Two people taking turns make two tight groups whose centroids are far apart (cosine about
    0.6-0.7 on LibriSpeech pairs); one voice split in two stays close (0.8-0.9). Splits are
    2-means runs seeded from every pair of windows; each side needs two windows, so fewer than
    four windows give 1.0. Two people talking at the SAME time blend into one steady voice and
    are not caught here.
    """
    n = len(windows)
    if n < 4:
        return 1.0
    worst = 1.0
    for i in range(n):
        for j in range(i + 1, n):
            centroids = windows[[i, j]]
            labels = np.zeros(n, dtype=int)
            for _ in range(iterations):
                labels = np.argmax(windows @ centroids.T, axis=1)
                if labels.min() == labels.max():
                    break
                centroids = np.stack([windows[labels == k].mean(axis=0) for k in (0, 1)])
                centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
            sizes = np.bincount(labels, minlength=2)
            if sizes.min() >= 2:
                worst = min(worst, float(centroids[0] @ centroids[1]))
    return worst


def assess(
    audio: Audio, embedder: Embedder, detector: SpeechDetector, config: SpeakersConfig
) -> EnrolmentReport:
    """Measure enrolment audio and decide whether it makes a good voiceprint."""
    from facilitator.speakers import embed_windows

    audio = np.asarray(audio, dtype=np.float32)
    empty = np.zeros((0, 256), dtype=np.float32)
    if len(audio) < BLOCK_SAMPLES:
        return EnrolmentReport(0.0, 0.0, 0.0, 1.0, _too_little(0.0, config), empty)
    voiced = voiced_mask(audio, detector)
    voiced_s = float(voiced.sum()) * BLOCK_S
    levels = block_levels_db(audio)
    clipped = float(np.mean(np.abs(audio) >= CLIP_LEVEL))
    snr = snr_db(levels, voiced)
    if voiced_s < config.enrol_min_voiced_s:
        return EnrolmentReport(voiced_s, clipped, snr, 1.0, _too_little(voiced_s, config), empty)
    if clipped > config.enrol_max_clipped_share:
        reason = (
            "The recording is too loud and distorts; sit a little further from the microphone "
            "or turn its level down, then try again."
        )
        return EnrolmentReport(voiced_s, clipped, snr, 1.0, reason, empty)
    if snr < config.enrol_min_snr_db:
        reason = (
            f"There is too much background noise (speech only {snr:.0f} dB above it); find a quieter "
            "spot or come closer to the microphone, then try again."
        )
        return EnrolmentReport(voiced_s, clipped, snr, 1.0, reason, empty)
    speech = audio[: len(voiced) * BLOCK_SAMPLES].reshape(len(voiced), BLOCK_SAMPLES)[voiced].reshape(-1)
    windows = embed_windows(embedder, speech, config.window_s)
    steady = consistency(windows)
    if steady < config.enrol_min_consistency:
        reason = (
            "I seem to hear more than one voice; please let only the person enrolling speak, "
            "then try again."
        )
        return EnrolmentReport(voiced_s, clipped, snr, steady, reason, empty)
    return EnrolmentReport(voiced_s, clipped, snr, steady, None, windows)


def _too_little(voiced_s: float, config: SpeakersConfig) -> str:
    if voiced_s < 0.5:
        return (
            "I heard no clear speech (silence, noise or music is not enough); please read the "
            "prompt aloud, close to the microphone."
        )
    return (
        f"I heard only {voiced_s:.1f} s of clear speech and need at least "
        f"{config.enrol_min_voiced_s:.0f} s; please read a little more, close to the microphone."
    )
