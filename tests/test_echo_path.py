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


class _Recording:
    """What MonitorEcho reads of audio_rig.SpeakerRecorder: int16 chunks and the sample clock."""

    def __init__(self, anchor_s: float) -> None:
        import threading

        self._lock = threading.Lock()
        self._chunks: list[np.ndarray] = []
        self.anchor_s = anchor_s

    def sample_at(self, t_s: float) -> int:
        return max(0, int(round((t_s - self.anchor_s) * 16000)))


@pytest.mark.skipif(not RIRS.is_dir(), reason="needs ../shared/data")
@pytest.mark.parametrize(("monitor_lag_s", "delay_s"), [(0.0, 0.04), (0.0, 0.06), (0.03, 0.04)])
def test_the_monitor_echo_follows_the_clock(monitor_lag_s: float, delay_s: float) -> None:
    """Writer ticks of 512 samples, the monitor's 20 ms chunks arriving ``monitor_lag_s`` late."""
    from echo_path import MonitorEcho

    from facilitator.audio import load_audio

    speech = load_audio(RIRS.parents[1] / "faster-whisper" / "jfk.flac")[: 6 * 16000] * 0.5
    pcm = (speech * 32767).astype(np.int16)
    recording = _Recording(100.0)
    echo = MonitorEcho(recording, load_rir(RIRS / "rir2.wav"), delay_s, -10.0)
    out, pos = [], 0
    for k in range(speech.size // 512):
        t_s = 100.0 + k * 512 / 16000
        arrived = int((t_s - monitor_lag_s - 100.0) * 16000) + 512
        while pos + 320 <= arrived:
            recording._chunks.append(pcm[pos : pos + 320])
            pos += 320
        out.append(echo(t_s, 512))
    heard = np.concatenate(out)
    delay, level = measure_echo(speech[: heard.size], heard)
    assert delay == pytest.approx(delay_s + echo.late_s + 0.001, abs=0.001)
    assert echo.late_s <= max(0.0, monitor_lag_s + 0.032 - delay_s) + 0.006  # only as late as it must be
    assert level == pytest.approx(-10.0, abs=2.0)
