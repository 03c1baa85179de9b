"""The seams between the pure core and the engines: one small Protocol per engine."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import numpy as np
import numpy.typing as npt

from facilitator.audio import Audio
from facilitator.echodelay import Delay
from facilitator.events import Attribution, Heard, Transcript


class Clock(Protocol):
    """Monotonic time and sleeping; a fake one makes long waits instant in tests."""

    def monotonic_s(self) -> float:
        """Seconds on a monotonic clock."""
        ...

    def sleep_s(self, seconds: float) -> None:
        """Sleep for ``seconds``."""
        ...

    def sleep_until_s(self, deadline_s: float) -> None:
        """Sleep until ``monotonic_s()`` reaches ``deadline_s`` (absolute deadline, no drift)."""
        ...


class AudioSource(Protocol):
    """The microphone (or a file, or a simulated room): blocks of float32 mono at SAMPLE_RATE."""

    def blocks(self) -> Iterator[Audio]:
        """Yield consecutive blocks of BLOCK_SAMPLES samples; raise DeviceError if the device is lost."""
        ...


class SpeechDetector(Protocol):
    """Streaming voice activity: state is carried from one block to the next."""

    def speech_prob(self, block: Audio) -> float:
        """Probability (0-1) that this BLOCK_SAMPLES block holds speech."""
        ...

    def reset(self) -> None:
        """Forget the recurrent state (a new stream)."""
        ...


class Transcriber(Protocol):
    """Speech to text."""

    def transcribe(self, audio: Audio) -> Transcript:
        """Transcribe float32 mono audio at SAMPLE_RATE."""
        ...


class TurnDetector(Protocol):
    """Judges from audio whether a turn sounds finished (an end-of-turn model)."""

    def complete_prob(self, audio: Audio) -> float:
        """Probability (0-1) that the turn ending with this audio is complete."""
        ...


class Embedder(Protocol):
    """A voice encoder: audio to a unit-length speaker embedding."""

    def embed(self, audio: Audio) -> npt.NDArray[np.float32]:
        """Embed float32 mono audio at SAMPLE_RATE; returns a unit-length vector."""
        ...


class SpeakerIdentifier(Protocol):
    """Who of the enrolled people spoke some audio."""

    def attribute(self, audio: Audio, start_s: float) -> tuple[Attribution, tuple[Attribution, ...]]:
        """The whole utterance's attribution and that of its ~1.5 s windows (stream times)."""
        ...


class Synthesizer(Protocol):
    """Text to speech, one chunk per sentence so playback can start early."""

    sample_rate: int

    def synthesize(self, text: str) -> Iterator[Audio]:
        """Yield float32 mono chunks at ``sample_rate``, one per sentence."""
        ...


class AudioSink(Protocol):
    """The speaker (or a file)."""

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        """Play chunks in order, blocking until done; Ctrl-C stops at once."""
        ...


class EchoCanceller(Protocol):
    """Takes the facilitator's own voice off the microphone, with what was played as the reference."""

    def played(self, samples: Audio) -> None:
        """Queue samples just sent to the speaker (float32 mono at SAMPLE_RATE), in the order played."""
        ...

    def process(self, mic: Audio) -> Audio:
        """The microphone block with the played sound's echo removed (same length)."""
        ...

    def realign(self) -> Delay | None:
        """Measure the echo's delay (None: nothing played, or unclear); re-align if it slipped."""
        ...

    def reset(self) -> None:
        """Forget the queue and the canceller's state (a new stream)."""
        ...


class Listener(Protocol):
    """Utterances heard in the room, transcribed and attributed."""

    def hear(self, timeout_s: float) -> Heard | None:
        """The next utterance, or None when ``timeout_s`` of stream time passed with no speech."""
        ...

    def ignore_pending(self, tail_s: float) -> None:
        """Half-duplex: drop audio captured so far plus ``tail_s`` more (the facilitator spoke)."""
        ...


class Speaker(Protocol):
    """The facilitator's voice in a session: speak and show one prompt."""

    def say(self, prompt_id: str, text: str) -> None:
        """Show and speak ``text`` (``prompt_id`` names the script line, e.g. "share.invite"), blocking."""
        ...


class Breather(Protocol):
    """Leads a breathing exercise (step 1, and every break)."""

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Lead the exercise; True when it ran to the end, False when stopped early."""
        ...


class VoiceBook(Protocol):
    """The two people's voiceprints, for the session's "names and voices" step."""

    def has(self, name: str) -> bool:
        """Whether a stored voiceprint exists for ``name`` (a returning person)."""
        ...

    def enroll(self, name: str, audio: Audio) -> None:
        """Build (or quietly refresh) ``name``'s voiceprint from speech; InputError says why if unusable."""
        ...

    def use(self, names: tuple[str, str]) -> None:
        """From now on attribute utterances to these two people."""
        ...
