"""Deciding that a transcribed segment held no speech, from several signals together (pure).

Whisper's own rule skips a segment only when its no-speech probability is high *and* the decoder
was unsure (average log-probability low): a confident transcript of a quiet or distant voice often
comes with a high no-speech probability, and must be kept (issue 11: a far partner's words must not
vanish). The streaming VAD's speech probability over the segment and the audio level are the other
two witnesses: strong VAD speech at an audible level overrules Whisper's doubt; a fluent transcript
over audio the VAD heard as no speech at all is text invented from noise.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

NO_SPEECH_HIGH = 0.6
"""Whisper's no-speech threshold (its ``no_speech_threshold``)."""

LOGPROB_LOW = -1.0
"""Whisper's average log-probability threshold (its ``log_prob_threshold``)."""

SILENT_DBFS = -70.0
"""Below this RMS level there is nothing to hear (digital silence)."""

AUDIBLE_DBFS = -50.0
"""At or above this level a voice the VAD is sure of is audible enough to trust over Whisper."""

VAD_SURE = 0.8
"""Mean VAD speech probability at which the VAD overrules Whisper's doubt."""

VAD_NONE = 0.15
"""Mean VAD speech probability under which the VAD heard no speech at all."""


@dataclass(frozen=True)
class Evidence:
    """What is known about one segment."""

    no_speech_prob: float
    """Whisper's probability that the window held no speech (0-1)."""
    avg_logprob: float
    """Whisper's average log-probability of the segment's tokens (0 is sure, -1 doubtful)."""
    level_dbfs: float
    """RMS level of the audio under the segment."""
    vad_prob: float | None = None
    """Mean streaming-VAD speech probability over the segment; None when unknown (a whole file)."""


def is_no_speech(e: Evidence, no_speech_high: float = NO_SPEECH_HIGH) -> bool:
    """Whether the segment most likely held no speech, so its text must not become an utterance.

    Args:
        e: The segment's evidence.
        no_speech_high: A no-speech probability above this is Whisper's "maybe nothing" (0-1).
    """
    if e.level_dbfs < SILENT_DBFS:
        return True
    whisper_doubts = e.no_speech_prob > no_speech_high and e.avg_logprob < LOGPROB_LOW
    if e.vad_prob is None:
        return whisper_doubts
    if whisper_doubts:
        return not (e.vad_prob >= VAD_SURE and e.level_dbfs >= AUDIBLE_DBFS)
    return e.no_speech_prob > no_speech_high and e.vad_prob < VAD_NONE


class VadTrack:
    """The streaming VAD's probability per block, remembered for the last ``keep_s`` of stream time."""

    def __init__(self, keep_s: float) -> None:
        """Remember about ``keep_s`` seconds."""
        self.keep_s = keep_s
        self._probs: deque[tuple[float, float, float]] = deque()

    def add(self, start_s: float, end_s: float, prob: float) -> None:
        """Record one block's probability."""
        self._probs.append((start_s, end_s, prob))
        while self._probs and self._probs[0][1] < end_s - self.keep_s:
            self._probs.popleft()

    def clear(self) -> None:
        """Forget everything (the stream restarted)."""
        self._probs.clear()

    def mean(self, start_s: float, end_s: float) -> float | None:
        """Mean probability of the blocks overlapping [start_s, end_s); None when none are known."""
        inside = [p for a, b, p in self._probs if b > start_s and a < end_s]
        return sum(inside) / len(inside) if inside else None
