"""The echo path of a laptop, for benchmarks and the test rig (issue 13).

On a laptop the speakers sit about 20 cm from the microphone: what is played comes back into the
microphone through the room, a few tens of milliseconds later and some decibels quieter. This
module makes that echo from what was played and a real room impulse response (RIR) from
../shared/data/speech/speechbrain/RIRs:

- ``load_rir`` reads an RIR, drops the silence before its direct sound and scales it to unit
  gain for speech, so that ``level_db`` is the echo's level relative to the speech played
  (within 1.5 dB on speech it was not calibrated on);
- ``echo_of`` makes the echo of a whole recording at once (benchmarks);
- ``EchoPath`` makes it block by block, as the rig's microphone writer needs it (overlap-add, the
  convolution tail carried from one block to the next, the delay as a line of samples).

Pure numpy (scipy's FFT convolution when present); no device is touched here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

RATE = 16_000
Audio = npt.NDArray[np.float32]

DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "speech" / "speechbrain"
RIRS = DATA / "RIRs"
NOISE = DATA / "noise"

MIN_DELAY_S, MAX_DELAY_S = 0.010, 0.060
"""The echo delays the issue asks for (a laptop: speaker, air, microphone, a little buffering)."""
MIN_LEVEL_DB, MAX_LEVEL_DB = -20.0, -6.0
"""The echo levels it asks for, relative to what was played."""


def load_rir(path: Path, max_s: float = 0.5) -> Audio:
    """A room impulse response from its direct sound on (at most ``max_s``), with unit gain for speech.

    The speechbrain RIRs start with up to ~140 ms of silence before the direct sound; that is cut
    (the delay is set separately), keeping 1 ms before the peak. The response is then scaled so
    that speech (the speechbrain ASR sentences) comes out as loud as it went in: unit energy alone
    leaves rooms up to 8 dB apart for speech, as their responses colour it differently.
    """
    from facilitator.audio import load_audio

    rir = load_audio(path).astype(np.float64)
    start = max(0, int(np.argmax(np.abs(rir))) - RATE // 1000)
    rir = rir[start : start + int(max_s * RATE)]
    rir /= max(float(np.sqrt(np.sum(rir**2))), 1e-12)
    speech = np.concatenate([load_audio(f) for f in sorted((DATA / "ASR").glob("*.wav"))]).astype(np.float64)
    wet = echo_of(speech.astype(np.float32), rir.astype(np.float32), 0.0, 0.0)
    return (rir * 10 ** ((rms_db(speech) - rms_db(wet)) / 20)).astype(np.float32)


def _check(delay_s: float, level_db: float) -> None:
    if not 0.0 <= delay_s <= 1.0:
        raise ValueError(f"echo delay {delay_s} s is out of range (0-1 s)")
    if level_db > 0.0:
        raise ValueError(f"echo level {level_db} dB is louder than what was played")


def echo_of(played: Audio, rir: Audio, delay_s: float, level_db: float) -> Audio:
    """The echo of ``played`` (same length): delayed by ``delay_s``, through ``rir``, at ``level_db``."""
    _check(delay_s, level_db)
    try:
        from scipy.signal import fftconvolve

        wet = fftconvolve(played.astype(np.float64), rir.astype(np.float64))[: played.size]
    except ImportError:  # pragma: no cover - scipy comes with the project's dependencies
        wet = np.convolve(played.astype(np.float64), rir.astype(np.float64))[: played.size]
    shift = int(round(delay_s * RATE))
    out = np.zeros(played.size)
    if shift < played.size:
        out[shift:] = wet[: played.size - shift]
    return (out * 10 ** (level_db / 20)).astype(np.float32)


class EchoPath:
    """The echo made block by block: feed what the speaker played, get what the microphone hears of it.

    ``echo(block)`` returns the echo heard while ``block`` is played (same length): the tail of
    earlier blocks through the RIR plus this block's own start, delayed by ``delay_s``. The state
    (delay line and convolution tail) carries across calls, so the stream is exactly
    ``echo_of(concatenated blocks)``.
    """

    def __init__(self, rir: Audio, delay_s: float, level_db: float) -> None:
        _check(delay_s, level_db)
        self.rir = rir.astype(np.float64) * 10 ** (level_db / 20)
        self.delay_s = delay_s
        self.level_db = level_db
        self._pending = np.zeros(int(round(delay_s * RATE)) + self.rir.size - 1)
        """Echo not yet heard: index 0 is heard with the next block's first sample."""

    def echo(self, block: Audio) -> Audio:
        """The echo that reaches the microphone during this block of played sound."""
        n = block.size
        shift = int(round(self.delay_s * RATE))
        wet = np.convolve(block.astype(np.float64), self.rir)  # n + len(rir) - 1
        need = max(self._pending.size, shift + wet.size, n)
        acc = np.zeros(need)
        acc[: self._pending.size] = self._pending
        acc[shift : shift + wet.size] += wet
        out = acc[:n]
        self._pending = acc[n:]
        return out.astype(np.float32)


def room_noise(samples: int, index: int = 0) -> Audio:
    """Real room noise (speechbrain/noise), looped to ``samples``, unit RMS."""
    from facilitator.audio import load_audio

    files = sorted(NOISE.glob("*.wav"))
    noise = load_audio(files[index % len(files)]).astype(np.float64)
    noise = np.resize(noise, samples)
    return (noise / max(float(np.sqrt(np.mean(noise**2))), 1e-12)).astype(np.float32)


def rms_db(x: npt.NDArray[np.floating]) -> float:
    """RMS level in dB (re full scale 1.0)."""
    return float(10 * np.log10(max(float(np.mean(np.square(x, dtype=np.float64))), 1e-20)))


def measure_echo(played: Audio, heard: Audio, max_delay_s: float = 0.5) -> tuple[float, float]:
    """(delay_s, level_db) of the echo of ``played`` in ``heard``: peak of the cross-correlation.

    The level is that of the least-squares fit of ``heard`` by the RIR-shaped echo's loudest
    path, so it is only a check of the rig (direct sound plus reverberation counted together
    through the energies of the two signals, re ``played``).
    """
    from scipy.signal import correlate

    n = min(played.size, heard.size)
    a = played[:n].astype(np.float64)
    b = heard[:n].astype(np.float64)
    max_lag = int(max_delay_s * RATE)
    corr = correlate(b, a, mode="full", method="fft")[n - 1 : n - 1 + max_lag + 1]
    lag = int(np.argmax(np.abs(corr)))
    return lag / RATE, rms_db(b) - rms_db(a)


class MonitorEcho:
    """The virtual speaker's echo for the rig's microphone writer: ``MicWriter(fifo, echo=MonitorEcho(...))``.

    For the block the writer sends at monotonic time ``t_s``, the sound the speaker played at
    ``t_s - delay_s`` (its monitor, recorded by audio_rig.SpeakerRecorder, each sample on the
    monotonic clock) goes through the RIR at ``level_db``. The monitor reaches this process some
    20-40 ms after playing, so a shorter ``delay_s`` cannot always be met: the echo then comes
    that much later from then on, and ``late_s`` says by how much (the program's own capture and
    playback latencies come on top, as on a real laptop).
    """

    def __init__(self, speaker: object, rir: Audio, delay_s: float, level_db: float) -> None:
        self.speaker = speaker
        self.delay_s = delay_s
        self.path = EchoPath(rir, 0.0, level_db)
        self.late_s = 0.0
        """How much later than ``delay_s`` the echo comes (s), because the monitor lags."""
        self._cursor: int | None = None
        self._chunks_seen = 0
        self._buffer = np.zeros(0, np.float32)
        self._buffer_start = 0
        """Recording sample index of ``_buffer[0]`` (the last few seconds are kept)."""

    def _catch_up(self) -> int:
        speaker: Any = self.speaker
        with speaker._lock:  # the recorder's own chunks, read incrementally (no full copy)
            new = speaker._chunks[self._chunks_seen :]
            self._chunks_seen += len(new)
        if new:
            add = np.concatenate(new).astype(np.float32) / 32768.0
            self._buffer = np.concatenate([self._buffer, add])
            keep = 4 * RATE
            if self._buffer.size > keep:
                self._buffer_start += self._buffer.size - keep
                self._buffer = self._buffer[-keep:]
        return self._buffer_start + self._buffer.size

    def __call__(self, t_s: float, samples: int) -> Audio:
        """The echo to mix into the microphone block written at ``t_s``."""
        speaker: Any = self.speaker
        recorded = self._catch_up()
        if recorded < samples:  # the recording has only just started
            return np.zeros(samples, np.float32)
        asked = speaker.sample_at(t_s - self.delay_s)
        if asked + samples > recorded:  # not recorded yet: from now on the echo comes that much later
            self.late_s = max(self.late_s, (asked + samples - recorded) / RATE + 0.005)
        want = speaker.sample_at(t_s - self.delay_s - self.late_s)
        if want == 0:  # before the recording's first sample
            return np.zeros(samples, np.float32)
        if self._cursor is None or abs(want - self._cursor) > RATE // 500:
            self._cursor = want  # first block, or the writer's clock jumped: follow the clock
        start = min(self._cursor, recorded - samples)
        self._cursor = start + samples
        a = start - self._buffer_start
        block = self._buffer[max(a, 0) : max(a, 0) + samples]
        block = np.pad(block, (samples - block.size, 0))
        return self.path.echo(block)
