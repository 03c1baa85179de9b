"""The echo canceller adapter and the delay finder, on real speech through real rooms (issue 13)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, load_audio
from facilitator.echodelay import estimate_delay
from facilitator.errors import EchoCancellerUnavailable

REPO = Path(__file__).resolve().parents[1]
SPEECH = REPO.parent / "shared" / "data" / "speech"
sys.path.insert(0, str(REPO / "scripts"))

from echo_path import echo_of, load_rir, rms_db, room_noise  # noqa: E402

needs_data = pytest.mark.skipif(not (SPEECH / "speechbrain" / "RIRs").is_dir(), reason="needs ../shared/data")
RATE = SAMPLE_RATE


def _speech(folder: Path, pattern: str, seconds: float) -> np.ndarray:
    parts = [load_audio(f) for f in sorted(folder.glob(pattern))]
    out = np.concatenate(parts)
    assert out.size >= seconds * RATE
    return out[: int(seconds * RATE)].astype(np.float32)


@pytest.fixture(scope="module")
def far() -> np.ndarray:
    return _speech(SPEECH / "librispeech-test-other-10spk" / "1688", "*.flac", 20.0)


@pytest.fixture(scope="module")
def near() -> np.ndarray:
    return _speech(SPEECH / "librispeech-test-other-10spk" / "3005", "*.flac", 6.0)


@pytest.fixture(scope="module")
def rir() -> np.ndarray:
    return load_rir(SPEECH / "speechbrain" / "RIRs" / "rir2.wav")


def _run(ec: object, mic: np.ndarray, ref: np.ndarray, block: int = BLOCK_SAMPLES) -> np.ndarray:
    """Feed the canceller as the live loop would: what is played, then the microphone, per block."""
    out = []
    for a in range(0, mic.size - block + 1, block):
        ec.played(ref[a : a + block])  # type: ignore[attr-defined]
        cleaned = ec.process(mic[a : a + block])  # type: ignore[attr-defined]
        assert cleaned.shape == (block,) and cleaned.dtype == np.float32
        out.append(cleaned)
    return np.concatenate(out)


def _erle(mic: np.ndarray, out: np.ndarray, start_s: float, end_s: float, lag: int) -> float:
    a, b = int(start_s * RATE), int(end_s * RATE)
    return rms_db(mic[a:b]) - rms_db(out[a + lag : b + lag])


@needs_data
def test_delay_found_through_a_real_room_during_double_talk(far, near, rir) -> None:  # type: ignore[no-untyped-def]
    for delay_s, level_db in ((0.010, -6.0), (0.060, -20.0), (0.300, -12.0)):
        mic = echo_of(far, rir, delay_s, level_db)[: 6 * RATE] + 0.3 * near
        found = estimate_delay(mic[2 * RATE :], far[2 * RATE : 6 * RATE])
        assert found is not None
        assert found.lag_s == pytest.approx(delay_s, abs=0.002)
        assert found.confidence > 15
    alone = estimate_delay(0.3 * near[: 4 * RATE], far[: 4 * RATE])
    assert alone is not None and alone.confidence < 12  # no echo in the microphone: nothing clear
    assert estimate_delay(near[: RATE], np.zeros(RATE, np.float32)) is None  # nothing was played


@needs_data
def test_echo_removed_and_the_person_kept(far, near, rir) -> None:  # type: ignore[no-untyped-def]
    from facilitator.adapters.echo import CANCELLER_DELAY, FRAME, open_echo_canceller

    ec = open_echo_canceller()
    lag = ec.latency_samples
    assert lag == CANCELLER_DELAY + FRAME  # 512-sample blocks are not whole 10 ms frames
    noise = room_noise(far.size + near.size, 1) * 10 ** (-60 / 20)
    played = np.concatenate([far, np.zeros(near.size, np.float32)])
    person = np.concatenate([np.zeros(far.size, np.float32), near])
    mic = (echo_of(played, rir, 0.035, -6.0) + person + noise).astype(np.float32)
    out = _run(ec, mic, played)
    assert _erle(mic, out, 3.0, 19.0, lag) > 15.0
    a, b = far.size + RATE // 2, far.size + near.size - 2 * BLOCK_SAMPLES
    kept = out[a + lag : b + lag]
    assert abs(rms_db(kept) - rms_db(mic[a:b])) < 3.0  # the person alone is not turned down
    assert float(np.corrcoef(kept, mic[a:b])[0, 1]) > 0.8  # AEC3 high-passes: not 1.0


@needs_data
def test_a_reference_that_lags_its_echo_is_realigned(far, rir) -> None:  # type: ignore[no-untyped-def]
    """The played samples are reported 150 ms late: the echo comes before its reference."""
    from facilitator.adapters.echo import open_echo_canceller

    mic = echo_of(far, rir, 0.020, -6.0)
    late = np.concatenate([np.zeros(int(0.15 * RATE), np.float32), far])[: far.size]
    stuck = open_echo_canceller(check_every_s=1e9)  # never re-aligns: what happens without it
    out_stuck = _run(stuck, mic, late)
    ec = open_echo_canceller()
    out = _run(ec, mic, late)
    assert ec.realignments >= 1
    assert _erle(mic, out_stuck, 10.0, 19.0, stuck.latency_samples) < 6.0
    assert _erle(mic, out, 10.0, 19.0, ec.latency_samples) > 15.0
    assert ec.last_delay is not None and 0.0 <= ec.last_delay.lag_s <= ec.max_delay_s


@needs_data
def test_an_underrun_mid_stream_is_realigned(far, rir) -> None:  # type: ignore[no-untyped-def]
    """The speaker stalls for 0.6 s at 8 s while the reference runs on, then plays on."""
    from facilitator.adapters.echo import open_echo_canceller

    at, gap = 8 * RATE, int(0.6 * RATE)
    really_played = np.concatenate([far[:at], np.zeros(gap, np.float32), far[at:]])[: far.size]
    mic = echo_of(really_played, rir, 0.020, -6.0)
    ec = open_echo_canceller()
    out = _run(ec, mic, far)
    assert ec.realignments == 1
    assert _erle(mic, out, 12.0, 19.0, ec.latency_samples) > 15.0


def test_a_missing_canceller_is_one_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from facilitator.adapters.echo import open_echo_canceller

    monkeypatch.setitem(sys.modules, "pywebrtc_audio", None)  # as on a machine without the package
    with pytest.raises(EchoCancellerUnavailable, match="not installed; run ./setup.sh"):
        open_echo_canceller()
