"""Commands of the speech area: say, transcribe, listen, devices, check.

Engines are imported inside the command functions, so ``facilitator --help`` needs no PortAudio
and loads no model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import click

from facilitator.errors import DeviceError, FacilitatorError, InputError
from facilitator.ports import AudioSink


@click.command()
@click.argument("text", nargs=-1)
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the speech to this .wav file instead of playing it (no device needed).")
@click.option("--voice", default=None, metavar="NAME|PATH",
              help="A voice from voices/catalogue.toml, or the path of a Piper .onnx voice.")
@click.option("--output", "output", default=None, metavar="NAME|INDEX",
              help="Output device (see facilitator devices); default: the system's.")
@click.option("--length-scale", type=click.FloatRange(0.5, 2.0), default=None,
              help="Speaking pace: above 1 is slower.")
def say(text: tuple[str, ...], out: Path | None, voice: str | None, output: str | None,
        length_scale: float | None) -> None:
    """Speak TEXT aloud, sentence by sentence (Ctrl-C stops at once).

    Example: facilitator say "Let's take a slow breath together."
    """
    words = " ".join(text).strip()
    if not words:
        raise InputError('There is no text to say; give some words, e.g. facilitator say "Hello."')
    if out is not None and out.suffix.lower() != ".wav":
        raise InputError(f"The output {out} must end in .wav; give a .wav file name to --out.")
    if out is not None and not out.parent.is_dir():
        raise InputError(f"The folder {out.parent} does not exist; create it or give another --out.")
    from facilitator.adapters.piper import PiperSynthesizer
    from facilitator.models import resolve_voice
    from facilitator.speaking import VoiceSpeaker, WavFileSink

    chosen = resolve_voice(voice)  # a wrong name fails before any device or model is touched
    if out is None:
        from facilitator.adapters.soundcard import SoundcardSink

        sink: AudioSink = SoundcardSink(output)  # pick the device before the voice loads: fail fast
    else:
        sink = WavFileSink(out)
    synth = PiperSynthesizer.from_model(chosen, length_scale=length_scale)
    VoiceSpeaker(synth, sink).say("say", words)
    if out is not None:
        click.echo(f"Wrote {out}.")


@click.command()
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="One JSON line per segment: start_s, end_s, text.")
@click.option("--model", default=None, metavar="FOLDER|SIZE",
              help="A faster-whisper model folder, or a size name (needs --allow-download).")
@click.option("--allow-download", is_flag=True, help="Let a size name be downloaded from the model hub once.")
def transcribe(audio: Path, as_json: bool, model: str | None, allow_download: bool) -> None:
    """Print what is said in AUDIO (wav, flac or mp3; any sample rate; stereo folded to mono).

    Example: facilitator transcribe meeting.flac --json
    """
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.audio import load_audio

    samples = load_audio(audio)
    transcriber = WhisperTranscriber(model, allow_download=allow_download)
    result = transcriber.transcribe_file_audio(samples)
    if as_json:
        for seg in result.segments:
            click.echo(json.dumps({"start_s": round(seg.start_s, 2), "end_s": round(seg.end_s, 2),
                                   "text": seg.text}))
    elif result.text:
        click.echo(result.text)
    else:
        click.echo("(no speech found)", err=True)


@click.command()
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX",
              help="Microphone (see facilitator devices); default: the system's.")
@click.option("--file", "audio_file", type=click.Path(path_type=Path), default=None,
              help="Listen to a recording instead of the microphone (as fast as it can be read).")
@click.option("--seconds", type=click.FloatRange(min=0.5), default=None,
              help="Stop after this many seconds of audio (default: until Ctrl-C, or the file's end).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="A TOML settings file; its [listening] section tunes the cutting of utterances.")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per utterance: start_s, end_s, decided_s, complete_prob, text.")
def listen(input_device: str | None, audio_file: Path | None, seconds: float | None,
           config_path: Path | None, as_json: bool) -> None:
    """Print each utterance heard, with its start and end in seconds (Ctrl-C stops).

    The same loop the session uses: voice activity, the end-of-turn model (or the silence rule)
    cutting utterances by the [listening] settings, transcripts, phantom text dropped. decided_s is
    the stream time when the turn was judged over. Example: facilitator listen --file talk.wav --json
    """
    from facilitator.adapters.smart_turn import load_turn_detector
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.whisper import WhisperTranscriber
    from facilitator.config import load_config
    from facilitator.listening import StreamListener
    from facilitator.ports import AudioSource

    settings = load_config(config_path).listening
    if audio_file is not None:
        from facilitator.sources import AudioFileSource

        source: AudioSource = AudioFileSource.from_file(audio_file)
    else:
        from facilitator.adapters.soundcard import Microphone

        source = Microphone(input_device)
    transcriber = WhisperTranscriber(max_no_speech_prob=settings.max_no_speech_prob)
    turns = load_turn_detector(settings.end_of_turn, lambda line: click.echo(line, err=True))
    listener = StreamListener(source, SileroVad(), transcriber, settings, turns=turns)
    if audio_file is None:
        click.echo("Listening; press Ctrl-C to stop.", err=True)
    while not listener.ended and (seconds is None or listener.now_s < seconds):
        heard = listener.hear(timeout_s=1.0 if seconds is None else max(0.0, seconds - listener.now_s))
        if heard is None:
            continue
        if as_json:
            prob = None if heard.complete_prob is None else round(heard.complete_prob, 3)
            click.echo(json.dumps({"start_s": round(heard.start_s, 2), "end_s": round(heard.end_s, 2),
                                   "decided_s": round(heard.decided_s, 2), "complete_prob": prob,
                                   "text": heard.text}))
        else:
            click.echo(f"[{heard.start_s:7.2f} - {heard.end_s:7.2f}] {heard.text}")


@click.command()
def devices() -> None:
    """List input and output devices: index, name, channels in/out, default sample rate.

    Give an index or (part of) a name to --input / --output of the commands that use a device.
    """
    from facilitator.adapters.soundcard import list_devices

    found = list_devices()
    if not found:
        click.echo("No audio devices found.")
        return
    click.echo(f"{'index':>5}  {'in':>3} {'out':>3}  {'rate':>6}  name")
    for d in found:
        marks = " ".join(m for m, on in (("(default input)", d.default_input),
                                          ("(default output)", d.default_output)) if on)
        line = f"{d.index:>5}  {d.inputs:>3} {d.outputs:>3}  {d.default_rate:>6}  {d.name} {marks}"
        click.echo(line.rstrip())


@dataclass(frozen=True)
class CheckResult:
    """One line of ``facilitator check``."""

    item: str
    ok: bool
    detail: str
    """What was found, or what is wrong and the command that fixes it."""


def _run_check(item: str, probe: Callable[[], str]) -> CheckResult:
    try:
        return CheckResult(item, True, probe())
    except FacilitatorError as exc:
        return CheckResult(item, False, str(exc))


def _check_model(kind: str) -> str:
    from facilitator import models

    if kind == "whisper":
        model = models.bundled_whisper()
    elif kind == "voice":
        model = models.resolve_voice(None)
    elif kind == "vad":
        model = models.silero_vad()
    elif kind == "turn":
        model = models.smart_turn()
    else:
        from facilitator.adapters.voiceprint import WEIGHTS_SHA256, weights_path

        model = models.Model(
            "GE2E voice encoder", "voice encoder", (models.ModelFile(weights_path(), WEIGHTS_SHA256),),
            f"{models.REINSTALL} --no-deps resemblyzer==0.1.4",
        )
    models.verify(model)
    return f"{model.name} found, sha256 as expected"


def _check_portaudio() -> str:
    from facilitator.adapters.soundcard import sounddevice

    sd = sounddevice()
    return str(sd.get_portaudio_version()[1])


def _check_device(kind: str, spec: str | None) -> str:
    import numpy as np

    from facilitator.adapters.soundcard import pick_device, sounddevice
    from facilitator.audio import SAMPLE_RATE

    sd = sounddevice()
    device = pick_device(spec, kind)
    option = f"--{kind}"
    try:
        if kind == "input":
            with sd.InputStream(device=device.index, channels=1, dtype="float32",
                                samplerate=device.default_rate) as stream:
                stream.read(int(device.default_rate * 0.1))
        else:
            with sd.OutputStream(device=device.index, channels=1, dtype="float32",
                                 samplerate=device.default_rate or SAMPLE_RATE) as s:
                s.write(np.zeros((int(s.samplerate * 0.05), 1), dtype=np.float32))
    except (sd.PortAudioError, ValueError) as exc:
        raise DeviceError(
            f"The {kind} device {device.name} does not open ({exc}); pick another with {option} "
            "(see facilitator devices)."
        ) from exc
    return f"{device.index}: {device.name} opens"


@click.command()
@click.option("--offline-only", is_flag=True, help="Check the models only, not PortAudio or devices.")
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX", help="Input device to try.")
@click.option("--output", "output_device", default=None, metavar="NAME|INDEX", help="Output device to try.")
def check(offline_only: bool, input_device: str | None, output_device: str | None) -> None:
    """Check what a live session needs, one line per item, with the fix for each failure.

    Exits 0 only when a live session could run (with --offline-only: when the models are right).
    """
    results = [
        _run_check("speech recognition model", lambda: _check_model("whisper")),
        _run_check("facilitator voice", lambda: _check_model("voice")),
        _run_check("voice activity model", lambda: _check_model("vad")),
        _run_check("end-of-turn model", lambda: _check_model("turn")),
        _run_check("voice encoder", lambda: _check_model("encoder")),
    ]
    if not offline_only:
        results.append(_run_check("PortAudio", _check_portaudio))
        if results[-1].ok:
            results.append(_run_check("input device", lambda: _check_device("input", input_device)))
            results.append(_run_check("output device", lambda: _check_device("output", output_device)))
        else:
            for item in ("input device", "output device"):
                results.append(CheckResult(item, False, "needs PortAudio; install it first"))
    for r in results:
        click.echo(f"{'ok  ' if r.ok else 'FAIL'}  {r.item}: {r.detail}")
    if not all(r.ok for r in results):
        raise click.exceptions.Exit(1)


COMMANDS: list[click.Command] = [say, transcribe, listen, devices, check]
"""Click commands, one module per area; each exposes COMMANDS."""
