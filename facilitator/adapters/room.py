"""A simulated room behind the AudioSource port: quiet noise, and the demo conversation's lines on cue.

The demo (issue 6) runs a whole session with no microphone. The room yields 512-sample blocks of
quiet synthetic room noise and mixes in each recorded line of the built-in conversation when its
cue comes: a given time after one of the facilitator's prompts finished, after another line ended
(a pause inside a turn), or partway into another line (a continuer or an interruption, overlapping).
It runs in simulated stream time: blocks come as fast as they are consumed, so a ten-minute
conversation is heard in well under a minute. Only numpy and the package's wav reader are used.
"""

from __future__ import annotations

import time
import tomllib
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio, load_audio
from facilitator.errors import ScriptError

DEMO_FOLDER = Path(__file__).resolve().parents[1] / "data" / "demo"
"""The built-in conversation: conversation.toml and one 16 kHz wav per line."""

_VOICE_KEYS = {"pitch", "length_scale", "noise_scale", "noise_w_scale", "gain_db"}
_LINE_KEYS = {"id", "file", "who", "text", "after_prompt", "after_line", "during_line", "gap_s", "at_s",
              "ends_turn"}


@dataclass(frozen=True)
class ActorVoice:
    """How scripts/make_demo_audio.py makes one person's voice from the Piper voice."""

    pitch: float
    """Playback-speed factor of the resample trick (above 1 raises pitch and formants)."""
    length_scale: float
    """Piper phoneme length (above 1 is slower), chosen to offset the speed change of ``pitch``."""
    noise_scale: float
    """Piper generator noise (voice texture)."""
    noise_w_scale: float
    """Piper phoneme-width noise (rhythm variation)."""
    gain_db: float
    """Speech level of the recorded lines (dBFS RMS): how close the person sits to the laptop."""


@dataclass(frozen=True)
class Line:
    """One line of the conversation and its cue (exactly one of after_prompt/after_line/during_line)."""

    id: str
    who: str
    text: str
    file: str
    """The wav's name inside the conversation folder."""
    after_prompt: tuple[str, ...] = ()
    """Play ``gap_s`` after the facilitator's prompt with one of these ids finished."""
    after_line: str | None = None
    """Play ``gap_s`` after this line ended."""
    during_line: str | None = None
    """Play ``at_s`` into this line (overlapping it)."""
    gap_s: float = 0.7
    """Silence before the line (s)."""
    at_s: float = 0.0
    """Offset into ``during_line`` (s)."""
    ends_turn: str | None = None
    """The facilitator speaks next: "handoff" (a clear end) or "pause" (ended by silence)."""


@dataclass(frozen=True)
class Conversation:
    """The built-in conversation: two people's voices and their lines in order."""

    voices: dict[str, ActorVoice]
    lines: tuple[Line, ...]
    folder: Path

    def line(self, line_id: str) -> Line:
        """The line with this id (KeyError when unknown)."""
        for line in self.lines:
            if line.id == line_id:
                return line
        raise KeyError(line_id)


@dataclass(frozen=True)
class PlayedLine:
    """A line as it was placed in the room's stream."""

    line: Line
    start_s: float
    """Start in stream time (s)."""
    end_s: float
    """End in stream time (s)."""


def load_conversation(folder: str | Path | None = None) -> Conversation:
    """Read and check ``conversation.toml`` in ``folder`` (default: the built-in demo).

    Raises:
        ScriptError: the file is unreadable, or a line has an unknown key, a missing field, an
            unknown person, or a cue that names no earlier line.
    """
    base = Path(folder) if folder is not None else DEMO_FOLDER
    path = base / "conversation.toml"
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ScriptError(
            f"Cannot read the demo conversation {path} ({exc}); reinstall the package."
        ) from exc
    voices = {name: _voice(path, name, spec) for name, spec in dict(raw.get("voices", {})).items()}
    lines: list[Line] = []
    for number, spec in enumerate(raw.get("line", []), start=1):
        line = _line(path, number, spec)
        if line.who not in voices:
            raise ScriptError(
                f"In {path}, line {line.id} is said by unknown {line.who!r}; add [voices.{line.who}]."
            )
        earlier = {known.id for known in lines}
        for ref in (line.after_line, line.during_line):
            if ref is not None and ref not in earlier:
                raise ScriptError(
                    f"In {path}, line {line.id} is cued on {ref!r}, which is not an earlier line."
                )
        lines.append(line)
    if not lines:
        raise ScriptError(f"In {path}, there are no [[line]] tables; add the conversation's lines.")
    return Conversation(voices=voices, lines=tuple(lines), folder=base)


def _voice(path: Path, name: str, spec: Any) -> ActorVoice:
    if not isinstance(spec, dict) or set(spec) != _VOICE_KEYS:
        raise ScriptError(f"In {path}, [voices.{name}] needs exactly the keys {sorted(_VOICE_KEYS)}.")
    return ActorVoice(**{key: float(value) for key, value in spec.items()})


def _line(path: Path, number: int, spec: Any) -> Line:
    where = f"In {path}, line {number}"
    if not isinstance(spec, dict):
        raise ScriptError(f"{where} is not a table; write it as [[line]].")
    unknown = set(spec) - _LINE_KEYS
    if unknown:
        raise ScriptError(
            f"{where} has an unknown key {sorted(unknown)[0]!r}; known keys: {', '.join(sorted(_LINE_KEYS))}."
        )
    for key in ("id", "file", "who", "text"):
        if not isinstance(spec.get(key), str) or not spec[key].strip():
            raise ScriptError(f"{where} needs a non-empty {key!r}.")
    cues = [key for key in ("after_prompt", "after_line", "during_line") if key in spec]
    if len(cues) != 1:
        raise ScriptError(
            f"{where} ({spec['id']}) needs exactly one of after_prompt, after_line, during_line."
        )
    if spec.get("ends_turn") not in (None, "handoff", "pause"):
        raise ScriptError(
            f"{where} ({spec['id']}) has ends_turn {spec['ends_turn']!r}; use handoff or pause."
        )
    values = dict(spec)
    if "after_prompt" in values:
        ids = values["after_prompt"]
        ids = [ids] if isinstance(ids, str) else ids
        if not isinstance(ids, list) or not ids or not all(isinstance(i, str) and i for i in ids):
            raise ScriptError(
                f"{where} ({spec['id']}) needs after_prompt to be a prompt id or a list of them."
            )
        values["after_prompt"] = tuple(ids)
    try:
        return Line(**values)
    except TypeError as exc:
        raise ScriptError(f"{where} ({spec['id']}) has a value of the wrong type ({exc}).") from exc


def room_noise(samples: int, rng: np.random.Generator, level_dbfs: float = -62.0) -> Audio:
    """Quiet room tone: white noise through a one-pole low-pass (a fan or a fridge, not hiss) and a hum."""
    from scipy.signal import lfilter

    white = rng.standard_normal(samples)
    rumble = lfilter([0.1], [1.0, -0.9], white)
    rumble /= max(float(np.sqrt(np.mean(rumble**2))), 1e-12)
    t = np.arange(samples) / SAMPLE_RATE
    hum = 0.15 * np.sin(2 * np.pi * 50.0 * t)
    return ((rumble + hum) * 10 ** (level_dbfs / 20)).astype(np.float32)


class SimulatedRoom:
    """Implements ``ports.AudioSource``: the demo's microphone, in simulated stream time.

    Stream time is the count of samples the room has produced (yielded or skipped while the
    facilitator spoke), so it matches the listener's. Lines cued on a prompt wait in order: the
    head of the queue is placed when its prompt finishes (``prompt_done``); lines cued on another
    line are placed with it. When the last line has ended the room gives ``tail_s`` more of
    quiet and then ends the stream, so a session that waits for an answer that never comes ends;
    so does a session that went another way and has not said the prompt the next line waits for
    within ``stall_s`` of its last prompt.
    """

    def __init__(
        self,
        conversation: Conversation,
        *,
        audio: dict[str, Audio] | None = None,
        noise_dbfs: float = -62.0,
        seed: int = 7,
        tail_s: float = 120.0,
        stall_s: float = 300.0,
        wall: Callable[[], float] = time.perf_counter,
    ) -> None:
        """Load each line's wav (or take ``audio``: line id -> samples, e.g. tones in tests).

        ``wall`` reads the wall clock (seconds), for the live-run model behind ``backlog_s``.
        """
        self.conversation = conversation
        self._audio = audio if audio is not None else {
            line.id: load_audio(conversation.folder / line.file) for line in conversation.lines
        }
        missing = [line.id for line in conversation.lines if line.id not in self._audio]
        if missing:
            raise ScriptError(
                f"The demo conversation has no audio for {missing[0]}; run scripts/make_demo_audio.py."
            )
        rng = np.random.default_rng(seed)
        self._noise = room_noise(SAMPLE_RATE * 8, rng, noise_dbfs)
        self._waiting: deque[Line] = deque(line for line in conversation.lines if line.after_prompt)
        self._followers: dict[str, list[Line]] = {}
        for line in conversation.lines:
            ref = line.after_line or line.during_line
            if ref is not None:
                self._followers.setdefault(ref, []).append(line)
        self.played: list[PlayedLine] = []
        """Every line placed so far, in the order placed (stream times)."""
        self.facilitator: list[tuple[str, float, float]] = []
        """(prompt id, start_s, end_s) of each stretch the facilitator spoke, in stream time."""
        self.prompts: list[str] = []
        """Ids of the prompts finished, in order."""
        self._wall = wall
        self.last_block_wall_s = wall()
        """Wall-clock time (``wall()``) when the newest block was handed out."""
        self.backlog_s = 0.0
        """How late a live run would read the newest block: a live microphone gives each block
        only once it is recorded, and a consumer that computes longer than the audio it covers
        falls behind (s; see ``blocks``)."""
        self._live_start_s = 0.0
        self._pos = 0
        self._pending = 0
        self._tail = int(tail_s * SAMPLE_RATE)
        self._stall = int(stall_s * SAMPLE_RATE)
        self._last_prompt = 0

    @property
    def now_s(self) -> float:
        """Stream time: seconds of audio the room has produced."""
        return self._pos / SAMPLE_RATE

    @property
    def waiting(self) -> tuple[Line, ...]:
        """Prompt-cued lines not yet placed (the head is next)."""
        return tuple(self._waiting)

    @property
    def finished(self) -> bool:
        """Every line was placed and has ended."""
        return not self._waiting and all(p.end_s <= self.now_s for p in self.played)

    def blocks(self) -> Iterator[Audio]:
        """Yield BLOCK_SAMPLES blocks of room noise with the lines mixed in, as fast as consumed.

        Meanwhile it keeps the time a live run would have reached: block k is recorded at its
        end e_k; the consumer starts on it at S_k = max(S_(k-1) + c_(k-1), e_k), where c is the
        wall-clock time it spent on the previous block (Whisper, synthesis of likely prompts...).
        ``backlog_s`` = S_k - e_k. The facilitator speaking re-aligns both (``facilitator_spoke``).
        """
        while True:
            if self._ended():
                return
            block = self._render(self._pos, BLOCK_SAMPLES)
            self._pos += BLOCK_SAMPLES
            now = self._wall()
            live_s = self._live_start_s + (now - self.last_block_wall_s)
            self._live_start_s = max(live_s, self.now_s)
            self.backlog_s = self._live_start_s - self.now_s
            self.last_block_wall_s = now
            yield block

    def facilitator_spoke(self, prompt_id: str, duration_s: float) -> None:
        """The facilitator spoke for ``duration_s``: that much stream time passes, captured but unheard.

        The samples count as recorded while the facilitator spoke; ``discard_pending`` hands their
        number to the listener's half-duplex ``ignore_pending``.
        """
        samples = max(0, int(round(duration_s * SAMPLE_RATE)))
        start = self.now_s
        self._pos += samples
        self._pending += samples
        self.facilitator.append((prompt_id, start, self.now_s))
        # The people answer relative to the end of the prompt: live time and stream time meet again.
        self._live_start_s = self.now_s
        self.last_block_wall_s = self._wall()
        self.backlog_s = 0.0

    def discard_pending(self) -> int:
        """Samples captured while the facilitator spoke, dropped now (StreamListener.ignore_pending)."""
        dropped, self._pending = self._pending, 0
        return dropped

    def prompt_done(self, prompt_id: str) -> None:
        """The facilitator's prompt ``prompt_id`` finished now: place the next line cued on it."""
        self.prompts.append(prompt_id)
        self._last_prompt = self._pos
        if self._waiting and prompt_id in self._waiting[0].after_prompt:
            line = self._waiting.popleft()
            self._place(line, self._pos + int(round(line.gap_s * SAMPLE_RATE)))

    def recording(self, start_s: float, end_s: float) -> Audio:
        """What the room's microphone picks up between two stream times (noise and lines mixed)."""
        start = int(round(start_s * SAMPLE_RATE))
        return self._render(start, max(0, int(round(end_s * SAMPLE_RATE)) - start))

    def line_audio(self, line_id: str) -> Audio:
        """The samples of a line (float32 at SAMPLE_RATE)."""
        return self._audio[line_id]

    def speaking_at(self, t_s: float) -> list[str]:
        """Who of the people is speaking at stream time ``t_s`` (their line's audio spans it)."""
        return [p.line.who for p in self.played if p.start_s <= t_s < p.end_s]

    def _place(self, line: Line, start: int) -> None:
        length = int(self._audio[line.id].size)
        self.played.append(PlayedLine(line, start / SAMPLE_RATE, (start + length) / SAMPLE_RATE))
        for follower in self._followers.get(line.id, []):
            if follower.after_line == line.id:
                self._place(follower, start + length + int(round(follower.gap_s * SAMPLE_RATE)))
            else:
                self._place(follower, start + int(round(follower.at_s * SAMPLE_RATE)))

    def _render(self, start: int, n: int) -> Audio:
        offset = start % self._noise.size
        block = np.take(self._noise, np.arange(offset, offset + n), mode="wrap").astype(np.float32)
        for placed in self.played:
            a = int(round(placed.start_s * SAMPLE_RATE))
            samples = self._audio[placed.line.id]
            lo, hi = max(start, a), min(start + n, a + samples.size)
            if lo < hi:
                block[lo - start : hi - start] += samples[lo - a : hi - a]
        return block

    def _ended(self) -> bool:
        last_end = int(max((p.end_s for p in self.played), default=0.0) * SAMPLE_RATE)
        if self._waiting:
            return self._pos >= max(last_end, self._last_prompt) + self._stall
        return self._pos >= last_end + self._tail
