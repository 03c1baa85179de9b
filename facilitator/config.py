"""Settings as frozen, documented dataclasses, one section per component, loaded once from TOML.

Each helper area owns its section; add fields with a default, a unit in the name and a range in
``_RANGES``. An unknown key or a value out of range is a ConfigError naming the file and key.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from facilitator.errors import ConfigError


@dataclass(frozen=True)
class ListeningConfig:
    """Voice activity, cutting utterances, and the half-duplex tail."""

    vad_threshold: float = 0.5
    """Speech probability at or above which a block counts as speech (0-1)."""
    start_s: float = 0.25
    """Speech needed before an utterance starts (s)."""
    stop_s: float = 0.7
    """Silence needed before an utterance ends (s)."""
    vad_hysteresis: float = 0.15
    """Once speech has started, it continues until the probability falls this far below vad_threshold."""
    pre_roll_s: float = 0.3
    """Audio kept before the detected start, so first syllables are not clipped (s)."""
    post_roll_s: float = 0.2
    """Audio kept after the detected end, so last syllables are not clipped (s; at most stop_s)."""
    early_transcription: bool = True
    """Transcribe during the stop silence so the answer is ready when the utterance ends."""
    min_utterance_s: float = 0.3
    """Shorter bursts are dropped as clicks (s)."""
    max_utterance_s: float = 60.0
    """An utterance with no pause at all for this long is cut and passed on in pieces (s); one
    longer than ``piece_s`` is passed on at its next short pause instead, so no word is cut."""
    piece_s: float = 20.0
    """Speech after which an utterance is passed on at its next short pause, a piece of a longer
    turn, so Whisper hears it whole (s)."""
    mute_tail_s: float = 0.4
    """After the facilitator speaks, the microphone is ignored this much longer (s)."""
    max_no_speech_prob: float = 0.6
    """Whisper's no-speech threshold: a segment above it is dropped only when the decoder was also
    unsure and the VAD did not clearly hear speech (speech_filter.is_no_speech) (0-1)."""
    end_of_turn: str = "model"
    """"model": the Smart Turn model judges, after a short pause, whether a turn sounds finished;
    "silence": a turn's utterance ends after stop_s of silence (the old fixed rule)."""
    turn_pause_s: float = 0.2
    """Silence after which the end-of-turn model is asked (s)."""
    turn_complete_min: float = 0.6
    """The model's probability at or above which a turn has ended (0-1)."""
    turn_complete_wait_s: float = 0.65
    """Silence a turn the model calls finished still needs before it is answered (s). The model
    also calls finished the pause after a first sentence ("Hi, I'm Sam." 0.95); pauses between
    sentences of one turn run 0.25-0.6 s, so a shorter wait answers people who had more to say."""
    turn_incomplete_max: float = 0.25
    """Below this the turn sounds unfinished: keep listening up to incomplete_cap_s (0-1)."""
    incomplete_cap_s: float = 3.0
    """Silence that ends even a turn that sounds unfinished (s)."""
    hold_min_speech_s: float = 1.0
    """Shorter speech is never held open as unfinished: a listener's "yeah, okay" sounds unfinished
    to the model, and held, it merged with the sharer going on (s)."""


@dataclass(frozen=True)
class SpeakersConfig:
    """Attributing utterances to the two enrolled voices."""

    min_attribution_s: float = 1.0
    """Speech shorter than this is never attributed (s)."""
    window_s: float = 1.5
    """Long utterances are scored in windows of this length (s)."""
    window_hop_s: float = 0.5
    """The windows of an utterance start this far apart (s; they overlap when under window_s)."""
    default_margin: float = 0.08
    """Cosine margin between the two voices needed to decide, before calibration."""
    min_margin: float = 0.03
    """Calibration never lowers the margin threshold under this (cosine)."""
    calibration_share: float = 0.5
    """The calibrated threshold is this share of the pair's low (20th percentile) enrolment margin."""
    enrol_target_s: float = 8.0
    """Live enrolment records until it has this much voiced speech (s)."""
    enrol_min_voiced_s: float = 6.0
    """Enrolment audio with less voiced speech is refused (s)."""
    enrol_min_snr_db: float = 10.0
    """Enrolment speech must be this much louder than the background (dB)."""
    enrol_max_clipped_share: float = 0.002
    """Enrolment audio with a larger share of full-scale samples is refused as distorted (0-1)."""
    refresh_min_voiced_s: float = 3.0
    """A returning person's voiceprint is refreshed from at least this much voiced speech (s)."""
    refresh_min_cosine: float = 0.8
    """Speech refreshing a voiceprint must reach this cosine to the stored voice (on LibriSpeech:
    the same person 0.84 or more, two different people at most 0.76)."""
    enrol_min_consistency: float = 0.75
    """The two sides of the best two-way split of the enrolment windows must reach this cosine
    (one voice; two people taking turns score 0.6-0.7, one person 0.8-0.9)."""


@dataclass(frozen=True)
class BreathingConfig:
    """The breathing exercise of step 1 and of breaks."""

    pattern: str = "resonance"
    minutes: float = 2.0
    """Length of the step-1 exercise (min)."""
    break_minutes: float = 2.0
    """Length of a breathing break asked for mid-session (min)."""
    voice: bool = True
    """Speak a short cue at each phase change (and the intro and close)."""
    tones: bool = True
    """Sound a soft tone at each phase change, so eyes can stay closed."""
    count: bool = False
    """Count the seconds of each phase softly ("two", "three", ...)."""
    voice_gain: float = 0.7
    """Peak level of the spoken cues (0-1 of full scale)."""
    tone_gain: float = 0.25
    """Peak level of the tones (0-1 of full scale)."""
    count_gain: float = 0.3
    """Peak level of the soft counting (0-1 of full scale)."""
    lead_s: float = 0.3
    """Live playback: how far ahead of the clock audio is handed to the output (s); more absorbs
    CPU hiccups, less makes "stop" take effect sooner."""


@dataclass(frozen=True)
class SessionConfig:
    """Timing and patience of the session flow."""

    long_silence_s: float = 8.0
    """After this much silence in a share, ask gently whether there is more (s)."""
    answer_timeout_s: float = 20.0
    """How long to wait for an answer to a question before asking again (s)."""
    positive_intent_quiet_s: float = 5.0
    """Quiet seconds after the positive-intent reminder (s)."""
    max_reflection_retries: int = 2
    """Invitations to try the reflection again before moving on kindly."""
    interruption_min_s: float = 0.7
    """Listener speech over the sharer shorter than this is a continuer (s)."""
    interruption_min_words: int = 3
    """Listener speech over the sharer with fewer words is a continuer."""
    interruption_min_windows: int = 2
    """In an utterance mostly of the floor holder, consecutive ~1.5 s windows (0.5 s apart) nearer
    the other voice needed to call it an interruption: two span 2 s (one stray window is within
    the encoder's error rate)."""
    interruption_lean_margin: float = 0.08
    """How much nearer the other voice than the floor holder's (cosine) each of those windows must
    be: the default attribution margin, and never the lower one calibrated for close voices (0.03
    let single words of the other through on the test couples)."""
    reflection_pause_s: float = 2.5
    """After a reflection (or acknowledgement, reassurance), silence that ends it (s)."""
    turn_confirm_s: float = 0.85
    """The same, after an utterance the end-of-turn model heard as a finished turn (s): with the
    listener's turn_complete_wait_s, 1.5 s of silence in all (on AMI meetings a shorter wait
    answered people who went on after a finished-sounding sentence)."""
    max_check_rounds: int = 3
    """Times the sharer may say "that's not quite it" before the session moves on kindly."""
    answer_attempts: int = 3
    """Unclear or missing answers to a question before the session takes the gentle default."""
    device_retry_s: float = 3.0
    """Wait between attempts to get a lost microphone back (s)."""
    device_retries: int = 10
    """Attempts to get a lost microphone back before saving and exiting with a --resume hint."""


@dataclass(frozen=True)
class Config:
    """All settings."""

    listening: ListeningConfig = field(default_factory=ListeningConfig)
    speakers: SpeakersConfig = field(default_factory=SpeakersConfig)
    breathing: BreathingConfig = field(default_factory=BreathingConfig)
    session: SessionConfig = field(default_factory=SessionConfig)


_RANGES: dict[str, tuple[float, float]] = {
    "listening.vad_threshold": (0.05, 0.95),
    "listening.start_s": (0.05, 2.0),
    "listening.stop_s": (0.2, 5.0),
    "listening.vad_hysteresis": (0.0, 0.4),
    "listening.pre_roll_s": (0.0, 1.0),
    "listening.post_roll_s": (0.0, 1.0),
    "listening.min_utterance_s": (0.0, 2.0),
    "listening.max_utterance_s": (5.0, 300.0),
    "listening.piece_s": (5.0, 300.0),
    "listening.turn_pause_s": (0.1, 2.0),
    "listening.turn_complete_min": (0.0, 1.0),
    "listening.turn_complete_wait_s": (0.1, 3.0),
    "listening.turn_incomplete_max": (0.0, 1.0),
    "listening.incomplete_cap_s": (0.5, 10.0),
    "listening.hold_min_speech_s": (0.0, 10.0),
    "listening.mute_tail_s": (0.0, 2.0),
    "listening.max_no_speech_prob": (0.0, 1.0),
    "speakers.min_attribution_s": (0.3, 5.0),
    "speakers.window_s": (0.8, 5.0),
    "speakers.window_hop_s": (0.1, 5.0),
    "speakers.default_margin": (0.0, 1.0),
    "speakers.min_margin": (0.0, 1.0),
    "speakers.calibration_share": (0.0, 2.0),
    "speakers.enrol_target_s": (3.0, 60.0),
    "speakers.enrol_min_voiced_s": (1.0, 60.0),
    "speakers.enrol_min_snr_db": (0.0, 60.0),
    "speakers.enrol_max_clipped_share": (0.0, 1.0),
    "speakers.enrol_min_consistency": (-1.0, 1.0),
    "speakers.refresh_min_voiced_s": (1.0, 60.0),
    "speakers.refresh_min_cosine": (-1.0, 1.0),
    "breathing.minutes": (0.1, 30.0),
    "breathing.break_minutes": (0.1, 30.0),
    "breathing.voice_gain": (0.0, 1.0),
    "breathing.tone_gain": (0.0, 1.0),
    "breathing.count_gain": (0.0, 1.0),
    "breathing.lead_s": (0.05, 2.0),
    "session.long_silence_s": (2.0, 120.0),
    "session.answer_timeout_s": (3.0, 300.0),
    "session.positive_intent_quiet_s": (0.0, 60.0),
    "session.max_reflection_retries": (0, 5),
    "session.interruption_min_s": (0.1, 5.0),
    "session.interruption_min_words": (1, 20),
    "session.interruption_min_windows": (1, 10),
    "session.interruption_lean_margin": (0.0, 1.0),
    "session.reflection_pause_s": (0.5, 30.0),
    "session.turn_confirm_s": (0.0, 30.0),
    "session.max_check_rounds": (0, 10),
    "session.answer_attempts": (1, 10),
    "session.device_retry_s": (0.1, 60.0),
    "session.device_retries": (0, 100),
}


_CHOICES: dict[str, tuple[str, ...]] = {
    "listening.end_of_turn": ("model", "silence"),
}


def load_config(path: str | Path | None = None, overrides: dict[str, Any] | None = None) -> Config:
    """Load settings from a TOML file (or defaults), then apply ``{"section.key": value}`` overrides.

    Raises:
        ConfigError: the file is unreadable, a key is unknown, or a value is of the wrong type or range.
    """
    where = str(path) if path else "the defaults"
    raw: dict[str, Any] = {}
    if path is not None:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError as exc:
            raise ConfigError(f"Cannot find the config file {path}; check the path.") from exc
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"Cannot read the config file {path} ({exc}); fix its TOML.") from exc
    for dotted, value in (overrides or {}).items():
        section, _, key = dotted.partition(".")
        raw.setdefault(section, {})[key] = value
    sections: dict[str, Any] = {}
    for f in dataclasses.fields(Config):
        section_raw = raw.pop(f.name, {})
        if not isinstance(section_raw, dict):
            raise ConfigError(f"In {where}, [{f.name}] must be a table; fix that section.")
        cls = f.default_factory
        sections[f.name] = _build_section(cls, f.name, section_raw, where)  # type: ignore[arg-type]
    if raw:
        name = sorted(raw)[0]
        known = ", ".join(f.name for f in dataclasses.fields(Config))
        raise ConfigError(f"In {where}, the section [{name}] is unknown; use one of: {known}.")
    return Config(**sections)


def _build_section(cls: type, name: str, values: dict[str, Any], where: str) -> Any:
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(
                f"In {where}, [{name}] has an unknown key '{key}'; known keys: {', '.join(known)}."
            )
        default = known[key].default
        if isinstance(default, bool) != isinstance(value, bool) or (
            isinstance(default, (int, float)) and not isinstance(value, (int, float))
        ) or (isinstance(default, str) and not isinstance(value, str)):
            raise ConfigError(
                f"In {where}, {name}.{key} must be a {type(default).__name__}; fix its value."
            )
        if isinstance(default, int) and not isinstance(default, bool) and isinstance(value, float):
            if not value.is_integer():
                raise ConfigError(f"In {where}, {name}.{key} must be a whole number; fix its value.")
            value = int(value)
            values[key] = value
        choices = _CHOICES.get(f"{name}.{key}")
        if choices and value not in choices:
            raise ConfigError(
                f"In {where}, {name}.{key} = {value!r} is not known; use one of: {', '.join(choices)}."
            )
        bounds = _RANGES.get(f"{name}.{key}")
        if bounds and not bounds[0] <= value <= bounds[1]:
            raise ConfigError(
                f"In {where}, {name}.{key} = {value} is out of range; use {bounds[0]} to {bounds[1]}."
            )
    return cls(**values)
