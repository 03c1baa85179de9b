"""The voices commands: enroll --from-file, voices, voices forget, identify (real engines)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from click.testing import CliRunner

from facilitator.audio import SAMPLE_RATE, load_audio, write_wav
from facilitator.cli import main

SAMPLE = "speech/pyannote-sample"


def _rttm(path: Path) -> list[tuple[float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        p = line.split()
        rows.append((float(p[3]), float(p[3]) + float(p[4]), p[7]))
    return rows


def _clip(audio: np.ndarray, spans: list[tuple[float, float]], path: Path) -> Path:
    write_wav(path, np.concatenate([audio[int(a * SAMPLE_RATE) : int(b * SAMPLE_RATE)] for a, b in spans]))
    return path


def test_identify_matches_the_rttm(shared_data: Path, tmp_path: Path) -> None:
    """Enrolled from clean turns of the same file (its only two speakers), then whole-file review."""
    audio = load_audio(shared_data / SAMPLE / "sample.wav")
    s90 = _clip(audio, [(8.35, 9.92), (11.03, 14.49), (18.59, 21.49)], tmp_path / "s90.wav")
    s91 = _clip(audio, [(14.7, 17.92), (21.78, 27.85)], tmp_path / "s91.wav")
    result = CliRunner().invoke(main, ["identify", str(shared_data / SAMPLE / "sample.wav"),
                                       "--voice", f"speaker90={s90}", "--voice", f"speaker91={s91}",
                                       "--json", "--no-text"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert rows and set(rows[0]) == {"start_s", "end_s", "speaker", "margin", "text", "utterance", "overlap",
                                     "by", "reminder"}
    truth = _rttm(shared_data / SAMPLE / "sample.rttm")
    agree = decided = total = 0.0
    for row in rows:
        total += row["end_s"] - row["start_s"]
        if row["speaker"] is None:
            continue
        overlap: dict[str, float] = {}
        for a, b, who in truth:
            overlap[who] = overlap.get(who, 0.0) + max(0.0, min(b, row["end_s"]) - max(a, row["start_s"]))
        decided += row["end_s"] - row["start_s"]
        if max(overlap, key=lambda k: overlap[k]) == row["speaker"]:
            agree += row["end_s"] - row["start_s"]
    assert decided >= 0.8 * total
    assert agree >= 0.9 * decided
    assert {r["speaker"] for r in rows} == {"speaker90", "speaker91"}


def test_enroll_list_forget_and_identify_with_stored_voices(shared_data: Path, tmp_path: Path) -> None:
    libri = shared_data / "speech" / "librispeech-test-other-10spk"
    runner = CliRunner()
    for name, spk in (("Ada", "1688"), ("Bo", "2033")):
        files = sorted((libri / spk).glob("*.flac"))[:3]
        wav = tmp_path / f"{name}.wav"
        write_wav(wav, np.concatenate([load_audio(f) for f in files]))
        result = runner.invoke(main, ["enroll", name, "--from-file", str(wav)])
        assert result.exit_code == 0, result.output
        assert "Stored the voiceprint" in result.output
    listed = runner.invoke(main, ["voices"])
    assert listed.exit_code == 0 and "Ada" in listed.output and "Bo" in listed.output
    talk = tmp_path / "talk.wav"
    a = load_audio(sorted((libri / "1688").glob("*.flac"))[6])
    b = load_audio(sorted((libri / "2033").glob("*.flac"))[6])
    pause = np.zeros(SAMPLE_RATE * 2, dtype=np.float32)
    write_wav(talk, np.concatenate([a, pause, b]))
    result = runner.invoke(main, ["identify", str(talk), "--voice", "Ada", "--voice", "Bo", "--no-text"])
    assert result.exit_code == 0, result.output
    speakers = [line.split()[2] for line in result.output.splitlines()]
    assert speakers[0] == "Ada" and speakers[-1] == "Bo"
    forgot = runner.invoke(main, ["voices", "forget", "ada"])
    assert forgot.exit_code == 0
    assert "Ada" not in runner.invoke(main, ["voices"]).output


def test_bad_input_is_a_clear_error(shared_data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    silence = tmp_path / "silence.wav"
    write_wav(silence, np.zeros(SAMPLE_RATE * 9, dtype=np.float32))
    result = runner.invoke(main, ["enroll", "Sam", "--from-file", str(silence)])
    assert result.exit_code == 1 and "no clear speech" in result.output
    sample = str(shared_data / SAMPLE / "sample.wav")
    one = runner.invoke(main, ["identify", sample, "--voice", "Sam"])
    assert one.exit_code == 1 and "exactly two voices" in one.output
    unknown = runner.invoke(main, ["identify", sample, "--voice", "Sam", "--voice", "Kim"])
    assert unknown.exit_code == 1 and "no stored voiceprint for Sam" in unknown.output
    garbage = tmp_path / "garbage.wav"
    garbage.write_bytes(b"not audio at all")
    unreadable = runner.invoke(main, ["identify", str(garbage), "--voice", "Sam", "--voice", "Kim"])
    assert unreadable.exit_code == 1 and "Error:" in unreadable.output
    assert "Traceback" not in unreadable.output


def test_live_enrolment_asks_again_then_stores(shared_data: Path) -> None:
    """The live flow fed by a recording (AudioFileSource stands where the microphone would)."""
    from facilitator.adapters.vad import SileroVad
    from facilitator.adapters.voiceprint import GE2EEncoder
    from facilitator.commands.voices import enroll_from
    from facilitator.config import load_config
    from facilitator.errors import InputError
    from facilitator.sources import AudioFileSource
    from facilitator.speakers import VoiceMatcher
    from facilitator.voiceprints import VoiceprintFiles

    config = load_config()
    matcher = VoiceMatcher(GE2EEncoder(), VoiceprintFiles(), SileroVad(), config.speakers)
    said: list[str] = []
    quiet = AudioFileSource(np.zeros(SAMPLE_RATE, dtype=np.float32), silence_after_s=None)
    try:
        enroll_from(matcher, "Sam", config, quiet, said.append)
    except InputError as exc:
        assert "no clear speech" in str(exc)
    else:
        raise AssertionError("silence was enrolled")
    assert said[0].startswith("Hello Sam.") and sum("try once more" in s for s in said) == 2
    assert not matcher.has("Sam")
    files = sorted((shared_data / "speech/librispeech-test-other-10spk/3005").glob("*.flac"))[:4]
    speech = AudioFileSource(np.concatenate([load_audio(f) for f in files]), silence_after_s=None)
    said.clear()
    enroll_from(matcher, "Sam", config, speech, said.append)
    assert matcher.has("Sam") and said[-1].startswith("Thank you, Sam")
