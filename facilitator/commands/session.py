"""Commands of the session area: ``facilitator session`` (live or typed) and ``facilitator summary``.

This is the composition root of a session: it picks the engines (or the typed-mode adapters),
loads the script and config, and hands them to ``Session``. Engines are imported inside the
functions, so ``facilitator --help`` needs no PortAudio and loads no model.

Tests may pass ``obj={"clock": FakeClock()}`` to click's runner to make typed mode's breathing
and quiet seconds instant.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from facilitator.errors import DeviceError, StateError
from facilitator.view.options import start_view, view_options

if TYPE_CHECKING:
    from facilitator.audio import Audio
    from facilitator.breathing_audio import StopWordWatcher
    from facilitator.config import Config
    from facilitator.events import Attribution
    from facilitator.ports import AudioSink, AudioSource, Breather, Clock, Listener, Speaker, VoiceBook
    from facilitator.speakers import VoiceMatcher
    from facilitator.speaking import VoiceSpeaker


@click.command("session")
@click.option("--text", "typed", is_flag=True,
              help='Typed mode: type lines as "Alex: ..." and read the prompts (no microphone).')
@click.option("--resume", is_flag=True, help="Continue the last session at the step where it stopped.")
@click.option("--keep-transcript", is_flag=True,
              help="Keep the words said in a local file (mode 0600); by default no words are kept.")
@click.option("--script", "script_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own wording: a TOML file with every step and key of the built-in script.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Settings file (TOML); durations and thresholds live here.")
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX",
              help="Microphone (see facilitator devices); default: the system's.")
@click.option("--output", "output_device", default=None, metavar="NAME|INDEX",
              help="Speaker (see facilitator devices); default: the system's.")
@click.option("--events", "events_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the session's event log here as JSON lines (no words unless kept).")
@view_options
@click.pass_context
def session(ctx: click.Context, typed: bool, resume: bool, keep_transcript: bool, script_path: Path | None,
            config_path: Path | None, input_device: str | None, output_device: str | None,
            events_path: Path | None, view: bool, no_browser: bool) -> None:
    """Lead the two of you through a repair conversation, one step at a time, by voice.

    Examples: facilitator session; facilitator session --text; facilitator session --resume
    """
    from facilitator.clock import SystemClock
    from facilitator.config import load_config
    from facilitator.paths import data_dir
    from facilitator.script import load_script
    from facilitator.session import OutcomeKind, Session
    from facilitator.sessionlog import SessionLog
    from facilitator.state import StateStore, Step
    from facilitator.summary import format_summary

    config = load_config(config_path)
    script = load_script(script_path)
    store = StateStore()
    obj: dict[str, Any] = ctx.obj if isinstance(ctx.obj, dict) else {}
    clock: Clock = obj.get("clock") or SystemClock()

    resume_state = None
    return_at = None
    if resume:
        resume_state = store.load()
        if resume_state is None:
            raise StateError("There is no saved session to resume; start one with `facilitator session`.")
        if resume_state.step is Step.DONE:
            raise StateError("The last session was completed; start a new one with `facilitator session`.")
    else:
        try:
            previous = store.load()
        except StateError as exc:
            previous = None
            kept = store.set_aside()
            click.echo(f"Note: {exc} It was kept as {kept}; this session starts fresh.", err=True)
        if previous is not None:
            return_at = previous.return_at
            if previous.step is not Step.DONE and previous.outcome != "not_yet":
                kept = store.set_aside()
                click.echo(f"Note: the unfinished session from before was kept as {kept}.", err=True)

    transcript: Path | None = None
    if keep_transcript:
        earlier = resume_state.transcript_path if resume_state is not None else None
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        transcript = Path(earlier) if earlier else data_dir() / f"transcript-{stamp}.txt"

    log = SessionLog()
    live_view = start_view(log, view, no_browser, "Session")  # before the models load: it shows "Starting"
    if typed:
        speaker, listener, breather, voices = _typed(clock)
    else:
        speaker, listener, breather, voices = _live(config, clock, input_device, output_device)

    if live_view is not None:
        speaker, listener, breather = live_view.wrap(speaker, listener, breather)
    runner = Session(script, config, speaker, listener, breather, voices, clock, log=log, store=store,
                     resume=resume_state, return_at=return_at, transcript=transcript)
    try:
        outcome = runner.run()
        if live_view is not None:
            live_view.finished(outcome.summary)
    except KeyboardInterrupt:
        click.echo("\nPaused. Your place is saved: run `facilitator session --resume` to continue.", err=True)
        sys.exit(130)
    except DeviceError as exc:
        if "--resume" in str(exc):
            raise
        # The speaker (or a device at the start of a step) failed: the place was saved.
        raise DeviceError(
            f"{str(exc).rstrip('.')}; then run `facilitator session --resume` to continue where you stopped."
        ) from exc
    finally:
        if events_path is not None:
            log.write_jsonl(events_path)
        if live_view is not None:
            live_view.close(linger_s=0.5)
    click.echo("")
    click.echo(format_summary(outcome.summary))
    if outcome.kind in (OutcomeKind.STOPPED, OutcomeKind.BREAK):
        click.echo("To continue later: facilitator session --resume")


@click.command("summary")
@click.option("--html", "html_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Also write the summary as one self-contained web page (no words unless kept).")
def summary(html_path: Path | None) -> None:
    """Show the summary of the last session: time, talk shares, reminders, reflections, breaks.

    Examples: facilitator summary; facilitator summary --html summary.html
    """
    from facilitator.state import StateStore
    from facilitator.summary import format_summary, summarize

    store = StateStore()
    state = store.load()
    if state is None:
        raise StateError("There is no session yet; start one with `facilitator session`.")
    when = store.saved_at()
    if when:
        click.echo(f"Last saved {when}")
    click.echo(format_summary(summarize(state)))
    if html_path is not None:
        from facilitator.view.report import write_summary_html

        write_summary_html(html_path, summarize(state), when)
        click.echo(f"Wrote {html_path}")


def _typed(clock: Clock) -> tuple[Speaker, Listener, Breather, VoiceBook]:
    from facilitator.adapters.console import (
        TYPED_HELP,
        ConsoleBreather,
        ConsoleListener,
        ConsoleSpeaker,
        TypedVoiceBook,
    )

    click.echo(TYPED_HELP)
    listener = ConsoleListener(sys.stdin, clock, note=lambda m: click.echo(m, err=True))
    return ConsoleSpeaker(click.echo), listener, ConsoleBreather(click.echo, clock), TypedVoiceBook(listener)


def _live(config: Config, clock: Clock, input_device: str | None,
          output_device: str | None) -> tuple[Speaker, Listener, Breather, VoiceBook]:
    """The real room: the sound card's microphone and speaker, then the engines."""
    from facilitator.adapters.breathing_output import TimelineSpeaker
    from facilitator.adapters.soundcard import Microphone

    # Devices first: a missing microphone or speaker fails before any model loads. The timeline
    # speaker plays prompts like any sink, and lets the breathing cues keep absolute time even
    # after a stall (a pushed sink stayed ~180 ms late for the rest of the exercise; issue 3).
    return live_parts(config, clock, Microphone(input_device), TimelineSpeaker(output_device))


def live_parts(config: Config, clock: Clock, source: AudioSource,
               sink: AudioSink) -> tuple[Speaker, Listener, Breather, VoiceBook]:
    """The engines of a spoken session around any audio source and sink.

    VAD, Whisper and the voice matcher listen; Piper speaks (shown on screen too); the guided
    breather leads step 1 and the breaks with the same voice and sink.
    """
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.smart_turn import load_turn_detector
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.voiceprint import GE2EEncoder
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.breathing_audio import GuidedBreather, TerminalPacer
    from facilitator.listening import StreamListener
    from facilitator.speakers import VoiceMatcher
    from facilitator.voiceprints import VoiceprintFiles

    synth = load_voice(None)
    matcher = VoiceMatcher(GE2EEncoder(), VoiceprintFiles(), SileroVad(), config.speakers)
    listener = StreamListener(
        source,
        SileroVad(),
        WhisperTranscriber(max_no_speech_prob=config.listening.max_no_speech_prob),
        config.listening,
        identifier=UntilEnrolled(matcher),
        turns=load_turn_detector(config.listening.end_of_turn, lambda line: click.echo(line, err=True)),
    )
    speaker = LiveSpeaker(sink, synth)
    breather = ListeningBreather(
        listener,
        lambda stop_heard: GuidedBreather(synth, sink, clock, settings=config.breathing,
                                          pacer=TerminalPacer(), stop_heard=stop_heard),
    )
    return speaker, listener, breather, matcher


class UntilEnrolled:
    """The voice matcher as a SpeakerIdentifier that says "unsure" until the two voices are chosen.

    The names step hears people before their voices are known; the matcher itself refuses then.
    """

    def __init__(self, matcher: VoiceMatcher) -> None:
        self.matcher = matcher

    def attribute(self, audio: Audio, start_s: float) -> tuple[Attribution, tuple[Attribution, ...]]:
        """The matcher's attribution, or "unsure" for the whole utterance before ``use``."""
        from facilitator.audio import SAMPLE_RATE
        from facilitator.events import Attribution

        if self.matcher.pair is None:
            return Attribution(start_s, start_s + audio.size / SAMPLE_RATE, None, 0.0), ()
        return self.matcher.attribute(audio, start_s)


class ListeningBreather:
    """A Breather whose exercise ends early when someone says "stop" (or "enough").

    The session does not listen while the exercise plays, so a StopWordWatcher does, on the
    session's own listener; it is joined before ``breathe`` returns, so the listener is never used
    by two threads at once.
    """

    def __init__(self, listener: Listener, make: Callable[[Callable[[], bool]], Breather],
                 poll_s: float = 0.5) -> None:
        self.listener = listener
        self.poll_s = poll_s
        self._watcher: StopWordWatcher | None = None
        self.inner = make(self._stop_heard)
        self.error: Exception | None = None
        """Why listening ended early (a lost microphone): the exercise went on; the session meets
        the same error on its next hear and handles it there."""

    def _stop_heard(self) -> bool:
        return self._watcher is not None and self._watcher.heard()

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Lead the exercise while listening for "stop"; True when it ran to the end."""
        from facilitator.breathing_audio import StopWordWatcher

        self._watcher = StopWordWatcher(self.listener, self.poll_s, name="breathing-stop-listener").start()
        try:
            return self.inner.breathe(pattern, minutes)
        finally:
            self._watcher.close(wait=True)
            self.error = self._watcher.error


class LiveSpeaker:
    """The Piper voice through the sound card, shown on screen; ``slower`` reloads it slower."""

    MAX_LENGTH_SCALE = 1.8

    def __init__(self, sink: AudioSink, synth: Any) -> None:
        self.sink = sink
        self.length_scale = 1.0
        self.voice = self._voice(synth)

    def _voice(self, synth: Any) -> VoiceSpeaker:
        from facilitator.speaking import VoiceSpeaker

        return VoiceSpeaker(synth, self.sink, echo=lambda text: click.echo(f"Facilitator: {text}"))

    def say(self, prompt_id: str, text: str) -> None:
        """Show and speak a prompt."""
        self.voice.say(prompt_id, text)

    def prepare(self, texts: list[str]) -> None:
        """Synthesize texts ahead of time (kept in the voice's cache)."""
        self.voice.prepare(texts)

    def slower(self) -> None:
        """Speak about 20% slower from now on (the voice is loaded again, about half a second)."""
        from facilitator.adapters.piper import load_voice

        self.length_scale = min(self.MAX_LENGTH_SCALE, self.length_scale * 1.2)
        self.voice = self._voice(load_voice(None, length_scale=self.length_scale))


_UntilEnrolled = UntilEnrolled  # the name the demo first imported

COMMANDS: list[click.Command] = [session, summary]
