"""The rig's echo path made block by block equals the echo of the whole recording (scripts/echo_path.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))

from echo_path import RIRS, EchoPath, echo_of, load_rir, measure_echo  # noqa: E402


@pytest.mark.skipif(not RIRS.is_dir(), reason="needs ../shared/data")
def test_block_by_block_equals_the_whole_and_has_the_set_delay_and_level() -> None:
    from facilitator.audio import load_audio

    rir = load_rir(RIRS / "rir3.wav")
    speech = load_audio(RIRS.parents[1] / "faster-whisper" / "jfk.flac")[: 5 * 16000]
    whole = echo_of(speech, rir, 0.025, -12.0)
    path = EchoPath(rir, 0.025, -12.0)
    blocks = np.concatenate([path.echo(speech[a : a + 512]) for a in range(0, speech.size, 512)])
    assert np.allclose(blocks[: whole.size], whole, atol=1e-5)
    delay, level = measure_echo(speech, whole)
    assert delay == pytest.approx(0.025 + 0.001, abs=0.0005)  # 1 ms of the RIR before its peak kept
    assert level == pytest.approx(-12.0, abs=1.5)  # calibrated on other speech (speechbrain ASR)


def test_an_echo_louder_than_what_was_played_is_refused() -> None:
    with pytest.raises(ValueError, match="louder"):
        EchoPath(np.ones(4, np.float32), 0.02, 3.0)
