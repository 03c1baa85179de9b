"""The real engines: Piper, faster-whisper, Silero VAD, and the model registry's checks."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
from words import recall  # tests/words.py says why transcripts are not compared word for word

from facilitator import models
from facilitator.adapters.piper import PiperSynthesizer, load_voice
from facilitator.adapters.vad import SileroVad
from facilitator.adapters.whisper import WhisperTranscriber, is_phantom
from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, load_audio, resample
from facilitator.errors import InputError, ModelError

PARAGRAPH = (
    "Thank you both for being here tonight. Let us take one slow breath together before we start. "
    "When you feel ready, the one who shares first can begin with how they felt."
)
JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


@pytest.fixture(scope="module")
def voice() -> PiperSynthesizer:
    return load_voice()


@pytest.fixture(scope="module")
def whisper() -> WhisperTranscriber:
    return WhisperTranscriber()


def speak_16k(voice: PiperSynthesizer, text: str) -> np.ndarray:
    audio = np.concatenate(list(voice.synthesize(text)))
    return resample(audio, voice.sample_rate, SAMPLE_RATE)


def test_piper_speaks_one_chunk_per_sentence(voice: PiperSynthesizer) -> None:
    chunks = list(voice.synthesize(PARAGRAPH))
    assert voice.sample_rate == 22050
    assert len(chunks) == 3
    for chunk in chunks:
        assert chunk.dtype == np.float32 and chunk.ndim == 1
        assert 0.5 < chunk.size / voice.sample_rate < 8.0
        assert 0.05 < float(np.max(np.abs(chunk))) <= 1.0
    with pytest.raises(InputError):
        list(voice.synthesize("   "))


def test_piper_length_scale_slows_the_voice(voice: PiperSynthesizer) -> None:
    # Well apart (1.8x), so the random noise in the duration predictor never blurs the ordering.
    slow = load_voice(length_scale=1.8, noise_scale=0.5, noise_w=0.6)
    text = "I hear you, and I am listening."
    normal_s = sum(c.size for c in voice.synthesize(text)) / voice.sample_rate
    slow_s = sum(c.size for c in slow.synthesize(text)) / slow.sample_rate
    assert slow_s > normal_s * 1.2


def test_round_trip_keeps_at_least_90_percent_of_words(
    voice: PiperSynthesizer, whisper: WhisperTranscriber
) -> None:
    # Clean synthetic speech: every word came back under each instruction set tried (AVX-512,
    # AVX2, SSE4.1); 90 % leaves room for one processor's rounding to change a word or three.
    heard = whisper.transcribe(speak_16k(voice, PARAGRAPH)).text
    assert recall(PARAGRAPH, heard) >= 0.9, heard


def test_jfk_transcribes_to_its_sentence(shared_data: Path, whisper: WhisperTranscriber) -> None:
    audio = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    result = whisper.transcribe(audio)
    # The whole clip is clean speech: allow two of its 22 words to differ between processors.
    assert recall(JFK, result.text) >= 0.9, result.text
    assert result.segments and result.segments[-1].end_s > 9.0


def test_silence_transcribes_to_nothing(whisper: WhisperTranscriber) -> None:
    # Not a transcript compared word for word: whatever words Whisper invents here on some processor,
    # the phantom filter must drop them all, on every machine.
    assert whisper.transcribe(np.zeros(3 * SAMPLE_RATE, dtype=np.float32)).text == ""
    rng = np.random.default_rng(1)
    hiss = (rng.standard_normal(3 * SAMPLE_RATE) * 0.003).astype(np.float32)
    assert whisper.transcribe(hiss).text == ""
    assert whisper.transcribe(np.zeros(0, dtype=np.float32)).text == ""


def test_phantom_phrases() -> None:
    loud, quiet = -20.0, -60.0
    assert is_phantom("Thanks for watching!", 0.0, loud, 2.0)
    assert is_phantom(" ", 0.0, loud, 2.0)
    assert is_phantom("Thank you.", 0.0, quiet, 1.0)
    assert is_phantom("Thank you.", 0.5, loud, 1.0)
    assert is_phantom("Thank you.", 0.0, loud, 0.2)
    # A clear, spoken "thank you" is real: people say it after being heard.
    assert not is_phantom("Thank you.", 0.05, loud, 0.9)
    assert not is_phantom("I felt alone that evening.", 0.0, quiet, 2.0)


def test_vad_streaming_equals_one_pass_over_the_file(shared_data: Path) -> None:
    from faster_whisper.vad import SileroVADModel

    audio = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    audio = audio[: audio.size // BLOCK_SAMPLES * BLOCK_SAMPLES]
    vad = SileroVad()
    starts = range(0, audio.size, BLOCK_SAMPLES)
    streamed = np.array([vad.speech_prob(audio[i : i + BLOCK_SAMPLES]) for i in starts])
    # faster-whisper's one pass zeroes the last 64 samples of its input in place: give it a copy,
    # and compare all blocks but the last.
    reference = SileroVADModel(str(models.silero_vad().files[0].path))(audio.copy()).reshape(-1)
    assert np.allclose(streamed[:-1], reference[:-1], atol=1e-4)
    assert streamed.max() > 0.9 and streamed[:5].max() < 0.3
    vad.reset()
    assert vad.speech_prob(audio[:BLOCK_SAMPLES]) == pytest.approx(streamed[0], abs=1e-6)


def test_changed_model_file_is_caught_and_hash_is_cached(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "weights.bin"
    path.write_bytes(b"original weights")
    good = models._sha256(path)
    model = models.Model("test", "whisper", (models.ModelFile(path, good),), "run ./setup.sh")
    calls = []
    real = models._sha256
    monkeypatch.setattr(models, "_sha256", lambda p: calls.append(p) or real(p))
    models.verify(model)
    models.verify(model)
    assert len(calls) == 1  # the second check used the cache
    path.write_bytes(b"tampered weights")
    os.utime(path, ns=(1, 1))
    with pytest.raises(ModelError, match=r"not the expected file.*run ./setup.sh"):
        models.verify(model)
    path.unlink()
    with pytest.raises(ModelError, match="is missing; run ./setup.sh"):
        models.verify(model)


def test_whisper_model_choice(tmp_path: Path) -> None:
    bundled = models.resolve_whisper(None)
    assert not bundled.download and Path(bundled.model, "model.bin").is_file()
    with pytest.raises(ModelError, match="--allow-download"):
        models.resolve_whisper("base.en")
    assert models.resolve_whisper("base.en", allow_download=True).download
    with pytest.raises(ModelError, match="model.bin"):
        models.resolve_whisper(str(tmp_path))
    with pytest.raises(ModelError, match="no Whisper model"):
        models.resolve_whisper("nonsense-size")
    (tmp_path / "model.bin").write_bytes(b"not a model")
    with pytest.raises(ModelError, match="Cannot load the Whisper model"):
        WhisperTranscriber(str(tmp_path))


def test_voice_choice(tmp_path: Path) -> None:
    assert models.resolve_voice(None).name == models.BUNDLED_VOICE
    with pytest.raises(ModelError, match="no voice named"):
        models.resolve_voice("nobody")
    onnx = tmp_path / "v.onnx"
    onnx.write_bytes(b"garbage")
    with pytest.raises(ModelError, match="v.onnx.json"):
        models.resolve_voice(str(onnx))
    (tmp_path / "v.onnx.json").write_text("{}")
    with pytest.raises(ModelError, match="Cannot load the Piper voice"):
        load_voice(str(onnx))
