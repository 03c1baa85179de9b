"""Speaker matching, the voiceprint store and the enrolment gate, on the real encoder and VAD."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import numpy as np
import pytest

from facilitator.adapters.vad import SileroVad
from facilitator.adapters.voiceprint import GE2EEncoder
from facilitator.audio import SAMPLE_RATE, load_audio
from facilitator.config import SpeakersConfig
from facilitator.enrolment import assess, consistency
from facilitator.errors import InputError, StateError
from facilitator.speakers import VoiceMatcher, Voiceprint, calibrate, window_spans
from facilitator.voiceprints import VoiceprintFiles

LIBRI = "speech/librispeech-test-other-10spk"


@pytest.fixture(scope="module")
def encoder() -> GE2EEncoder:
    return GE2EEncoder()


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def _speaker(shared: Path, speaker: str, first: int, count: int) -> np.ndarray:
    files = sorted((shared / LIBRI / speaker).glob("*.flac"))[first : first + count]
    return np.concatenate([load_audio(f) for f in files])


def _matcher(encoder: GE2EEncoder, vad: SileroVad) -> VoiceMatcher:
    return VoiceMatcher(encoder, VoiceprintFiles(), vad, SpeakersConfig())


def test_window_spans_cover_the_audio_in_near_equal_parts() -> None:
    spans = window_spans(int(4.4 * SAMPLE_RATE), 1.5)
    assert len(spans) == 3
    assert spans[0][0] == 0 and spans[-1][1] == int(4.4 * SAMPLE_RATE)
    assert all(b == c for (_, b), (c, _) in zip(spans[:-1], spans[1:], strict=True))
    assert window_spans(100, 1.5) == [(0, 100)]


def test_store_round_trip_is_private(tmp_path: Path) -> None:
    store = VoiceprintFiles(tmp_path / "voiceprints")
    windows = np.eye(4, 256, dtype=np.float32)
    store.save(Voiceprint("Ana María", windows, 6.5))
    path = store.path_for("ana maría")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    loaded = store.load("ANA MARÍA")
    assert loaded is not None and loaded.name == "Ana María"
    assert np.array_equal(loaded.windows, windows)
    assert [v.name for v in store.list()] == ["Ana María"]
    assert b"RIFF" not in path.read_bytes()  # no audio kept
    store.forget("Ana María")
    assert store.load("Ana María") is None
    with pytest.raises(InputError, match="no voiceprint"):
        store.forget("Ana María")


def test_store_rejects_a_file_from_another_version(tmp_path: Path) -> None:
    store = VoiceprintFiles(tmp_path)
    store.save(Voiceprint("Sam", np.eye(4, 256, dtype=np.float32), 6.0))
    path = store.path_for("Sam")
    record = json.loads(path.read_text())
    record["version"] = 99
    path.write_text(json.dumps(record))
    with pytest.raises(StateError, match="another version.*facilitator enroll Sam"):
        store.load("Sam")
    assert [(v.name, v.usable) for v in store.list()] == [("Sam", False)]


def test_unusable_names_are_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        VoiceprintFiles(tmp_path).path_for("   ")


def test_gate_refuses_silence_and_noise(encoder: GE2EEncoder, vad: SileroVad, shared_data: Path) -> None:
    config = SpeakersConfig()
    silence = np.zeros(9 * SAMPLE_RATE, dtype=np.float32)
    report = assess(silence, encoder, vad, config)
    assert report.reason is not None and "no clear speech" in report.reason
    noise = load_audio(shared_data / "speech/speechbrain/noise/noise1.wav")
    report = assess(noise, encoder, vad, config)
    assert report.reason is not None and "speech" in report.reason
    rng = np.random.default_rng(1)
    hiss = (rng.standard_normal(9 * SAMPLE_RATE) * 0.2).astype(np.float32)
    assert assess(hiss, encoder, vad, config).reason is not None
    t = np.arange(9 * SAMPLE_RATE) / SAMPLE_RATE
    notes = sum(np.sin(2 * np.pi * f * t) for f in (261.6, 329.6, 392.0, 523.3))
    chords = (0.1 * notes * np.exp(-3 * (t % 0.5))).astype(np.float32)  # struck chords, twice a second
    report = assess(chords, encoder, vad, config)
    assert report.reason is not None and "music" in report.reason


def test_gate_accepts_one_voice_and_refuses_two_or_clipping(
    encoder: GE2EEncoder, vad: SileroVad, shared_data: Path
) -> None:
    config = SpeakersConfig()
    one = _speaker(shared_data, "2414", 0, 3)[: 10 * SAMPLE_RATE]
    report = assess(one, encoder, vad, config)
    assert report.reason is None, report
    assert report.voiced_s >= config.enrol_min_voiced_s and len(report.windows) >= 4
    other = _speaker(shared_data, "3005", 0, 3)
    s3 = 3 * SAMPLE_RATE
    turns = np.concatenate([one[:s3], other[:s3], one[s3 : 2 * s3], other[s3 : 2 * s3]])
    report = assess(turns, encoder, vad, config)
    assert report.reason is not None and "more than one voice" in report.reason
    assert report.consistency < consistency(assess(one, encoder, vad, config).windows)
    loud = np.clip(one * 30, -1, 1)
    report = assess(loud, encoder, vad, config)
    assert report.reason is not None and "too loud" in report.reason


def test_enrol_use_attribute(encoder: GE2EEncoder, vad: SileroVad, shared_data: Path) -> None:
    matcher = _matcher(encoder, vad)
    matcher.enroll("Ada", _speaker(shared_data, "1688", 0, 2))
    matcher.enroll("Bo", _speaker(shared_data, "2033", 0, 2))
    assert matcher.has("ada") and not matcher.has("Cy")
    matcher.use(("Ada", "Bo"))
    ada = load_audio(sorted((shared_data / LIBRI / "1688").glob("*.flac"))[5])
    whole, windows = matcher.attribute(ada, 10.0)
    assert whole.speaker == "Ada" and whole.margin > 0
    assert whole.start_s == 10.0 and whole.end_s == pytest.approx(10.0 + len(ada) / SAMPLE_RATE)
    assert len(windows) >= 2 and windows[0].start_s == 10.0
    assert all(w.speaker in ("Ada", None) for w in windows)
    short, none = matcher.attribute(ada[: int(0.8 * SAMPLE_RATE)], 0.0)
    assert short.speaker is None and short.margin == 0.0 and none == ()


def test_second_voice_inside_one_utterance_shows_in_windows(
    encoder: GE2EEncoder, vad: SileroVad, shared_data: Path
) -> None:
    matcher = _matcher(encoder, vad)
    a = _speaker(shared_data, "367", 0, 3)
    b = _speaker(shared_data, "533", 0, 3)
    matcher.use_voiceprints(matcher.voiceprint_from("A", a), matcher.voiceprint_from("B", b))
    tail_a = _speaker(shared_data, "367", 4, 1)[: 3 * SAMPLE_RATE]
    tail_b = _speaker(shared_data, "533", 4, 1)[: 3 * SAMPLE_RATE]
    _, windows = matcher.attribute(np.concatenate([tail_a, tail_b]), 0.0)
    said = [w.speaker for w in windows]
    assert said[0] == "A" and said[-1] == "B"


def test_refresh_keeps_the_person_and_adds_speech(
    encoder: GE2EEncoder, vad: SileroVad, shared_data: Path
) -> None:
    matcher = _matcher(encoder, vad)
    matcher.enroll("Ada", _speaker(shared_data, "1688", 0, 2))
    before = matcher.store.load("Ada")
    matcher.enroll("Ada", _speaker(shared_data, "1688", 2, 2))
    after = matcher.store.load("Ada")
    assert before is not None and after is not None
    assert len(after.windows) > len(before.windows) and after.speech_s > before.speech_s
    with pytest.raises(InputError, match="does not sound like"):
        matcher.enroll("Ada", _speaker(shared_data, "2033", 0, 2))
    assert len(matcher.store.load("Ada").windows) == len(after.windows)  # type: ignore[union-attr]


def test_use_needs_two_stored_people(encoder: GE2EEncoder, vad: SileroVad) -> None:
    matcher = _matcher(encoder, vad)
    with pytest.raises(InputError, match="no voiceprint for Ada"):
        matcher.use(("Ada", "Zed"))
    with pytest.raises(InputError, match="two different"):
        matcher.use(("Ada", "ada"))
    with pytest.raises(StateError):
        matcher.attribute(np.zeros(SAMPLE_RATE * 2, dtype=np.float32), 0.0)


def test_calibration_lowers_threshold_for_close_voices() -> None:
    rng = np.random.default_rng(0)
    base = rng.standard_normal(256)

    def voice(centre: np.ndarray, spread: float) -> Voiceprint:
        w = centre + spread * rng.standard_normal((6, 256))
        return Voiceprint("x", (w / np.linalg.norm(w, axis=1, keepdims=True)).astype(np.float32), 9.0)

    config = SpeakersConfig()
    far = calibrate(voice(base, 1.0), voice(rng.standard_normal(256), 1.0), config)
    close = calibrate(voice(base, 1.0), voice(base + 0.3 * rng.standard_normal(256), 1.0), config)
    assert far == config.default_margin
    assert config.min_margin <= close < far
