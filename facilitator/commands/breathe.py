"""Commands of the breathe area: ``facilitator breathe``, a guided breathing exercise.

Engines are imported inside the command, so ``facilitator --help`` needs no PortAudio or models.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import TYPE_CHECKING

import click

from facilitator.errors import InputError
from facilitator.ports import AudioSink
from facilitator.view.options import start_view, view_options

if TYPE_CHECKING:
    from facilitator.config import Config
    from facilitator.listening import StreamListener


class _NoOutput:
    """An AudioSink for --json and --out, which never play."""

    def play(self, chunks: object, sample_rate: int) -> None:
        """Never called: nothing is played."""
        raise AssertionError("nothing is played with --json or --out")


@click.command()
@click.option("--pattern", "pattern", default=None, metavar="NAME|IN-HOLD-OUT-HOLD",
              help="resonance (4 in, 6 out; the default), box (4-4-4-4), 478, sigh (cyclic sighing), "
              "or your own seconds, e.g. 4-2-6-0.")
@click.option("--minutes", type=float, default=None,
              help="Breathing time in minutes (default 2; intro and close not counted).")
@click.option("--cycles", type=int, default=None, help="Number of breaths instead of --minutes.")
@click.option("--no-voice", is_flag=True, help="No spoken cues, intro or close: tones only.")
@click.option("--no-tones", is_flag=True, help="No tones: spoken cues only.")
@click.option("--count", is_flag=True, help="Count the seconds of each phase softly.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the whole exercise to this .wav file instead of playing it.")
@click.option("--json", "as_json", is_flag=True,
              help="Print each cue's phase and start second (one JSON line each) instead of playing.")
@click.option("--output", "output", default=None, metavar="NAME|INDEX",
              help="Output device (see facilitator devices); default: the system's.")
@click.option("--listen", is_flag=True, help='Listen to the microphone: saying "stop" ends the exercise.')
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX",
              help="Microphone for --listen (default: the system's).")
@click.option("--voice", default=None, metavar="NAME|PATH",
              help="A voice from voices/catalogue.toml, or the path of a Piper .onnx voice.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A TOML settings file; its [breathing] section sets the defaults.")
@view_options
def breathe(
    pattern: str | None,
    minutes: float | None,
    cycles: int | None,
    no_voice: bool,
    no_tones: bool,
    count: bool,
    out: Path | None,
    as_json: bool,
    output: str | None,
    listen: bool,
    input_device: str | None,
    voice: str | None,
    config_path: Path | None,
    view: bool,
    no_browser: bool,
) -> None:
    """Lead a breathing exercise by voice, soft tones and a pacer on the terminal.

    Cues land on absolute times from the start, so the rhythm never drifts. Stop at any time
    with Ctrl-C, or by saying "stop" with --listen.

    Examples: facilitator breathe; facilitator breathe --pattern box --minutes 3;
    facilitator breathe --pattern sigh --cycles 6 --out sigh.wav
    """
    from facilitator.breathing import check_cycles, cycles_for_minutes, parse_pattern
    from facilitator.config import load_config

    settings = load_config(config_path).breathing
    settings = dataclasses.replace(
        settings,
        voice=settings.voice and not no_voice,
        tones=settings.tones and not no_tones,
        count=settings.count or count,
    )
    if not settings.voice and not settings.tones:
        raise InputError(
            "With no voice and no tones nothing marks the changes for closed eyes; drop --no-voice "
            "or --no-tones."
        )
    if minutes is not None and cycles is not None:
        raise InputError("Give --minutes or --cycles, not both.")
    if out is not None and out.suffix.lower() != ".wav":
        raise InputError(f"The output {out} must end in .wav; give a .wav file name to --out.")
    # Check the exercise before any engine loads, so a typo fails at once.
    chosen = parse_pattern(pattern or settings.pattern)
    n = check_cycles(chosen, cycles) if cycles is not None else cycles_for_minutes(
        chosen, settings.minutes if minutes is None else minutes
    )
    plays = out is None and not as_json
    if view and not plays:
        raise InputError("--view shows an exercise as it plays; leave out --out and --json to use it.")
    live_view = start_view(None, view, no_browser, "Breathing", path=False)
    sink: AudioSink = _NoOutput()
    speaker = None
    if plays:
        from facilitator.adapters.breathing_output import TimelineSpeaker

        sink = speaker = TimelineSpeaker(output)  # pick the device before the voice loads: fail fast
    synth = None
    if settings.voice or settings.count:
        from facilitator.adapters.piper import load_voice

        synth = load_voice(voice)
    rate = synth.sample_rate if synth is not None else None
    if speaker is not None:
        # Render at a rate the device takes as is: nothing is resampled while playing.
        wanted = rate or speaker.device.default_rate
        rate = wanted if speaker.supports_rate(wanted) else speaker.device.default_rate
    from facilitator.breathing_audio import GuidedBreather, StopWordWatcher, TerminalPacer
    from facilitator.clock import SystemClock

    watcher: StopWordWatcher | None = None
    if plays and listen:
        watcher = StopWordWatcher(_stop_listener(input_device, load_config(config_path))).start()
    breather = GuidedBreather(
        synth,
        sink,
        SystemClock(),
        stop_heard=watcher.heard if watcher is not None else None,
        settings=settings,
        pacer=TerminalPacer(),
        sample_rate=rate,
    )
    if live_view is not None:
        live_view.guard(breather)  # the circle on the page, and its stop button
    exercise = breather.prepare(chosen, cycles=n)
    if as_json:
        for cue in exercise.plan.cues:
            click.echo(json.dumps({
                "phase": cue.kind.value,
                "start_s": round(cue.start_s, 3),
                "cycle": cue.cycle,
                "words": cue.words,
            }))
    if out is not None:
        from facilitator.audio import write_wav

        write_wav(out, exercise.render(), exercise.timeline.sample_rate)
        click.echo(f"Wrote {out} ({_clock(exercise.timeline.duration_s)}).", err=as_json)
    if not plays:
        return
    plan = exercise.plan
    click.echo(
        f"{chosen.name} ({chosen.label}), {plan.cycles} breaths, {_clock(plan.end_s)}. "
        "Ctrl-C stops" + (', or say "stop".' if watcher else "."),
        err=True,
    )
    try:
        completed = breather.play(exercise)
    finally:
        if watcher is not None:
            watcher.close()
        if live_view is not None:
            live_view.close(linger_s=0.5)
    if watcher is not None and watcher.error is not None:
        click.echo(f"Listening stopped early: {watcher.error}", err=True)
    click.echo("Done." if completed else "Stopped, as you asked.", err=True)


def _stop_listener(input_device: str | None, config: Config) -> StreamListener:
    """A microphone listener (VAD and Whisper on one thread) for the word "stop"."""
    from facilitator.adapters.soundcard import Microphone
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.listening import StreamListener

    listening = config.listening
    return StreamListener(
        Microphone(input_device),
        SileroVad(),
        WhisperTranscriber(max_no_speech_prob=listening.max_no_speech_prob, cpu_threads=1),
        listening,
    )


def _clock(seconds: float) -> str:
    total = int(round(seconds))
    return f"{total // 60}:{total % 60:02d}"


COMMANDS: list[click.Command] = [breathe]
