"""WebRTC AEC3 (pywebrtc-audio) behind the EchoCanceller port: the facilitator's voice off the microphone.

Chosen over speexdsp and livekit's AudioProcessingModule by scripts/bench_echo.py (README, "Echo
cancellation (groundwork)"). The canceller works on 10 ms frames; this adapter takes blocks of
any length, pairs each 10 ms of microphone sound with the next 10 ms of what was played (the
reference, handed in with ``played`` as it goes to the speaker; silence when nothing is queued),
and gives back blocks of the same length. When blocks are not a whole number of frames (the
microphone's 512-sample blocks), the output lags the input by one more frame (10 ms), on top of
AEC3's own 8 ms.

A reference that falls out of step (an underrun, a device change) is caught by ``realign``: the
delay of the echo behind the reference is measured by GCC-PHAT over the last few seconds
(facilitator/echodelay.py); if the echo arrives before its reference, or later than the
canceller can follow, the reference queue is shifted so the echo again lags it by
``target_delay_s``. ``process`` calls it by itself every ``check_every_s`` while something is
being played.

Imported lazily; ``open_echo_canceller`` turns a missing or broken package into
EchoCancellerUnavailable, which the caller turns into one warning and half-duplex listening.
"""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio
from facilitator.echodelay import Delay, estimate_delay
from facilitator.errors import EchoCancellerUnavailable

FRAME = SAMPLE_RATE // 100
"""Samples per 10 ms frame, the canceller's unit."""
PACKAGE = "pywebrtc-audio"
CANCELLER_DELAY = 128
"""Samples by which AEC3's output lags its input at 16 kHz (8 ms, measured: a pure delay)."""


def open_echo_canceller(block_samples: int = BLOCK_SAMPLES, **options: Any) -> WebRtcEchoCanceller:
    """The chosen canceller, or EchoCancellerUnavailable saying why and how to fix it."""
    try:
        return WebRtcEchoCanceller(block_samples=block_samples, **options)
    except EchoCancellerUnavailable:
        raise
    except Exception as exc:  # a broken native library fails in many ways; all mean "unavailable"
        raise EchoCancellerUnavailable(
            f"The echo canceller ({PACKAGE}) failed to start ({type(exc).__name__}: {exc}); "
            "reinstall with ./setup.sh."
        ) from exc


class _Ring:
    """The last ``size`` samples of a stream (written in place; put in order only when read)."""

    def __init__(self, size: int) -> None:
        self._data = np.zeros(size, np.float32)
        self._pos = 0
        self.filled = 0

    @property
    def size(self) -> int:
        return self._data.size

    def push(self, x: Audio) -> None:
        x = x[-self._data.size :]
        end = self._pos + x.size
        if end <= self._data.size:
            self._data[self._pos : end] = x
        else:
            first = self._data.size - self._pos
            self._data[self._pos :] = x[:first]
            self._data[: end - self._data.size] = x[first:]
        self._pos = end % self._data.size
        self.filled = min(self._data.size, self.filled + x.size)

    def read(self) -> Audio:
        """The samples kept, oldest first."""
        return np.concatenate([self._data[self._pos :], self._data[: self._pos]])

    def clear(self) -> None:
        self._data[:] = 0
        self._pos = 0
        self.filled = 0


class WebRtcEchoCanceller:
    """Implements ``ports.EchoCanceller`` with WebRTC AEC3: float32 mono at 16 kHz in and out."""

    def __init__(
        self,
        block_samples: int = BLOCK_SAMPLES,
        history_s: float = 2.0,
        check_every_s: float = 1.0,
        max_delay_s: float = 0.4,
        target_delay_s: float = 0.05,
        min_confidence: float = 12.0,
    ) -> None:
        """Start the canceller.

        Args:
            block_samples: The length of the blocks ``process`` will be given (sets the latency).
            history_s: Microphone and reference kept for measuring the delay (s).
            check_every_s: ``process`` checks the alignment this often while sound is played (s).
            max_delay_s: An echo lagging its reference by more than this is re-aligned (AEC3's
                own delay estimation follows lags from 0 to about half a second).
            target_delay_s: The lag a re-alignment sets (a margin for jitter on either side).
            min_confidence: A delay measurement is trusted from this confidence on.

        Raises:
            EchoCancellerUnavailable: pywebrtc-audio is not installed or does not load.
        """
        try:
            import pywebrtc_audio
        except ImportError as exc:
            raise EchoCancellerUnavailable(
                f"The echo canceller ({PACKAGE}) is not installed; run ./setup.sh to install it."
            ) from exc
        self._ec = pywebrtc_audio.EchoCanceller(sample_rate=SAMPLE_RATE, num_channels=1, stream_delay_ms=0)
        self.framing_samples = 0 if block_samples % FRAME == 0 else FRAME
        self.latency_samples = CANCELLER_DELAY + self.framing_samples
        """How many samples the output lags the input: AEC3's 8 ms, and one frame for blocks that
        are not whole frames (18 ms for the microphone's 512-sample blocks)."""
        self.max_delay_s = max_delay_s
        self.target_delay_s = target_delay_s
        self.min_confidence = min_confidence
        self._check_every = int(check_every_s * SAMPLE_RATE)
        self._queue: deque[Audio] = deque()
        self._queued = 0
        self._debt = 0
        """Reference samples still to drop."""
        self._mic_delay = 0
        """Samples by which re-alignments delayed the microphone (part of ``latency_samples``)."""
        self._mic_skip = 0
        """Microphone samples still to skip (taking back such a delay)."""
        # The microphone delay is a reserve of microphone samples held unprocessed, while the
        # reference played meanwhile is dropped: from then on each microphone frame meets the
        # reference played that much later. Output stops while the reserve builds up (silence).
        self._mic_in = np.zeros(0, np.float32)
        self._out = np.zeros(self.framing_samples, np.float32)
        self._mic_hist = _Ring(int(history_s * SAMPLE_RATE))
        self._ref_hist = _Ring(int(history_s * SAMPLE_RATE))
        self._since_check = 0
        self.realignments = 0
        """How many times the reference was shifted back into step."""
        self.last_delay: Delay | None = None
        """The last delay measured (None: none yet, or nothing was played)."""

    # --- the port ---

    def played(self, samples: Audio) -> None:
        """Queue samples just sent to the speaker (float32 mono at 16 kHz), in the order played."""
        x = np.asarray(samples, dtype=np.float32).ravel()
        if self._debt:
            drop = min(self._debt, x.size)
            x = x[drop:]
            self._debt -= drop
        if x.size:
            self._queue.append(x)
            self._queued += x.size

    def process(self, mic: Audio) -> Audio:
        """The microphone block with the played sound's echo removed (same length)."""
        x = np.asarray(mic, dtype=np.float32).ravel()
        skip = min(self._mic_skip, x.size)
        self._mic_skip -= skip
        self._mic_in = np.concatenate([self._mic_in, x[skip:]])
        frames = max(0, self._mic_in.size - self._mic_delay) // FRAME  # the delay stays unprocessed
        cleaned = []
        for i in range(frames):
            near = self._mic_in[i * FRAME : (i + 1) * FRAME]
            far = self._take(FRAME)
            self._mic_hist.push(near)
            self._ref_hist.push(far)
            cleaned.append(np.asarray(self._ec.process(near, far), dtype=np.float32))
        self._mic_in = self._mic_in[frames * FRAME :]
        if cleaned:
            self._out = np.concatenate([self._out, *cleaned])
        self._since_check += frames * FRAME
        if self._since_check >= self._check_every:
            self._since_check = 0
            self.realign()
        out, self._out = self._out[: x.size], self._out[x.size :]
        if out.size < x.size:  # before the first whole frame, or while a microphone delay builds up
            out = np.concatenate([np.zeros(x.size - out.size, np.float32), out])
        return out

    def realign(self) -> Delay | None:
        """Measure the echo's delay behind the reference; shift the reference if it is out of step.

        Returns the delay measured (None: nothing played lately, or no echo clear enough).
        """
        if self._ref_hist.filled < self._ref_hist.size // 2:
            return None
        delay = estimate_delay(self._mic_hist.read(), self._ref_hist.read())
        if delay is None or delay.confidence < self.min_confidence:
            return None
        self.last_delay = delay
        if 0.0 <= delay.lag_s <= self.max_delay_s:
            return delay
        self.shift_reference(delay.lag_s - self.target_delay_s)
        return delay

    def shift_reference(self, seconds: float) -> None:
        """Feed the reference ``seconds`` later (positive) or sooner (negative) than the microphone.

        Later: silence goes in front of the queued reference, or (first) the microphone delay a
        past re-alignment added is taken back. Sooner: queued reference is dropped, and what
        cannot be dropped (a reference handed in after its echo was heard) is made up by
        delaying the microphone, which adds that much to ``latency_samples``.
        """
        n = int(round(abs(seconds) * SAMPLE_RATE))
        if seconds > 0:
            back = min(n, self._mic_delay)
            held = min(back, self._mic_in.size)
            self._mic_in = self._mic_in[held:]
            self._mic_skip += back - held
            self._mic_delay -= back
            self.latency_samples -= back
            if n > back:
                self._queue.appendleft(np.zeros(n - back, np.float32))
                self._queued += n - back
        else:
            drop = min(n, self._queued)
            self._debt += drop
            self._drop_debt()
            wait = n - drop
            self._mic_delay += wait  # held back unprocessed; the reference played meanwhile is
            self._debt += wait  # dropped, so each microphone frame then meets a later reference
            self.latency_samples += wait
        self._mic_hist.clear()
        self._ref_hist.clear()
        self._ec.reset()
        self.realignments += 1

    def reset(self) -> None:
        """Forget everything: a new stream (the queue, the history, the canceller's filter)."""
        self._queue.clear()
        self._queued = self._debt = self._since_check = self._mic_skip = 0
        self.latency_samples -= self._mic_delay
        self._mic_delay = 0
        self._mic_in = np.zeros(0, np.float32)
        self._out = np.zeros(self.framing_samples, np.float32)
        self._mic_hist.clear()
        self._ref_hist.clear()
        self._ec.reset()

    @property
    def queued_s(self) -> float:
        """Seconds of played sound queued and not yet paired with the microphone."""
        return self._queued / SAMPLE_RATE

    # --- inside ---

    def _drop_debt(self) -> None:
        while self._debt and self._queue:
            head = self._queue[0]
            drop = min(self._debt, head.size)
            self._debt -= drop
            self._queued -= drop
            if drop == head.size:
                self._queue.popleft()
            else:
                self._queue[0] = head[drop:]

    def _take(self, n: int) -> Audio:
        out = np.zeros(n, np.float32)
        got = 0
        while got < n and self._queue:
            head = self._queue[0]
            k = min(n - got, head.size)
            out[got : got + k] = head[:k]
            got += k
            self._queued -= k
            if k == head.size:
                self._queue.popleft()
            else:
                self._queue[0] = head[k:]
        return out
