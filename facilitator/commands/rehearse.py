"""Commands of the rehearsal area: ``facilitator rehearse`` (alone, by voice or typed) and ``mirror``.

The composition root of a rehearsal: the session's engines (commands.session), plus a second
voice for the practice partner, the demo's voice transform (the Piper voice slower and raised by
the resample trick, as the demo's Sam). Engines are imported inside the functions.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from facilitator.errors import DeviceError
from facilitator.view.options import start_view, view_options

if TYPE_CHECKING:
    from facilitator.audio import Audio
    from facilitator.config import Config
    from facilitator.ports import AudioSink, AudioSource, Breather, Clock, Listener, Speaker, Synthesizer

TYPED_HELP = (
    "Typed mode: type what you would say, one line at a time. An empty line lets a silence pass;\n"
    "type  stop  to end, pause / resume, repeat that, I need a break."
)


@click.command("rehearse")
@click.option("--text", "typed", is_flag=True, help="Typed mode: type your words and read the prompts.")
@click.option("--listen", "listen_only", is_flag=True,
              help="Go straight to practising listening with a practice partner.")
@click.option("--partner", "partner_name", default=None, metavar="NAME",
              help="Your partner's name, said instead of 'they' when your share is reflected.")
@click.option("--keep-transcript", is_flag=True,
              help="Keep the words said in a local file (mode 0600); by default no words are kept.")
@click.option("--script", "script_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Your own wording: a TOML file with every table and key of the built-in rehearse.toml.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Settings file (TOML); durations and patience live here.")
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX", help="Microphone.")
@click.option("--output", "output_device", default=None, metavar="NAME|INDEX", help="Speaker.")
@click.option("--events", "events_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the rehearsal's event log here as JSON lines (no words unless kept).")
@view_options
@click.pass_context
def rehearse(ctx: click.Context, typed: bool, listen_only: bool, partner_name: str | None,
             keep_transcript: bool, script_path: Path | None, config_path: Path | None,
             input_device: str | None, output_device: str | None, events_path: Path | None,
             view: bool, no_browser: bool) -> None:
    """Practise a hard conversation alone: say your share and hear it back, or practise listening.

    Examples: facilitator rehearse; facilitator rehearse --text; facilitator rehearse --listen;
    facilitator rehearse --view
    """
    from facilitator.clock import SystemClock
    from facilitator.config import load_config
    from facilitator.paths import data_dir
    from facilitator.practice import load_deck, load_rehearse_script
    from facilitator.rehearsal import Rehearsal, format_result
    from facilitator.script import load_script
    from facilitator.sessionlog import SessionLog

    config = load_config(config_path)
    script = load_rehearse_script(load_script(None), script_path)
    deck = load_deck()
    obj: dict[str, Any] = ctx.obj if isinstance(ctx.obj, dict) else {}
    clock: Clock = obj.get("clock") or SystemClock()
    transcript: Path | None = None
    if keep_transcript:
        transcript = data_dir() / f"rehearsal-{datetime.now().strftime('%Y%m%d-%H%M%S')}.txt"
    log = SessionLog()
    # The page has no nine-step path here: a rehearsal is not a session's steps.
    live_view = start_view(log, view, no_browser, "Rehearsal", path=False)
    if typed:
        speaker, listener, breather, partner = _typed(clock)
    else:
        speaker, listener, breather, partner = _live(config, clock, input_device, output_device)
    if live_view is not None:
        speaker, listener, breather = live_view.wrap(speaker, listener, breather)
    runner = Rehearsal(script, config, speaker, listener, breather, clock, partner=partner, deck=deck,
                       listen_only=listen_only, partner_name=partner_name, log=log, transcript=transcript,
                       rng=obj.get("rng"))
    try:
        result = runner.run()
    except KeyboardInterrupt:
        click.echo("\nStopped. Nothing was kept." if transcript is None else "\nStopped.", err=True)
        sys.exit(130)
    except DeviceError as exc:
        raise DeviceError(f"{str(exc).rstrip('.').split('; ')[0]}; reconnect it and run "
                          "`facilitator rehearse` again.") from exc
    finally:
        if events_path is not None:
            log.write_jsonl(events_path)
        if live_view is not None:
            live_view.finished(None)
            live_view.close(linger_s=0.5)
    click.echo("")
    click.echo(format_result(result))
    if transcript is not None:
        click.echo(f"Transcript kept in {transcript}")


@click.command("mirror")
@click.argument("share")
@click.option("--partner", default=None, metavar="NAME", help="Say the partner's name instead of 'they'.")
@click.option("--json", "as_json", is_flag=True, help='Print {"reflection": ..., "feelings": [...]}.')
def mirror_command(share: str, partner: str | None, as_json: bool) -> None:
    """Print what the facilitator would say back to a share: its feelings and what happened.

    Example: facilitator mirror "When you were late and didn't call, I felt worried and hurt."
    """
    from facilitator.mirror import mirror

    reflection = mirror(share, partner=partner)
    if as_json:
        click.echo(json.dumps({"reflection": reflection.text, "feelings": list(reflection.feelings)},
                              ensure_ascii=False))
    else:
        click.echo(reflection.text)


def _typed(clock: Clock) -> tuple[Speaker, Listener, Breather, Speaker]:
    from facilitator.adapters.console import ConsoleBreather, ConsoleListener, ConsoleSpeaker

    click.echo(TYPED_HELP)
    listener = ConsoleListener(sys.stdin, clock, note=lambda m: click.echo(m, err=True))
    partner = ConsoleSpeaker(lambda line: click.echo(line.replace("Facilitator:", "Practice partner:", 1)))
    return ConsoleSpeaker(click.echo), listener, ConsoleBreather(click.echo, clock), partner


def _live(config: Config, clock: Clock, input_device: str | None,
          output_device: str | None) -> tuple[Speaker, Listener, Breather, Speaker]:
    """The real room: the sound card's microphone and speaker, then the engines."""
    from facilitator.adapters.breathing_output import TimelineSpeaker
    from facilitator.adapters.soundcard import Microphone

    return rehearse_parts(config, clock, Microphone(input_device), TimelineSpeaker(output_device))


def rehearse_parts(config: Config, clock: Clock, source: AudioSource,
                   sink: AudioSink) -> tuple[Speaker, Listener, Breather, Speaker]:
    """The session's engines around any source and sink, and the practice partner's voice on the sink."""
    from facilitator.commands.session import live_parts
    from facilitator.speaking import VoiceSpeaker

    speaker, listener, breather, _voices = live_parts(config, clock, source, sink)
    partner = VoiceSpeaker(partner_voice(), sink, echo=lambda text: click.echo(f"Practice partner: {text}"))
    return speaker, listener, breather, partner


class ShiftedVoice:
    """A Synthesizer: another voice made from the Piper voice by the demo's resample trick.

    Each chunk is read as if recorded ``pitch`` times faster and resampled back to the voice's
    rate, which raises pitch and formants together (another vocal tract); a longer phoneme length
    offsets the speed change.
    """

    def __init__(self, synth: Synthesizer, pitch: float) -> None:
        self.synth = synth
        self.pitch = pitch
        self.sample_rate = synth.sample_rate

    def synthesize(self, text: str) -> Iterator[Audio]:
        """The voice's chunks, shifted."""
        from facilitator.audio import resample

        source_rate = int(round(self.sample_rate * self.pitch))
        for chunk in self.synth.synthesize(text):
            yield resample(chunk, source_rate, self.sample_rate)


def partner_voice() -> ShiftedVoice:
    """The practice partner: the demo's Sam voice (facilitator/data/demo/conversation.toml)."""
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.room import load_conversation

    sam = load_conversation().voices["Sam"]
    synth = load_voice(None, length_scale=sam.length_scale, noise_scale=sam.noise_scale,
                       noise_w=sam.noise_w_scale)
    return ShiftedVoice(synth, sam.pitch)


COMMANDS: list[click.Command] = [rehearse, mirror_command]
