"""Commands of the demo area: ``facilitator demo``, a whole session with a simulated room.

The microphone is a simulated room (facilitator.adapters.room) that plays the built-in
conversation of Sam and Alex on cue. Everything after it is the live session's own code: the
Silero VAD, Whisper, the GE2E voice matcher, the StreamListener, the Session, the Piper voice,
the guided breathing. Only the edges differ: the room instead of the microphone, and an output
that places the facilitator's audio on the room's timeline (and plays it, when there is a
speaker and no --out). The room runs in simulated stream time, so the demo ends in well under a
minute on a laptop. Engines are imported inside functions so ``--help`` stays light.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio
from facilitator.commands.demo_files import mix_tracks as mix_tracks  # moved there; still importable here
from facilitator.commands.demo_files import transcript_text as transcript_text
from facilitator.commands.demo_files import write_outputs
from facilitator.view.options import start_view, view_options

if TYPE_CHECKING:
    from facilitator.adapters.room import SimulatedRoom
    from facilitator.config import Config
    from facilitator.events import Heard
    from facilitator.ports import AudioSink, Listener, Speaker
    from facilitator.session import Outcome
    from facilitator.speakers import Voiceprint
    from facilitator.view import LiveView

DEMO_OVERRIDES: dict[str, Any] = {
    "breathing.minutes": 0.35,
    "session.positive_intent_quiet_s": 3.0,
}
"""The demo's shortened settings (two breaths, three quiet seconds); a --config file can change others."""


@dataclass(frozen=True)
class Spoken:
    """One stretch of the facilitator's audio on the room's timeline."""

    prompt_id: str
    text: str
    start_s: float
    """Stream time when it started (s)."""
    end_s: float
    processing_s: float
    """Wall-clock time from the room's last block to the first synthesized chunk (s)."""
    backlog_s: float = 0.0
    """How late a live run would have read that last block, having computed longer than the
    audio it covered since the previous prompt (SimulatedRoom.backlog_s; 0 when it kept up)."""


@dataclass(frozen=True)
class Latency:
    """From the end of a hand-off line to the facilitator's first audio."""

    line_id: str
    prompt_id: str
    wait_s: float
    """Stream time from the line's last sample to the prompt's start: the VAD's end-of-utterance
    silence plus any further listening the session chose to do (s)."""
    processing_s: float
    """Wall-clock time spent after that: Whisper, the voice matcher, the session, Piper's first chunk."""
    backlog_s: float = 0.0
    """Time a live run would still have been catching up with the microphone (Spoken.backlog_s)."""

    @property
    def total_s(self) -> float:
        """What a person would wait (s)."""
        return self.wait_s + self.backlog_s + self.processing_s


@dataclass
class DemoRun:
    """Everything a demo run leaves behind, for the summary, the files, the tests and the benchmark."""

    outcome: Outcome
    room: SimulatedRoom
    spoken: list[Spoken]
    heard: list[Heard]
    facilitator_track: list[tuple[float, Audio]] = field(default_factory=list)
    """(stream start s, audio at SAMPLE_RATE) of everything the facilitator said or played."""
    wall_s: float = 0.0

    def latencies(self, ends_turn: str = "handoff") -> list[Latency]:
        """For each line that ends a turn this way ("handoff" or "pause"), the wait for the facilitator."""
        found = []
        for placed in self.room.played:
            if placed.line.ends_turn != ends_turn:
                continue
            after = [s for s in self.spoken if s.start_s >= placed.end_s]
            if after:
                first = min(after, key=lambda s: s.start_s)
                found.append(Latency(placed.line.id, first.prompt_id, first.start_s - placed.end_s,
                                     first.processing_s, first.backlog_s))
        return found

    def talked_over(self) -> list[tuple[Spoken, list[str]]]:
        """Facilitator prompts that started while a person's line was sounding (should be none)."""
        return [(s, who) for s in self.spoken if (who := self.room.speaking_at(s.start_s))]

    def unheard_lines(self) -> list[str]:
        """Lines of the conversation never placed (the session went another way)."""
        return [line.id for line in self.room.waiting]


class TimelineSink:
    """Implements AudioSink: notes where on the room's timeline each sound starts, and keeps it.

    With ``device`` the chunks are also played as they come (real time), each preceded by what
    the room heard since the facilitator last spoke (Sam and Alex's lines), so someone at the
    laptop hears the whole conversation in order; without, nothing waits.
    """

    def __init__(self, room: SimulatedRoom, device: AudioSink | None = None) -> None:
        self.room = room
        self.device = device
        self.track: list[tuple[float, Audio]] = []
        self.first_chunk_wall_s = 0.0
        self.last_start_s = 0.0
        self.last_duration_s = 0.0
        self._replayed_until_s = 0.0
        self.on_sound: Callable[[], None] | None = None
        """Called as the facilitator's own sound starts (after the people's lines replayed)."""

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        """Collect (and play, with a device) the chunks; remember when the first one was ready."""
        from facilitator.audio import resample

        start_s = self.room.now_s
        got: list[Audio] = []
        self.first_chunk_wall_s = 0.0

        def tap() -> Iterator[Audio]:
            for chunk in chunks:
                if not got:
                    self.first_chunk_wall_s = time.perf_counter()
                got.append(np.asarray(chunk, dtype=np.float32).reshape(-1))
                yield chunk

        if self.device is not None:
            people = self.room.recording(self._replayed_until_s, start_s)
            if people.size:
                self.device.play([people], SAMPLE_RATE)
            if self.on_sound is not None:
                self.on_sound()
            self.device.play(tap(), sample_rate)
        else:
            if self.on_sound is not None:
                self.on_sound()
            for _ in tap():
                pass
        audio = resample(np.concatenate(got), sample_rate) if got else np.zeros(0, dtype=np.float32)
        self.track.append((start_s, audio))
        self.last_start_s = start_s
        self.last_duration_s = audio.size / SAMPLE_RATE
        self._replayed_until_s = start_s + self.last_duration_s


class DemoSpeaker:
    """Implements Speaker around the live speaker: after each prompt, the room's time moves on.

    The prompt's length of stream time passes (heard by no one: the listener drops it as
    half-duplex), then the room is told the prompt finished, which cues the next line.

    The room's stream does not move while the program computes; the room keeps how late a live
    run would have been reading it (``SimulatedRoom.backlog_s``), and each prompt notes that.
    """

    def __init__(self, inner: Speaker, sink: TimelineSink, room: SimulatedRoom) -> None:
        self.inner = inner
        self.sink = sink
        self.room = room
        self.spoken: list[Spoken] = []

    def say(self, prompt_id: str, text: str) -> None:
        """Speak through the inner speaker, then advance the room and cue it."""
        backlog = self.room.backlog_s
        self.inner.say(prompt_id, text)
        start, duration = self.sink.last_start_s, self.sink.last_duration_s
        processing = max(0.0, self.sink.first_chunk_wall_s - self.room.last_block_wall_s)
        self.spoken.append(Spoken(prompt_id, text, start, start + duration, processing, backlog))
        self.room.facilitator_spoke(prompt_id, duration)
        self.room.prompt_done(prompt_id)

    def prepare(self, texts: list[str]) -> None:
        """Let the live speaker synthesize likely next prompts (the session asks after each prompt)."""
        prepare: Callable[[list[str]], None] | None = getattr(self.inner, "prepare", None)
        if prepare is not None:
            prepare(texts)

    def slower(self) -> None:
        """Pass "slower" on to the live speaker."""
        slower: Callable[[], None] | None = getattr(self.inner, "slower", None)
        if slower is not None:
            slower()


class DemoBreather:
    """Implements Breather: the guided breathing, whose length of stream time then passes."""

    def __init__(self, inner: Any, sink: TimelineSink, room: SimulatedRoom, spoken: list[Spoken]) -> None:
        self.inner = inner
        self.sink = sink
        self.room = room
        self.spoken = spoken
        """The speaker's list of what the facilitator sounded: the exercise is added to it."""

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Lead the exercise into the timeline (and the speaker), then let its time pass."""
        finished = bool(self.inner.breathe(pattern, minutes))
        start, duration = self.sink.last_start_s, self.sink.last_duration_s
        text = f"(guided breathing, {pattern}, {duration:.0f} s)"
        self.spoken.append(Spoken("breathing", text, start, start + duration, 0.0))
        self.room.facilitator_spoke("breathing", duration)
        return finished


class RoomClock:
    """Implements Clock in the room's stream time, so the session's waits match what it hears."""

    def __init__(self, room: SimulatedRoom) -> None:
        self.room = room
        self._slept_s = 0.0

    def monotonic_s(self) -> float:
        """Stream seconds so far (plus any sleeps, which pass no audio)."""
        return self.room.now_s + self._slept_s

    def sleep_s(self, seconds: float) -> None:
        """Let ``seconds`` pass at once (only the lost-microphone retry sleeps)."""
        self._slept_s += max(0.0, seconds)

    def sleep_until_s(self, deadline_s: float) -> None:
        """Let time pass up to ``deadline_s``."""
        self.sleep_s(deadline_s - self.monotonic_s())


class RecordingListener:
    """Implements Listener around the StreamListener: keeps what was heard and shows it."""

    def __init__(self, inner: Listener, echo: Callable[[str], None] | None) -> None:
        self.inner = inner
        self.echo = echo
        self.heard: list[Heard] = []

    def hear(self, timeout_s: float) -> Heard | None:
        """The next utterance (shown with who the voice matcher thinks spoke it)."""
        heard = self.inner.hear(timeout_s)
        if heard is not None:
            self.heard.append(heard)
            if self.echo is not None:
                self.echo(f"    {heard.speaker or '(voice unsure)'}: {heard.text}")
        return heard

    def ignore_pending(self, tail_s: float) -> None:
        """Half-duplex, as in a live session."""
        self.inner.ignore_pending(tail_s)


class MemoryVoiceprints:
    """A VoiceprintStore in memory: Sam and Alex are not real people, so nothing is written."""

    def __init__(self) -> None:
        self._prints: dict[str, Voiceprint] = {}

    def load(self, name: str) -> Voiceprint | None:
        """The voiceprint learnt this run, if any."""
        return self._prints.get(name.casefold())

    def save(self, voiceprint: Voiceprint) -> None:
        """Keep it for this run only."""
        self._prints[voiceprint.name.casefold()] = voiceprint


def run_demo(
    config: Config,
    *,
    device: AudioSink | None = None,
    echo: Callable[[str], None] | None = None,
    view: LiveView | None = None,
) -> DemoRun:
    """Run the whole demo session and return what happened.

    Args:
        config: Settings (the demo's shortened breathing and quiet already applied).
        device: A speaker to play the facilitator on as it speaks (real time); None: as fast as possible.
        echo: Shows each prompt and each utterance heard (e.g. click.echo); None is silent.
        view: A live view to follow the session on (``--view``); it is shown each prompt as its
            sound starts, so with a speaker it keeps to what is heard.

    Raises:
        FacilitatorError: a model or the demo conversation is missing or broken.
    """
    from facilitator.adapters.room import SimulatedRoom, load_conversation
    from facilitator.clock import FakeClock, SystemClock
    from facilitator.commands.session import live_parts
    from facilitator.script import load_script
    from facilitator.session import Session
    from facilitator.sessionlog import SessionLog
    from facilitator.speakers import VoiceMatcher

    started = time.perf_counter()
    room = SimulatedRoom(load_conversation())
    sink = TimelineSink(room, device)
    # The breathing is paced on this clock: instant when nothing plays, real time on a speaker.
    pace = SystemClock() if device is not None else FakeClock()
    live_speaker, stream, live_breather, voices = live_parts(config, pace, room, sink)
    if isinstance(voices, VoiceMatcher):
        voices.store = MemoryVoiceprints()  # Sam and Alex are not real people: keep no voiceprints
    # The live breather listens for "stop" on a thread while the exercise plays; in the room's
    # simulated time that thread would read a random stretch of the stream. Nobody says "stop"
    # in the demo, so the guided exercise inside it is used directly.
    guided = getattr(live_breather, "inner", live_breather)
    if device is None and hasattr(guided, "pacer"):
        guided.pacer = None  # no terminal pacer racing through an instant exercise
    voice = getattr(live_speaker, "voice", None)
    if voice is not None and echo is not click.echo:
        voice.echo = None if echo is None else (lambda text: echo(f"Facilitator: {text}"))
    listener = RecordingListener(stream, echo)
    speaker = DemoSpeaker(live_speaker, sink, room)
    breather = DemoBreather(guided, sink, room, speaker.spoken)
    log = SessionLog()
    parts: tuple[Any, Any, Any] = (speaker, listener, breather)
    if view is not None:
        log.subscribe(view.state.event)
        parts = view.wrap(speaker, listener, breather)
        sink.on_sound = parts[0].on_sound()  # the page shows each prompt as its sound starts
    session = Session(load_script(), config, *parts, voices, RoomClock(room), log=log)
    outcome = session.run()
    if view is not None:
        view.finished(outcome.summary)
    return DemoRun(outcome, room, speaker.spoken, listener.heard, sink.track, time.perf_counter() - started)


def demo_report(run: DemoRun) -> str:
    """What the demo showed, beyond the session's own summary."""
    latencies = run.latencies()
    totals = sorted(lat.total_s for lat in latencies)
    over = run.talked_over()
    lines = [
        f"Demo: {run.room.now_s / 60:.1f} minutes of conversation in {run.wall_s:.0f} s; "
        f"{len(run.heard)} utterances heard, {len(run.spoken)} prompts spoken.",
        "Facilitator started while someone was speaking: "
        + ("never" if not over else ", ".join(f"{s.prompt_id} ({'/'.join(w)})" for s, w in over)),
    ]
    if totals:
        lines.append(
            f"Hand-off to first facilitator audio: median {float(np.median(totals)):.2f} s, "
            f"worst {totals[-1]:.2f} s over {len(totals)} hand-offs."
        )
    every = sorted(lat.total_s for kind in ("handoff", "pause") for lat in run.latencies(kind))
    if every:
        p95 = float(np.percentile(every, 95))
        lines.append(
            f"End of a turn to first facilitator audio: median {float(np.median(every)):.2f} s, "
            f"p95 {p95:.2f} s over {len(every)} turns"
        )
    if run.unheard_lines():
        lines.append("Lines never cued: " + ", ".join(run.unheard_lines()))
    return "\n".join(lines)


@click.command("demo")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Write facilitator.wav, conversation.wav and transcript.txt here (no playback).")
@click.option("--output", "output_device", default=None, metavar="NAME|INDEX",
              help="Speaker to play the facilitator on (see facilitator devices); default: the system's.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Settings file (TOML); the demo shortens breathing and quiet seconds on top of it.")
@view_options
@click.pass_context
def demo(
    ctx: click.Context, out_dir: Path | None, output_device: str | None, config_path: Path | None,
    view: bool, no_browser: bool,
) -> None:
    """Run a whole session on a built-in conversation of two people: no microphone needed.

    Sam and Alex (two recorded voices in a simulated room) go through consent, breathing, who goes
    first, a share with a pause, an interruption, a reflection that misses and one that lands,
    the role switch and the goodbye, heard through the same listening code as a live session.

    Examples: facilitator demo; facilitator demo --out demo-out
    """
    from facilitator.config import load_config
    from facilitator.errors import DeviceError
    from facilitator.session import OutcomeKind
    from facilitator.summary import format_summary

    config = load_config(config_path, overrides=dict(DEMO_OVERRIDES))
    live_view = start_view(None, view, no_browser, "Demo: Sam and Alex")
    device: AudioSink | None = None
    if out_dir is None:
        try:
            from facilitator.adapters.soundcard import SoundcardSink

            device = SoundcardSink(output_device)
        except DeviceError as exc:
            if output_device is not None:
                raise
            click.echo(f"{exc} Writing the demo's audio to files instead.", err=True)
        out_dir = Path("facilitator-demo")
    try:
        run = run_demo(config, device=device, echo=click.echo, view=live_view)
    finally:
        if live_view is not None:
            live_view.close(linger_s=1.0)
    if isinstance(ctx.obj, dict):  # tests pass obj={} to click's runner to get the run back
        ctx.obj["run"] = run
    paths = write_outputs(run, out_dir)
    click.echo("")
    click.echo(format_summary(run.outcome.summary))
    click.echo(demo_report(run))
    click.echo("Wrote " + ", ".join(str(p) for p in paths))
    if run.outcome.kind is not OutcomeKind.COMPLETE or run.unheard_lines():
        click.echo(f"The demo did not go as written (ended: {run.outcome.kind.value}).", err=True)
        sys.exit(1)


COMMANDS: list[click.Command] = [demo]
