"""Cutting a stream of blocks into utterances from per-block speech probabilities (pure, no engines).

Four states, as in pipecat's VAD analyser: QUIET, STARTING (speech seen, not yet long enough to
count), SPEAKING, STOPPING (silence seen, not yet long enough to end). A block counts as speech at
or above ``vad_threshold`` and as silence below ``vad_threshold - vad_hysteresis``; in between it
keeps the current state, so a word's soft end does not split an utterance (Silero's own rule).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio
from facilitator.config import ListeningConfig
from facilitator.events import Utterance


class VadState(Enum):
    """Where the segmenter is in an utterance."""

    QUIET = "quiet"
    STARTING = "starting"
    SPEAKING = "speaking"
    STOPPING = "stopping"


class Cue(Enum):
    """What a block says about speech, given the thresholds."""

    SPEECH = "speech"
    UNSURE = "unsure"
    SILENCE = "silence"


class Action(Enum):
    """What the segmenter does with its buffer after a transition."""

    NONE = "none"
    DROP = "drop"
    """A false start, or silence: keep only the pre-roll."""
    EMIT = "emit"
    """The utterance ended: pass it on."""
    CUT = "cut"
    """The utterance reached max_utterance_s: pass this piece on and keep listening."""


@dataclass(frozen=True)
class Lengths:
    """The config's durations as sample counts."""

    start: int
    stop: int
    pre_roll: int
    post_roll: int
    min_utterance: int
    max_utterance: int

    @classmethod
    def from_config(cls, config: ListeningConfig, sample_rate: int) -> Lengths:
        """Convert seconds to samples; the post-roll never exceeds the stop silence."""

        def n(seconds: float) -> int:
            return int(round(seconds * sample_rate))

        return cls(
            start=n(config.start_s),
            stop=n(config.stop_s),
            pre_roll=n(config.pre_roll_s),
            post_roll=n(min(config.post_roll_s, config.stop_s)),
            min_utterance=n(config.min_utterance_s),
            max_utterance=n(config.max_utterance_s),
        )


def transition(
    state: VadState, cue: Cue, speech_len: int, silence_len: int, lengths: Lengths
) -> tuple[VadState, Action]:
    """The next state and the action, from the current state and this block's cue.

    Args:
        state: The current state.
        cue: This block's cue.
        speech_len: Samples since the utterance started, this block included (0 when QUIET).
        silence_len: Samples of trailing silence, this block included (0 unless STOPPING or
            entering it).
        lengths: The config in samples.
    """
    if state is VadState.QUIET:
        if cue is Cue.SPEECH:
            return (VadState.SPEAKING if speech_len >= lengths.start else VadState.STARTING), Action.NONE
        return VadState.QUIET, Action.DROP
    if state is VadState.STARTING:
        if cue is Cue.SILENCE:
            return VadState.QUIET, Action.DROP
        return (VadState.SPEAKING if speech_len >= lengths.start else VadState.STARTING), Action.NONE
    if speech_len >= lengths.max_utterance:
        return VadState.SPEAKING, Action.CUT
    if state is VadState.SPEAKING:
        if cue is Cue.SILENCE:
            return (VadState.QUIET, Action.EMIT) if silence_len >= lengths.stop else (
                VadState.STOPPING, Action.NONE
            )
        return VadState.SPEAKING, Action.NONE
    # STOPPING
    if cue is Cue.SPEECH:
        return VadState.SPEAKING, Action.NONE
    if silence_len >= lengths.stop:
        return VadState.QUIET, Action.EMIT
    return VadState.STOPPING, Action.NONE


class Segmenter:
    """Feeds on (probability, block) pairs; returns an Utterance when one ends.

    Times are stream times: seconds of audio pushed since the segmenter was made (or ``reset``
    at a given time). Each Utterance spans the audio it carries: pre-roll + speech + post-roll.
    """

    def __init__(self, config: ListeningConfig, sample_rate: int = SAMPLE_RATE) -> None:
        """Start QUIET at stream time zero."""
        self.config = config
        self.sample_rate = sample_rate
        self._lengths = Lengths.from_config(config, sample_rate)
        self._speech_min = config.vad_threshold
        self._silence_below = max(0.0, config.vad_threshold - config.vad_hysteresis)
        self._pos = 0
        self._emitted_end = 0
        self._state = VadState.QUIET
        self._blocks: list[Audio] = []
        self._buf_start = 0
        self._speech_start = 0
        self._silence_start: int | None = None
        self.reset(0.0)

    @property
    def state(self) -> VadState:
        """The current state."""
        return self._state

    @property
    def now_s(self) -> float:
        """Stream time: seconds of audio pushed (plus the reset offset)."""
        return self._pos / self.sample_rate

    @property
    def in_speech(self) -> bool:
        """Whether an utterance may be under way (a person must not be cut off)."""
        return self._state is not VadState.QUIET

    @property
    def silence_s(self) -> float:
        """Trailing silence of the utterance under way (s; 0 while speaking or quiet)."""
        if self._state is not VadState.STOPPING or self._silence_start is None:
            return 0.0
        return (self._pos - self._silence_start) / self.sample_rate

    @property
    def speech_s(self) -> float:
        """Length of the utterance's speech before its trailing silence (s; 0 when quiet)."""
        if self._state not in (VadState.SPEAKING, VadState.STOPPING):
            return 0.0
        end = self._silence_start if self._silence_start is not None else self._pos
        return (end - self._speech_start) / self.sample_rate

    def end_now(self) -> Utterance | None:
        """End the utterance at its trailing silence now (a listener decided), as the stop silence would.

        None, and nothing changes, unless the utterance is STOPPING with its post-roll heard; None
        (then QUIET) when it is too short to pass on, like a click.
        """
        if self._state is not VadState.STOPPING or self._silence_start is None:
            return None
        speech_end = self._silence_start
        if self._pos < speech_end + self._lengths.post_roll:
            return None
        self._silence_start = None
        self._state = VadState.QUIET
        utterance = self._take(speech_end + self._lengths.post_roll)
        self._keep_pre_roll()
        if speech_end - self._speech_start < self._lengths.min_utterance:
            return None
        return utterance

    def reset(self, at_s: float | None = None) -> None:
        """Forget any utterance in progress; stream time continues (or jumps to ``at_s``)."""
        if at_s is not None:
            self._pos = int(round(at_s * self.sample_rate))
            self._emitted_end = min(self._emitted_end, self._pos)
        self._state = VadState.QUIET
        self._blocks = []
        self._buf_start = self._pos
        self._speech_start = self._pos
        self._silence_start = None

    def cue(self, prob: float) -> Cue:
        """Classify a block's speech probability with the thresholds."""
        if prob >= self._speech_min:
            return Cue.SPEECH
        if prob < self._silence_below:
            return Cue.SILENCE
        return Cue.UNSURE

    def push(self, prob: float, block: Audio) -> Utterance | None:
        """Take the next block and its speech probability; an Utterance when one ends or is cut."""
        block_start = self._pos
        self._pos += int(block.size)
        self._blocks.append(block)
        cue = self.cue(prob)
        if self._state is VadState.QUIET:
            self._speech_start = block_start
        if cue is Cue.SILENCE and self._state in (VadState.SPEAKING, VadState.STOPPING):
            if self._silence_start is None:
                self._silence_start = block_start
        elif cue is Cue.SPEECH:
            self._silence_start = None
        speech_len = self._pos - self._speech_start if cue is Cue.SPEECH or self.in_speech else 0
        silence_len = self._pos - self._silence_start if self._silence_start is not None else 0
        self._state, action = transition(self._state, cue, speech_len, silence_len, self._lengths)
        if action is Action.DROP:
            self._silence_start = None
            self._keep_pre_roll()
            return None
        if action is Action.EMIT:
            assert self._silence_start is not None  # EMIT only follows trailing silence
            speech_end = self._silence_start
            self._silence_start = None
            utterance = self._take(min(self._pos, speech_end + self._lengths.post_roll))
            self._keep_pre_roll()
            if speech_end - self._speech_start < self._lengths.min_utterance:
                return None  # a click or a breath, not words
            return utterance
        if action is Action.CUT:
            utterance = self._take(self._pos)
            self._blocks, self._buf_start = [], self._pos
            self._speech_start = self._pos
            self._silence_start = None
            return utterance
        return None

    def provisional(self) -> Utterance | None:
        """The utterance that will be passed on if the trailing silence lasts, once it is whole.

        Available while STOPPING once the post-roll has been heard, so a listener can transcribe
        during the rest of the stop silence; the Utterance then emitted has the same start and
        end. None in any other state, or when it would be too short to be passed on.
        """
        span = self._provisional_samples()
        if span is None:
            return None
        start, end = span
        audio = np.concatenate(self._blocks) if self._blocks else np.zeros(0, dtype=np.float32)
        piece = audio[start - self._buf_start : end - self._buf_start]
        return Utterance(start / self.sample_rate, end / self.sample_rate, piece.astype(np.float32))

    def provisional_span(self) -> tuple[float, float] | None:
        """The (start_s, end_s) of ``provisional()``, without copying its audio; None when it has none."""
        span = self._provisional_samples()
        return None if span is None else (span[0] / self.sample_rate, span[1] / self.sample_rate)

    def _provisional_samples(self) -> tuple[int, int] | None:
        if self._state is not VadState.STOPPING or self._silence_start is None:
            return None
        end = self._silence_start + self._lengths.post_roll
        if self._pos < end or self._silence_start - self._speech_start < self._lengths.min_utterance:
            return None
        return max(self._buf_start, self._speech_start - self._lengths.pre_roll, self._emitted_end), end

    def flush(self) -> Utterance | None:
        """End of stream: the utterance in progress, if it is long enough; then QUIET."""
        if self._state not in (VadState.SPEAKING, VadState.STOPPING):
            self.reset()
            return None
        speech_end = self._silence_start if self._silence_start is not None else self._pos
        utterance = self._take(min(self._pos, speech_end + self._lengths.post_roll))
        long_enough = speech_end - self._speech_start >= self._lengths.min_utterance
        self.reset()
        return utterance if long_enough else None

    def _take(self, end: int) -> Utterance:
        """The buffered audio from pre-roll before the speech start to ``end``, as an Utterance.

        The pre-roll never reaches back into the previous utterance, so no audio is passed on twice.
        """
        start = max(self._buf_start, self._speech_start - self._lengths.pre_roll, self._emitted_end)
        self._emitted_end = end
        audio = np.concatenate(self._blocks) if self._blocks else np.zeros(0, dtype=np.float32)
        piece = audio[start - self._buf_start : end - self._buf_start]
        return Utterance(start / self.sample_rate, end / self.sample_rate, piece.astype(np.float32))

    def _keep_pre_roll(self) -> None:
        """Drop buffered blocks that lie wholly before the pre-roll window."""
        keep_from = self._pos - self._lengths.pre_roll
        while self._blocks and self._buf_start + self._blocks[0].size <= keep_from:
            self._buf_start += self._blocks[0].size
            self._blocks.pop(0)
