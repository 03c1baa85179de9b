"""Commands of the voices area: enroll, voices (list, forget) and identify.

Engines (the voice encoder, the VAD, Whisper, Piper, the microphone) are imported inside the
command functions, so ``facilitator --help`` loads none of them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from facilitator.errors import InputError

if TYPE_CHECKING:
    from facilitator.audio import Audio
    from facilitator.config import Config
    from facilitator.ports import AudioSource
    from facilitator.speakers import VoiceMatcher, Voiceprint
    from facilitator.voiceprints import VoiceprintFiles

ENROL_PROMPT = (
    "Please read this aloud, in your everyday voice: "
    "On quiet mornings I like to open the window, make a warm drink, and listen to the street wake up. "
    "Some days are busy and some are slow, and that is all right. "
    "When I talk with people I care about, I try to say what I feel and to hear what they feel too."
)
"""Written for this program: about 15 s of ordinary sentences, enough for 8 s of voiced speech."""

ENROL_RETRY = "Let's try once more. {reason}"
ENROL_DONE = "Thank you, {name}. I will know your voice now."
MAX_ATTEMPTS = 3
MAX_RECORD_S = 45.0
"""Live enrolment stops recording after this long even without enough speech (s)."""

_CONFIG_OPTION = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), default=None,
    help="A TOML settings file (see the [speakers] section).",
)


def _config(path: Path | None) -> Config:
    from facilitator.config import load_config

    return load_config(path)


def _matcher(config: Config, store: VoiceprintFiles | None = None) -> VoiceMatcher:
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.voiceprint import GE2EEncoder
    from facilitator.speakers import VoiceMatcher
    from facilitator.voiceprints import VoiceprintFiles

    return VoiceMatcher(GE2EEncoder(), store or VoiceprintFiles(), SileroVad(), config.speakers)


@click.command()
@click.argument("name")
@click.option("--from-file", "from_file", type=click.Path(dir_okay=False, path_type=Path), default=None,
              metavar="WAV", help="Enrol from a recording of this person alone instead of the microphone.")
@click.option("--input", "input_device", default=None, metavar="NAME|INDEX",
              help="Microphone (default: the system's).")
@click.option("--output", "output_device", default=None, metavar="NAME|INDEX",
              help="Speaker for the spoken prompt (default: the system's).")
@click.option("--silent", is_flag=True, help="Show the prompt without speaking it.")
@_CONFIG_OPTION
def enroll(name: str, from_file: Path | None, input_device: str | None, output_device: str | None,
           silent: bool, config_path: Path | None) -> None:
    """Learn NAME's voice from about 8 s of their speech and keep it on this computer (no audio kept).

    Examples: facilitator enroll Sam; facilitator enroll Sam --from-file sam.wav
    """
    from facilitator.voiceprints import VoiceprintFiles, check_name

    name = check_name(name)
    config = _config(config_path)
    store = VoiceprintFiles()
    matcher = _matcher(config, store)
    refreshing = matcher.has(name)
    if from_file is not None:
        from facilitator.audio import load_audio

        matcher.enroll(name, load_audio(from_file))
    else:
        _enroll_live(matcher, name, config, input_device, output_device, silent)
    verb = "Refreshed" if refreshing else "Stored"
    click.echo(f"{verb} the voiceprint of {name} in {store.path_for(name)}.")


def _enroll_live(matcher: VoiceMatcher, name: str, config: Config, input_device: str | None,
                 output_device: str | None, silent: bool) -> None:
    from facilitator.adapters.soundcard import Microphone

    microphone = Microphone(input_device)  # fail fast on a missing microphone, before the voice loads
    enroll_from(matcher, name, config, microphone, _prompt_speaker(output_device, silent))


def enroll_from(matcher: VoiceMatcher, name: str, config: Config, microphone: AudioSource,
                say: Callable[[str], None]) -> None:
    """Show and speak the prompt, record, check; ask again with the reason, up to MAX_ATTEMPTS.

    Half-duplex: each attempt opens the microphone only after the prompt has been spoken.

    Raises:
        InputError: the last attempt was still unusable (the message says why).
    """
    say(f"Hello {name}. {ENROL_PROMPT}")
    for attempt in range(1, MAX_ATTEMPTS + 1):
        audio = _record(microphone, matcher, config)
        try:
            matcher.enroll(name, audio)
        except InputError as exc:
            if attempt == MAX_ATTEMPTS:
                raise
            say(ENROL_RETRY.format(reason=exc))
            continue
        say(ENROL_DONE.format(name=name))
        return


def _prompt_speaker(output_device: str | None, silent: bool) -> Callable[[str], None]:
    """Show each text; also speak it unless ``silent``."""
    if silent:
        return click.echo
    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.soundcard import SoundcardSink
    from facilitator.speaking import VoiceSpeaker

    speaker = VoiceSpeaker(load_voice(), SoundcardSink(output_device), echo=click.echo)
    return lambda text: speaker.say("voices.enroll", text)


def _record(microphone: AudioSource, matcher: VoiceMatcher, config: Config) -> Audio:
    """Record until there is ``enrol_target_s`` of voiced speech and the person pauses (or a limit)."""
    import numpy as np

    from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE

    click.echo("(listening... speak now)", err=True)
    detector = matcher.detector
    detector.reset()
    blocks = []
    voiced_s = 0.0
    block_s = BLOCK_SAMPLES / SAMPLE_RATE
    for block in microphone.blocks():
        blocks.append(block)
        speech = detector.speech_prob(block) >= 0.5
        voiced_s += block_s if speech else 0.0
        heard_s = len(blocks) * block_s
        if (voiced_s >= config.speakers.enrol_target_s and not speech) or heard_s >= MAX_RECORD_S:
            break
    click.echo(f"(heard {voiced_s:.1f} s of speech)", err=True)
    return np.concatenate(blocks) if blocks else np.zeros(0, dtype=np.float32)


@click.group(invoke_without_command=True)
@click.pass_context
def voices(ctx: click.Context) -> None:
    """List the stored voiceprints (or forget one: facilitator voices forget NAME)."""
    if ctx.invoked_subcommand is not None:
        return
    from facilitator.voiceprints import VoiceprintFiles

    stored = VoiceprintFiles().list()
    if not stored:
        click.echo("No voiceprints stored; enrol someone with: facilitator enroll NAME")
        return
    for voice in stored:
        note = "" if voice.usable else "  (from another version: enrol again)"
        click.echo(f"{voice.name}\t{voice.speech_s:.0f} s of speech\tupdated {voice.updated}{note}")


@voices.command()
@click.argument("name")
def forget(name: str) -> None:
    """Delete NAME's voiceprint from this computer.

    Example: facilitator voices forget Sam
    """
    from facilitator.voiceprints import VoiceprintFiles

    VoiceprintFiles().forget(name)
    click.echo(f"Forgot the voiceprint of {name}.")


@click.command()
@click.argument("audio", type=click.Path(path_type=Path))
@click.option("--voice", "voice_specs", multiple=True, required=True, metavar="NAME[=WAV]",
              help="A person: NAME=WAV enrols from a recording of them alone, NAME uses a stored voiceprint. "
              "Give exactly two.")
@click.option("--floor", "floor_name", default=None, metavar="NAME",
              help="Who holds the floor (shares) in the recording, for the overlap decision "
              "(default: the first --voice).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object per line: start_s, end_s, speaker (null when unsure), margin, text, "
              "utterance, overlap, by, reminder.")
@click.option("--no-text", is_flag=True, help="Skip transcription (faster); text is empty.")
@_CONFIG_OPTION
def identify(audio: Path, voice_specs: tuple[str, ...], floor_name: str | None, as_json: bool, no_text: bool,
             config_path: Path | None) -> None:
    """Split AUDIO into utterances, say who of the two people spoke each one, and whether it talked over.

    The overlap decision is the session's own (same code, same [session] thresholds), made on each
    utterance as the session hears it, with --floor holding the floor.

    Example: facilitator identify talk.wav --voice Sam=sam.wav --voice Alex=alex.wav --floor Sam
    """
    from facilitator.audio import load_audio
    from facilitator.events import Heard
    from facilitator.listening import utterances_from_audio
    from facilitator.overlap import review, turn_rules
    from facilitator.turns import Floor

    if len(voice_specs) != 2:
        raise InputError(
            f"identify needs exactly two voices, got {len(voice_specs)}; give --voice twice, "
            "e.g. --voice Sam=sam.wav --voice Alex=alex.wav."
        )
    config = _config(config_path)
    recording = load_audio(audio)
    matcher = _matcher(config)
    prints = [_voiceprint(matcher, spec) for spec in voice_specs]
    names = (prints[0].name, prints[1].name)
    if names[0].casefold() == names[1].casefold():
        raise InputError(f"Both voices are named {names[0]}; give two different people.")
    holder = _floor_holder(floor_name, names)
    matcher.use_voiceprints(prints[0], prints[1])
    floor = Floor(holder, names[1] if holder == names[0] else names[0], turn_rules(config.session))
    transcribe = _transcriber(no_text)
    for index, utterance in enumerate(utterances_from_audio(recording, matcher.detector, config.listening)):
        pieces = [(whole, transcribe(samples)) for whole, samples in matcher.turns(utterance.audio,
                                                                                   utterance.start_s)]
        whole, windows = matcher.attribute(utterance.audio, utterance.start_s)
        said = " ".join(text for _, text in pieces if text)
        heard = Heard(utterance.start_s, utterance.end_s, said, whole.speaker, whole.margin, windows)
        # The session never hears an utterance without words; with --no-text the words are unknown.
        decided = review(floor, heard) if said or no_text else None
        for number, (piece, text) in enumerate(pieces):
            if as_json:
                click.echo(json.dumps({
                    "start_s": round(piece.start_s, 2), "end_s": round(piece.end_s, 2),
                    "speaker": piece.speaker, "margin": round(piece.margin, 3), "text": text,
                    "utterance": index, "overlap": decided.overlap if decided else None,
                    "by": decided.by if decided else None, "reminder": bool(decided and decided.reminder),
                }))
            else:
                note = ""
                if number == 0 and decided and decided.overlap:  # once per utterance, on its first line
                    note = decided.overlap + (f" by {decided.by}" if decided.by else "")
                    note = f"[{note}{', reminder' if decided.reminder else ''}]  "
                click.echo(f"{piece.start_s:7.2f} {piece.end_s:7.2f}  {piece.speaker or 'unsure':<12} "
                           f"{piece.margin:+.3f}  {note}{text}")


def _floor_holder(floor_name: str | None, names: tuple[str, str]) -> str:
    if floor_name is None:
        return names[0]
    for name in names:
        if name.casefold() == floor_name.casefold():
            return name
    raise InputError(f"--floor {floor_name} is neither voice; give --floor {names[0]} or --floor {names[1]}.")


def _voiceprint(matcher: VoiceMatcher, spec: str) -> Voiceprint:
    from facilitator.audio import load_audio
    from facilitator.voiceprints import check_name

    name, sep, wav = spec.partition("=")
    name = check_name(name)
    if not sep:
        stored = matcher.store.load(name)
        if stored is None:
            raise InputError(
                f"There is no stored voiceprint for {name}; enrol them with `facilitator enroll {name}` "
                f"or give a recording with --voice {name}=WAV."
            )
        return stored
    if not wav:
        raise InputError(f"--voice {spec} names no recording; write it as --voice {name}=FILE.wav.")
    try:
        return matcher.voiceprint_from(name, load_audio(wav))
    except InputError as exc:
        raise InputError(f"The recording for {name} ({wav}) cannot be used: {exc}") from exc


def _transcriber(no_text: bool) -> Callable[[Audio], str]:
    if no_text:
        return lambda _audio: ""
    from facilitator.adapters.whisper import WhisperTranscriber

    whisper = WhisperTranscriber()
    return lambda samples: whisper.transcribe(samples).text.strip()


COMMANDS: list[click.Command] = [enroll, voices, identify]
