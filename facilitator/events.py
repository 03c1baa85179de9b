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
    no_speech_prob: float = 0.0
    """Whisper's probability that the window held no speech (0-1)."""
    avg_logprob: float = 0.0
    """Whisper's average token log-probability (0 is sure)."""
    level_dbfs: float = 0.0
    """RMS level of the audio under the segment."""
    spoken: bool = True
    """Whether the transcriber, knowing only the audio, judged it speech (``Transcript.text``)."""


@dataclass(frozen=True)
class Transcript:
    """What the recogniser made of some audio."""

    text: str
    """The words of the segments judged spoken."""
    segments: tuple[Segment, ...] = ()
    """Every segment that is not phantom text, spoken or not, so a listener that knows more (the
    VAD) can decide again."""
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
    decided_s: float = 0.0
    """Stream time when the listener decided the utterance had ended (s; 0 when not known)."""
    complete_prob: float | None = None
    """The end-of-turn model's probability that the turn sounded finished; None when not asked."""
    turn_ended: bool = False
    """The listener judged the turn itself over (the model was confident, or a long silence
    followed an unfinished-sounding turn): the session need not wait for more."""

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.end_s - self.start_s
