"""The numpy GE2E encoder: shape, determinism, speaker separation, match with the torch reference."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from facilitator.adapters.voiceprint import GE2EEncoder, mel_frames, read_legacy_checkpoint
from facilitator.audio import load_audio
from facilitator.errors import ModelError

FIXTURE = Path(__file__).parent / "fixtures" / "ge2e_reference.npz"


@pytest.fixture(scope="module")
def encoder() -> GE2EEncoder:
    return GE2EEncoder()


def _synthetic() -> np.ndarray:
    return np.load(FIXTURE)["synthetic_int16"].astype(np.float32) / 32767


def test_unit_length_256_and_deterministic(encoder: GE2EEncoder) -> None:
    audio = _synthetic()
    first = encoder.embed(audio)
    assert first.shape == (256,) and first.dtype == np.float32
    assert abs(float(np.linalg.norm(first)) - 1.0) < 1e-5
    assert np.array_equal(first, encoder.embed(audio.copy()))


def test_port_matches_torch_reference_on_synthetic_clip(encoder: GE2EEncoder) -> None:
    ref = np.load(FIXTURE)
    i = list(ref["names"]).index("synthetic")
    vector, partials = encoder.embed_partials(_synthetic())
    assert float(vector @ ref["embeddings"][i]) >= 0.9999
    assert partials.shape == ref["partials_synthetic"].shape


def test_port_matches_torch_reference_on_real_speech(encoder: GE2EEncoder, shared_data: Path) -> None:
    ref = np.load(FIXTURE)
    for i, name in enumerate(ref["names"]):
        if name == "synthetic":
            continue
        start, end = (int(x) for x in ref["spans"][i])
        audio = load_audio(shared_data / "speech" / str(ref["files"][i]))[start:end]
        vector, partials = encoder.embed_partials(audio)
        assert float(vector @ ref["embeddings"][i]) >= 0.9999, name
        cosines = np.sum(partials * ref[f"partials_{name}"], axis=1)
        assert cosines.min() >= 0.9999, name


def test_one_speaker_closer_than_two(encoder: GE2EEncoder, shared_data: Path) -> None:
    libri = shared_data / "speech" / "librispeech-test-other-10spk"
    a1, a2 = sorted((libri / "1688").glob("*.flac"))[:2]
    b1 = sorted((libri / "2033").glob("*.flac"))[0]
    ea1, ea2, eb1 = (encoder.embed(load_audio(p)) for p in (a1, a2, b1))
    assert float(ea1 @ ea2) > float(ea1 @ eb1) + 0.1
    assert float(ea1 @ ea2) > float(ea2 @ eb1) + 0.1


def test_mel_frames_count_follows_centred_frames() -> None:
    frames = mel_frames(np.zeros(16000, dtype=np.float32))
    assert frames.shape == (101, 40)


def test_wrong_weights_file_is_a_model_error(tmp_path: Path) -> None:
    bogus = tmp_path / "pretrained.pt"
    bogus.write_bytes(b"not the weights")
    with pytest.raises(ModelError, match="not the expected file"):
        GE2EEncoder(bogus)


def test_reader_refuses_foreign_classes() -> None:
    import pickle

    payload = pickle.dumps(0x1950A86A20F9469CFC6C) + pickle.dumps(1001) + pickle.dumps({})
    payload += pickle.dumps(subprocess.Popen)  # a class the restricted reader must not build
    with pytest.raises(pickle.UnpicklingError):
        read_legacy_checkpoint(payload)


def test_embedding_never_imports_torch() -> None:
    code = (
        "import sys, numpy as np\n"
        "from facilitator.adapters.voiceprint import GE2EEncoder\n"
        "GE2EEncoder().embed(np.random.default_rng(0).standard_normal(24000).astype('float32') * 0.1)\n"
        "assert 'torch' not in sys.modules and 'resemblyzer' not in sys.modules, 'torch imported'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
