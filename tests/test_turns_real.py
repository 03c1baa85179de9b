"""End of turn and words kept with the real engines: Silero VAD, Smart Turn v3.2, Whisper (issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from words import recall

from facilitator import models
from facilitator.adapters.smart_turn import SmartTurn, load_turn_detector
from facilitator.adapters.vad import SileroVad
from facilitator.adapters.whisper import WhisperTranscriber
from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio, load_audio, write_wav
from facilitator.cli import main
from facilitator.config import ListeningConfig
from facilitator.events import Heard
from facilitator.listening import StreamListener
from facilitator.sources import AudioFileSource

CONFIG = ListeningConfig()
ASK_NOT = "ask not what your country can do for you ask what you can do for your country"
JFK = "and so my fellow americans " + ASK_NOT


@pytest.fixture(scope="module")
def turns() -> SmartTurn:
    return SmartTurn()


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    return WhisperTranscriber()


@pytest.fixture(scope="module")
def vad() -> SileroVad:
    return SileroVad()


def silence(seconds: float) -> Audio:
    return np.zeros(int(seconds * SAMPLE_RATE), dtype=np.float32)


def hear_all(
    audio: Audio, vad: SileroVad, whisper: WhisperTranscriber, turns: SmartTurn | None
) -> list[Heard]:
    listener = StreamListener(AudioFileSource(audio, silence_after_s=4.0), vad, whisper, CONFIG, turns=turns)
    found = []
    while not listener.ended:
        heard = listener.hear(timeout_s=600.0)
        if heard is not None:
            found.append(heard)
    return found


def quietest_block(audio: Audio, from_s: float, to_s: float) -> int:
    """The sample index of the quietest 32 ms block between two times (a gap between words)."""
    starts = range(int(from_s * SAMPLE_RATE), int(to_s * SAMPLE_RATE), BLOCK_SAMPLES)
    return min(starts, key=lambda i: float(np.mean(audio[i : i + BLOCK_SAMPLES] ** 2)))


def test_a_sentence_with_a_long_pause_in_the_middle_is_one_turn(
    shared_data: Path, vad: SileroVad, whisper: WhisperTranscriber, turns: SmartTurn
) -> None:
    # From "ask not": the model calls the orator's own 1.1 s pause after "And so, my fellow
    # Americans," finished (0.92), a vocative's falling tone; that limit is in the README.
    speech = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    speech = speech[quietest_block(speech, 2.4, 3.3):]
    cut = quietest_block(speech, 1.6, 2.4)  # "ask not what your country | can do for you ..."
    audio = np.concatenate([silence(0.5), speech[:cut], silence(1.2), speech[cut:], silence(1.0)])
    heard = hear_all(audio, vad, whisper, turns)
    assert len(heard) == 1, [h.text for h in heard]
    assert heard[0].turn_ended
    assert recall(ASK_NOT, heard[0].text) >= 0.8, heard[0].text


def test_the_silence_rule_splits_that_sentence(
    shared_data: Path, vad: SileroVad, whisper: WhisperTranscriber
) -> None:
    # The comparison the model is for: the fixed rule answers in the middle of the clause.
    speech = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    speech = speech[quietest_block(speech, 2.4, 3.3):]
    cut = quietest_block(speech, 1.6, 2.4)
    audio = np.concatenate([silence(0.5), speech[:cut], silence(1.2), speech[cut:], silence(1.0)])
    assert len(hear_all(audio, vad, whisper, None)) >= 2


def test_a_seventy_second_share_comes_back_with_its_words(
    shared_data: Path, vad: SileroVad, whisper: WhisperTranscriber, turns: SmartTurn
) -> None:
    folders = sorted((shared_data / "speech" / "librispeech-test-other-10spk").iterdir())
    folders = [f for f in folders if f.is_dir()]
    if not folders:
        pytest.skip("no LibriSpeech folders in ../shared/data")
    # One person reading on, with the short pauses of someone talking: 70 s or more in all.
    longest = max(folders, key=lambda f: sum(load_audio(p).size for p in f.glob("*.flac")))
    pieces, reference, total = [], [], 0.0
    for path in sorted(longest.glob("*.flac")):
        clip = load_audio(path)
        pieces += [clip, silence(0.5)]
        reference.append(whisper.transcribe(clip).text)
        total += clip.size / SAMPLE_RATE
        if total >= 70.0:
            break
    assert total >= 70.0
    heard = hear_all(np.concatenate([silence(0.5), *pieces, silence(1.0)]), vad, whisper, turns)
    text = " ".join(h.text for h in heard)
    assert recall(" ".join(reference), text) >= 0.9, text
    assert heard[-1].end_s >= total  # nothing at the end was left unheard


def test_the_model_separates_finished_sentences_from_cut_ones(shared_data: Path, turns: SmartTurn) -> None:
    finished, cut = [], []
    for path in sorted((shared_data / "speech" / "speechbrain" / "ASR").glob("*.wav")):
        audio = load_audio(path)
        loud = [i for i in range(0, audio.size - BLOCK_SAMPLES, BLOCK_SAMPLES)
                if np.sqrt(np.mean(audio[i : i + BLOCK_SAMPLES] ** 2)) > 10 ** (-45 / 20)]
        end = loud[-1] + BLOCK_SAMPLES
        middle = quietest_block(audio, 0.4 * end / SAMPLE_RATE, 0.65 * end / SAMPLE_RATE)
        finished.append(turns.complete_prob(np.concatenate([audio[:end], silence(0.2)])))
        cut.append(turns.complete_prob(np.concatenate([audio[:middle], silence(0.2)])))
    assert len(finished) >= 10
    assert np.median(finished) >= 0.5 > 0.2 >= np.median(cut), (finished, cut)
    assert np.mean(finished) - np.mean(cut) >= 0.3


def test_listen_json_gives_the_turn_fields(shared_data: Path, tmp_path: Path) -> None:
    speech = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    path = tmp_path / "talk.wav"
    write_wav(path, np.concatenate([silence(0.5), speech, silence(1.5)]))
    result = CliRunner().invoke(main, ["listen", "--file", str(path), "--json"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines() if line.startswith("{")]
    assert rows and set(rows[0]) == {"start_s", "end_s", "decided_s", "complete_prob", "text"}
    last = rows[-1]
    assert last["end_s"] <= last["decided_s"] <= last["end_s"] + CONFIG.incomplete_cap_s + 0.1
    assert recall(JFK, " ".join(r["text"] for r in rows)) >= 0.8


def test_a_damaged_turn_model_is_named_with_the_fix_and_listening_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad = tmp_path / "smart-turn-v3.2-cpu.onnx"
    bad.write_bytes(b"not a model")
    files = (models.ModelFile(bad, models.SMART_TURN_SHA256),)
    fix = f"{models.REINSTALL} --no-deps pipecat-ai==1.14.0"
    damaged = models.Model("smart-turn-v3.2", "end-of-turn", files, fix)
    monkeypatch.setattr(models, "smart_turn", lambda: damaged)
    monkeypatch.setattr("facilitator.adapters.smart_turn.smart_turn", lambda: damaged)
    result = CliRunner().invoke(main, ["check", "--offline-only"])
    assert result.exit_code == 1
    line = next(row for row in result.output.splitlines() if "end-of-turn model" in row)
    assert line.startswith("FAIL") and "not the expected file" in line and "pipecat-ai==1.14.0" in line
    warnings: list[str] = []
    assert load_turn_detector("model", warnings.append) is None
    assert len(warnings) == 1 and "silence" in warnings[0] and "pipecat-ai" in warnings[0]
    assert load_turn_detector("silence", warnings.append) is None and len(warnings) == 1
