"""Values passed between the parts: frozen dataclasses whose times are seconds (``_s``)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from facilitator.audio import Audio


def _empty_audio() -> Audio:
    return np.zeros(0, dtype=np.float32)


@dataclass(frozen=True)
class Utterance:
    """A stretch of speech cut from the microphone stream by the segmenter."""

    start_s: float
    """Start, in seconds of stream time (audio seconds since listening began)."""
    end_s: float
    """End, in seconds of stream time."""
    audio: Audio = field(default_factory=_empty_audio, compare=False, repr=False)
    """The samples, float32 mono at SAMPLE_RATE."""

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s


@dataclass(frozen=True)
class Segment:
    """One segment of a transcript."""

    start_s: float
    end_s: float
    text: str


@dataclass(frozen=True)
class Transcript:
    """What the recogniser made of some audio."""

    text: str
    segments: tuple[Segment, ...] = ()
    no_speech_prob: float = 0.0
    """The highest no-speech probability over the segments (0-1)."""


@dataclass(frozen=True)
class Attribution:
    """Who spoke a stretch of audio, or None when unsure."""

    start_s: float
    end_s: float
    speaker: str | None
    """The enrolled name, or None when unsure (too short, or margin under threshold)."""
    margin: float
    """Cosine score of the best voice minus that of the other (0 when not scored)."""
    nearer: str | None = None
    """The closer of the two voices even when the margin is under the threshold (None: not scored)."""


@dataclass(frozen=True)
class Heard:
    """A transcribed and attributed utterance: what the session reacts to."""

    start_s: float
    end_s: float
    text: str
    speaker: str | None
    """The enrolled name of whoever spoke most of it, or None when unsure."""
    margin: float = 0.0
    windows: tuple[Attribution, ...] = ()
    """Attribution of ~1.5 s windows inside the utterance, to notice a second voice."""
    audio: Audio = field(default_factory=_empty_audio, compare=False, repr=False)
    """The samples (float32 mono at SAMPLE_RATE), for enrolment; empty in typed mode."""

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s
