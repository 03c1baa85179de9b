"""Breathing exercises as sound: tones, spoken cues, one timeline, paced playback and the pacer.

Every sound of an exercise is placed at the ABSOLUTE sample position of its cue on one timeline
(``round(cue.start_s * sample_rate)``), and live playback feeds that timeline to one continuous
output stream block by block. The output's own sample clock then keeps every cue on time, however
long a spoken word is (issue 3: "never after the previous cue finished playing"). The producer
also waits on absolute Clock deadlines, ``lead_s`` ahead of the audio, so it neither floods a
non-blocking output nor lets a blocking one run dry.

Only numpy here (and scipy, lazily, to resample): the session imports this module.
"""

from __future__ import annotations

import bisect
import math
import re
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Protocol, TextIO, runtime_checkable

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio, resample
from facilitator.breathing import (
    CLOSE_WORDS,
    PHASE_KINDS,
    CueKind,
    Pattern,
    Plan,
    cycles_for_minutes,
    intro_words,
    pacer_state,
    parse_pattern,
    plan_exercise,
)
from facilitator.config import BreathingConfig
from facilitator.ports import AudioSink, Clock, Listener, Synthesizer

INTRO_GAP_S = 1.5
"""Quiet after the intro before the first inhale (s)."""
LEAD_IN_S = 2.0
"""Quiet before the first inhale when nothing is said (s)."""
CLOSE_TAIL_S = 0.5
"""Quiet kept after the close (s)."""
BLOCK_SAMPLES_OUT = 1024
"""Samples per block handed to the output in live playback (46 ms at 22.05 kHz)."""
STOP_FADE_S = 0.03
"""Fade-out when stopped early, so the sound ends without a click (s)."""

_TONE_HZ = {
    CueKind.INHALE: 523.25,
    CueKind.TOP_UP: 659.26,
    CueKind.HOLD_IN: 392.00,
    CueKind.EXHALE: 261.63,
    CueKind.HOLD_OUT: 196.00,
}
"""A bright tone to breathe in, a higher one to top up, lower ones to hold, breathe out and rest."""


def chime(frequency_hz: float, sample_rate: int, length_s: float = 0.85) -> Audio:
    """A soft bell-like tone of peak 1: 10 ms raised-cosine attack, then an exponential decay.

    The attack is short so the tone's onset is its scheduled sample (the benchmark measures
    this); the decay (time constant 0.22 s) keeps it gentle, and silent before a count
    one second later.
    """
    n = int(round(length_s * sample_rate))
    t = np.arange(n, dtype=np.float64) / sample_rate
    wave = (
        np.sin(2 * np.pi * frequency_hz * t)
        + 0.3 * np.sin(2 * np.pi * 2 * frequency_hz * t)
        + 0.1 * np.sin(2 * np.pi * 3 * frequency_hz * t)
    )
    env = np.exp(-t / 0.22)
    attack = min(n, int(0.010 * sample_rate))
    env[:attack] *= 0.5 - 0.5 * np.cos(np.pi * np.arange(attack) / attack)
    tail = min(n, int(0.05 * sample_rate))
    env[n - tail :] *= np.linspace(1.0, 0.0, tail)
    out = wave * env
    return (out / np.max(np.abs(out))).astype(np.float32)


def phase_tone(kind: CueKind, sample_rate: int) -> Audio:
    """The tone for a phase change (the top-up, a 1 s phase, gets a shorter one)."""
    return chime(_TONE_HZ[kind], sample_rate, 0.6 if kind == CueKind.TOP_UP else 0.85)


def close_tones(sample_rate: int) -> Audio:
    """Three falling tones that end a voiceless exercise."""
    step = int(0.35 * sample_rate)
    notes = [chime(f, sample_rate, 1.2) for f in (523.25, 392.00, 261.63)]
    out = np.zeros(2 * step + notes[-1].size, dtype=np.float32)
    for i, note in enumerate(notes):
        out[i * step : i * step + note.size] += note
    return out / np.max(np.abs(out))


def trim_silence(audio: Audio, sample_rate: int, floor: float = 0.02) -> Audio:
    """Cut leading and trailing quiet (below ``floor`` of the peak), keeping 3 ms before the sound.

    A spoken cue then begins at its scheduled sample instead of after Piper's leading silence
    (40-70 ms for a short word).
    """
    if audio.size == 0:
        return audio
    loud = np.flatnonzero(np.abs(audio) >= floor * float(np.max(np.abs(audio))))
    if loud.size == 0:
        return audio[:0]
    pre = int(0.003 * sample_rate)
    start = max(0, int(loud[0]) - pre)
    end = min(audio.size, int(loud[-1]) + int(0.03 * sample_rate))
    out = audio[start:end].astype(np.float32, copy=True)
    fade = min(out.size, int(0.01 * sample_rate))
    out[out.size - fade :] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return out


class CueVoice:
    """Spoken cue words from a Synthesizer: each distinct text synthesized once, trimmed, kept."""

    def __init__(self, synth: Synthesizer, sample_rate: int | None = None) -> None:
        self.synth = synth
        self.sample_rate = sample_rate or synth.sample_rate
        self._clips: dict[str, Audio] = {}

    def clip(self, text: str) -> Audio:
        """``text`` spoken, at ``sample_rate``, without leading or trailing silence, peak 1."""
        if text not in self._clips:
            chunks = list(self.synth.synthesize(text))
            audio = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.float32)
            audio = resample(audio.astype(np.float32), self.synth.sample_rate, self.sample_rate)
            audio = trim_silence(audio, self.sample_rate)
            peak = float(np.max(np.abs(audio))) if audio.size else 0.0
            self._clips[text] = audio / peak if peak > 0 else audio
        return self._clips[text]

    def seconds(self, text: str) -> float:
        """How long ``text`` takes to say (s)."""
        return self.clip(text).size / self.sample_rate


class Timeline:
    """Sounds at absolute sample positions, mixed on demand one block at a time.

    Mixing lazily keeps a 30-minute exercise small in memory; any block can be produced from its
    position alone, so live playback and rendering give the same samples.
    """

    def __init__(self, sample_rate: int, length: int, placements: list[tuple[int, Audio]]) -> None:
        self.sample_rate = sample_rate
        ordered = sorted(placements, key=lambda p: p[0])
        self._starts = [p[0] for p in ordered]
        self._clips = [p[1] for p in ordered]
        self._longest = max((c.size for c in self._clips), default=0)
        ends = [s + c.size for s, c in ordered]
        self.length = max([length, *ends])
        """Total samples."""

    @property
    def duration_s(self) -> float:
        """Length in seconds."""
        return self.length / self.sample_rate

    @property
    def onsets(self) -> list[int]:
        """Sample positions where a sound starts (sorted, without repeats)."""
        return sorted(set(self._starts))

    def block(self, start: int, n: int) -> Audio:
        """The mix of samples ``start`` to ``start + n`` (zeros beyond the end), clipped to [-1, 1]."""
        out = np.zeros(n, dtype=np.float32)
        lo = bisect.bisect_left(self._starts, start - self._longest + 1)
        hi = bisect.bisect_left(self._starts, start + n)
        for i in range(lo, hi):
            s, clip = self._starts[i], self._clips[i]
            a, b = max(s, start), min(s + clip.size, start + n)
            if b > a:
                out[a - start : b - start] += clip[a - s : b - s]
        return np.clip(out, -1.0, 1.0, out=out)

    def render(self) -> Audio:
        """The whole timeline as one buffer."""
        return self.block(0, self.length)


@dataclass(frozen=True)
class Exercise:
    """A plan and the timeline that sounds it."""

    plan: Plan
    timeline: Timeline

    def render(self) -> Audio:
        """The whole exercise as float32 mono at ``timeline.sample_rate``."""
        return self.timeline.render()


def prepare_exercise(
    pattern: Pattern,
    cycles: int,
    voice: CueVoice | None,
    settings: BreathingConfig,
    sample_rate: int | None = None,
) -> Exercise:
    """Plan an exercise and lay its sounds on a timeline.

    The intro gets as much time as it takes to say plus INTRO_GAP_S (rounded up to half a second),
    so the plan's times are exactly where the sounds are.

    Args:
        pattern: The breathing cycle.
        cycles: Number of cycles (1 to the 30-minute limit).
        voice: Spoken cues; None, or ``settings.voice`` False, for no speech (counting still
            needs ``voice``).
        settings: The [breathing] config (voice, tones, count, levels).
        sample_rate: Output rate (default: the voice's, else SAMPLE_RATE).

    Raises:
        InputError: cycles out of range.
    """
    rate = sample_rate or (voice.sample_rate if voice else SAMPLE_RATE)
    if voice is not None and voice.sample_rate != rate:
        voice = CueVoice(voice.synth, rate)
    speak = voice if settings.voice else None
    intro = intro_words(pattern, tones=settings.tones) if speak else ""
    close = CLOSE_WORDS if speak else ""
    if speak is not None:
        intro_s = math.ceil((speak.seconds(intro) + INTRO_GAP_S) * 2.0) / 2.0
        close_s = speak.seconds(close) + CLOSE_TAIL_S
    else:
        intro_s = LEAD_IN_S
        close_s = close_tones(rate).size / rate + CLOSE_TAIL_S if settings.tones else CLOSE_TAIL_S
    plan = plan_exercise(
        pattern,
        cycles,
        intro_s=intro_s,
        close_s=close_s,
        count=settings.count and voice is not None,
        intro=intro,
        close=close,
    )
    placements: list[tuple[int, Audio]] = []
    tones = {k: phase_tone(k, rate) * settings.tone_gain for k in PHASE_KINDS} if settings.tones else {}
    for cue in plan.cues:
        at = int(round(cue.start_s * rate))
        if cue.kind in tones:
            placements.append((at, tones[cue.kind]))
        if cue.kind == CueKind.COUNT and voice is not None:
            placements.append((at, voice.clip(cue.words) * settings.count_gain))
        elif speak is not None and cue.words:
            placements.append((at, speak.clip(cue.words) * settings.voice_gain))
        elif cue.kind == CueKind.CLOSE and settings.tones:
            placements.append((at, close_tones(rate) * settings.tone_gain))
    return Exercise(plan, Timeline(rate, int(round(plan.end_s * rate)), placements))


def render_exercise(
    pattern: Pattern | str,
    synth: Synthesizer | None,
    *,
    minutes: float | None = None,
    cycles: int | None = None,
    settings: BreathingConfig | None = None,
    sample_rate: int | None = None,
) -> Audio:
    """Render a whole exercise into one buffer (the demo's shortened breathing, ``--out``).

    Args:
        pattern: A Pattern, or a name / IN-HOLD-OUT-HOLD text.
        synth: The voice for cues, intro and close (None: tones only).
        minutes: Breathing time (default: ``settings.minutes``); ignored when ``cycles`` is given.
        cycles: Number of cycles.
        settings: The [breathing] config (default: defaults).
        sample_rate: Output rate (default: the synthesizer's, else SAMPLE_RATE).

    Returns:
        Float32 mono at ``sample_rate``; cue k starts at sample ``round(cue.start_s * rate)``.
    """
    settings = settings or BreathingConfig()
    pat = parse_pattern(pattern) if isinstance(pattern, str) else pattern
    n = cycles if cycles is not None else cycles_for_minutes(pat, minutes or settings.minutes)
    voice = CueVoice(synth, sample_rate) if synth is not None else None
    return prepare_exercise(pat, n, voice, settings, sample_rate).render()


def detect_onsets(
    audio: Audio, sample_rate: int, *, floor: float = 0.005, refractory_s: float = 0.15
) -> list[float]:
    """Times (s) where a sound starts in ``audio``, found from the samples alone (no schedule).

    A 1 ms peak envelope; a frame is an onset when it rises above twice the loudest of the
    previous 3-40 ms plus ``floor`` (so a tone over a fading word still counts); the onset time is
    the first sample in that frame above the same level. Used by the benchmark and the tests, and
    usable on a recording of live playback.
    """
    hop = max(1, sample_rate // 1000)
    frames = audio.size // hop
    if frames == 0:
        return []
    env = np.abs(audio[: frames * hop]).reshape(frames, hop).max(axis=1)
    onsets: list[float] = []
    last = -math.inf
    for i in range(frames):
        lo, hi = max(0, i - 40), max(0, i - 3)
        background = float(env[lo:hi].max()) if hi > lo else 0.0
        level = 2.0 * background + floor
        if env[i] <= level or (i - last) * hop < refractory_s * sample_rate:
            continue
        frame = np.abs(audio[i * hop : (i + 1) * hop])
        first = int(np.argmax(frame > level))
        onsets.append((i * hop + first) / sample_rate)
        last = i
    return onsets


def match_onsets(
    scheduled_s: list[float], detected_s: list[float], window_s: float = 0.05
) -> list[float | None]:
    """For each scheduled time, the error (s) of the nearest detected onset (None: none near).

    None means no onset within ``window_s`` of the schedule: a missed cue.
    """
    found = np.asarray(sorted(detected_s))
    errors: list[float | None] = []
    for t in scheduled_s:
        if found.size == 0:
            errors.append(None)
            continue
        k = int(np.argmin(np.abs(found - t)))
        err = float(found[k] - t)
        errors.append(err if abs(err) <= window_s else None)
    return errors


def audible_cue_times(exercise: Exercise, settings: BreathingConfig) -> list[float]:
    """Scheduled start (s) of every cue that makes a sound under ``settings`` (from the plan)."""
    times = []
    for cue in exercise.plan.cues:
        if cue.kind in PHASE_KINDS:
            sounds = settings.tones or (settings.voice and bool(cue.words))
        elif cue.kind == CueKind.CLOSE:
            sounds = settings.tones or bool(cue.words)
        else:
            sounds = bool(cue.words)
        if sounds:
            times.append(cue.start_s)
    return times


@runtime_checkable
class TimelineOutput(Protocol):
    """An output that pulls samples by position, so it holds absolute time through a stall.

    Implemented by adapters.breathing_output.TimelineSpeaker.
    """

    def play_timeline(
        self,
        block_at: Callable[[int, int], Audio],
        length: int,
        sample_rate: int,
        keep_going: Callable[[float], bool],
        poll_s: float = 0.05,
    ) -> bool:
        """Play samples 0 to ``length``; ``keep_going(heard_s)`` is polled; True when played to the end."""
        ...


class Pacer(Protocol):
    """Shows the exercise to someone who opens their eyes."""

    def start(self, plan: Plan) -> None:
        """A new exercise begins."""
        ...

    def show(self, t_s: float) -> None:
        """The exercise is at ``t_s`` seconds."""
        ...

    def finish(self) -> None:
        """The exercise ended (or stopped)."""
        ...


class PacedPlayback:
    """The timeline as output blocks, handed over on absolute Clock deadlines; stoppable.

    Iterate it into ``AudioSink.play``. Block k (samples ``k*n`` ...) is yielded no earlier than
    ``t0 + k*n/rate - lead_s``; the output stream's sample clock then places it exactly. A
    blocking output paces the loop itself; a non-blocking one (a recorder, a fake) is paced by
    the clock, so the pacer and the "stop" check run at the speed of the sound.
    """

    def __init__(
        self,
        timeline: Timeline,
        clock: Clock,
        *,
        lead_s: float = 0.3,
        stop_heard: Callable[[], bool] | None = None,
        on_time: Callable[[float], None] | None = None,
        block_samples: int = BLOCK_SAMPLES_OUT,
    ) -> None:
        self.timeline = timeline
        self.clock = clock
        self.lead_s = lead_s
        self.stop_heard = stop_heard
        self.on_time = on_time
        self.block_samples = block_samples
        self.stopped = False
        """True when ``stop_heard`` ended the playback early."""
        self.started_s: float | None = None
        """Clock time when the first block was handed over."""

    def __iter__(self) -> Iterator[Audio]:
        """Yield the blocks; stops early (after a short fade) when ``stop_heard()`` says so."""
        rate = self.timeline.sample_rate
        t0 = self.clock.monotonic_s()
        self.started_s = t0
        pos = 0
        while pos < self.timeline.length:
            # Absolute deadline from the start, never "now + block": waits cannot accumulate.
            self.clock.sleep_until_s(t0 + pos / rate - self.lead_s)
            if self.on_time is not None:
                self.on_time(max(0.0, self.clock.monotonic_s() - t0))
            n = min(self.block_samples, self.timeline.length - pos)
            block = self.timeline.block(pos, n)
            if self.stop_heard is not None and self.stop_heard():
                self.stopped = True
                fade = min(n, int(STOP_FADE_S * rate))
                yield block[:fade] * np.linspace(1.0, 0.0, fade, dtype=np.float32)
                return
            yield block
            pos += n


class GuidedBreather:
    """The breathing exercise of ``facilitator breathe``, step 1 and every break (ports.Breather).

    Built from ports only, so the session can use it with its own voice, output and clock.
    """

    def __init__(
        self,
        synth: Synthesizer | None,
        sink: AudioSink,
        clock: Clock,
        *,
        stop_heard: Callable[[], bool] | None = None,
        settings: BreathingConfig | None = None,
        pacer: Pacer | None = None,
        sample_rate: int | None = None,
    ) -> None:
        """Keep the engines; nothing is synthesized until the first exercise.

        Args:
            synth: Voice for the cues (None: tones only, whatever ``settings.voice`` says).
            sink: The output. A TimelineOutput (adapters.breathing_output.TimelineSpeaker) pulls
                samples by position and holds absolute time even through an underrun; any other
                AudioSink gets the whole exercise as one stream of blocks from ``play``.
            clock: Paces the blocks on absolute deadlines (a FakeClock makes tests instant).
            stop_heard: Polled between blocks (every ~46 ms); True ends the exercise early. It
                must return at once (read a flag set elsewhere), or the output may run dry.
            settings: The [breathing] config (default: defaults).
            pacer: Shown as the exercise goes (e.g. TerminalPacer); None shows nothing.
            sample_rate: Output rate (default: the voice's, else SAMPLE_RATE).
        """
        self.sink = sink
        self.clock = clock
        self.stop_heard = stop_heard
        self.settings = settings or BreathingConfig()
        self.pacer = pacer
        self.sample_rate = sample_rate or (synth.sample_rate if synth else SAMPLE_RATE)
        # One CueVoice for the Breather's life: each cue word is synthesized once, then reused
        # by every later exercise (step 1 and each break).
        self.voice = CueVoice(synth, self.sample_rate) if synth is not None else None
        self.last_plan: Plan | None = None
        """The plan of the latest exercise."""

    def prepare(
        self, pattern: str | Pattern, *, minutes: float | None = None, cycles: int | None = None
    ) -> Exercise:
        """Plan and lay out an exercise (``--json`` and ``--out`` use this without playing).

        Raises:
            InputError: unknown pattern, phase, minutes or cycles out of range.
        """
        pat = parse_pattern(pattern) if isinstance(pattern, str) else pattern
        if cycles is None:
            cycles = cycles_for_minutes(pat, self.settings.minutes if minutes is None else minutes)
        n = cycles
        return prepare_exercise(pat, n, self.voice, self.settings, self.sample_rate)

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Lead ``minutes`` of ``pattern``; True when it ran to the end, False when stopped early.

        A length shorter than one cycle gives one cycle (the session must not fail on it).

        Raises:
            InputError: unknown pattern, or minutes not above 0 or above 30.
        """
        pat = parse_pattern(pattern)
        return self.play(self.prepare(pat, cycles=cycles_for_minutes(pat, minutes, at_least_one=True)))

    def play(self, exercise: Exercise) -> bool:
        """Play a prepared exercise live; True when it ran to the end, False when stopped early."""
        self.last_plan = exercise.plan
        pacer = self.pacer
        playback = PacedPlayback(
            exercise.timeline,
            self.clock,
            lead_s=self.settings.lead_s,
            stop_heard=self.stop_heard,
            on_time=pacer.show if pacer is not None else None,
        )
        if pacer is not None:
            pacer.start(exercise.plan)
        try:
            if isinstance(self.sink, TimelineOutput):
                return self.sink.play_timeline(
                    exercise.timeline.block,
                    exercise.timeline.length,
                    exercise.timeline.sample_rate,
                    self._keep_going,
                )
            self.sink.play(playback, exercise.timeline.sample_rate)
        finally:
            if pacer is not None:
                pacer.finish()
        return not playback.stopped

    def _keep_going(self, heard_s: float) -> bool:
        if self.pacer is not None:
            self.pacer.show(heard_s)
        return not (self.stop_heard is not None and self.stop_heard())


STOP_WORDS = re.compile(r"\b(stop|enough)\b", re.IGNORECASE)
"""Words that end an exercise when heard."""


class StopWordWatcher:
    """Listens for "stop" on its own thread and raises a flag that ``stop_heard`` reads at once.

    A second thread beside the audio callbacks is needed here: transcribing an utterance takes
    longer than the lead of the paced playback, so the loop feeding the speaker must never wait
    for it; it only reads the flag (``threading.Event.is_set`` returns immediately).
    """

    def __init__(self, listener: Listener, poll_s: float = 0.5, name: str = "stop-word-watcher") -> None:
        self.listener = listener
        self.poll_s = poll_s
        self.error: Exception | None = None
        """Why listening ended early (e.g. a lost microphone): the exercise then goes on without it."""
        self._heard = threading.Event()
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> StopWordWatcher:
        """Begin listening; returns self."""
        self._thread.start()
        return self

    def heard(self) -> bool:
        """Whether "stop" was heard (returns at once)."""
        return self._heard.is_set()

    def close(self, wait: bool = False) -> None:
        """Stop listening; the thread ends after its current wait (``wait``: join it first)."""
        self._closing.set()
        if wait and self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        try:
            while not self._closing.is_set() and not self._heard.is_set():
                heard = self.listener.hear(self.poll_s)
                if heard is not None and STOP_WORDS.search(heard.text):
                    self._heard.set()
                if getattr(self.listener, "ended", False):
                    return
        except Exception as exc:  # a lost microphone must not end the exercise: keep the reason
            self.error = exc


def pacer_line(plan: Plan, t_s: float, width: int = 30) -> str:
    """One line of the terminal pacer at ``t_s``.

    A bar that widens from its middle on the inhale and narrows on the exhale, the phase's name,
    the seconds left in it, and the time left overall.
    """
    state = pacer_state(plan, t_s)
    half = width // 2
    grown = int(round(state.level * half))
    bar = "·" * (half - grown) + "█" * (2 * grown) + "·" * (half - grown)
    if state.label:
        label = f"{state.label:<13} {math.ceil(state.phase_left_s - 1e-6):>2} s"
    elif t_s < plan.breathing_start_s:
        label = f"{'settle in':<13}     "
    else:
        label = f"{'done':<13}     "
    left = math.ceil(state.total_left_s - 1e-6)
    return f"[{bar}] {label}  {left // 60}:{left % 60:02d} left"


class TerminalPacer:
    """The pacer on a terminal: one line redrawn in place; on a pipe, one line per phase."""

    def __init__(self, stream: TextIO | None = None, width: int = 30) -> None:
        self.stream = stream or sys.stderr
        self.width = width
        self.live = bool(getattr(self.stream, "isatty", lambda: False)())
        self._plan: Plan | None = None
        self._last = ""

    def start(self, plan: Plan) -> None:
        """Remember the plan."""
        self._plan = plan
        self._last = ""

    def show(self, t_s: float) -> None:
        """Redraw when the line changed (on a pipe: print when the phase changed)."""
        if self._plan is None:
            return
        if self.live:
            line = pacer_line(self._plan, t_s, self.width)
            if line != self._last:
                self.stream.write("\r" + line)
                self.stream.flush()
                self._last = line
            return
        label = pacer_state(self._plan, t_s).label
        if label and label != self._last:
            self.stream.write(f"{t_s:7.1f} s  {label}\n")
            self.stream.flush()
        self._last = label

    def finish(self) -> None:
        """End the pacer's line."""
        if self.live and self._last:
            self.stream.write("\n")
            self.stream.flush()
        self._plan = None
