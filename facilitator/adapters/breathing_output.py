"""A speaker for breathing exercises: the device callback pulls the samples due at its play-out time.

Pushing blocks into a queue (SoundcardSink) keeps time only while nothing stalls: a late callback,
an ALSA or PulseAudio underrun inserts silence, and every later cue is that much late for the rest
of the exercise (measured on the virtual speaker under load: +56 ms after one stall, seconds
under heavy load). Here each callback asks the timeline for the samples at its own position and
checks that position against the stream's clock (PortAudio's ``outputBufferDacTime``): when the
stream lost time, it skips the lost samples, so the cues after a glitch are back on their
absolute times (issue 3: "no drift growing over time").

sounddevice is imported inside functions (through adapters.soundcard), so importing this module
needs no PortAudio.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from facilitator.adapters.soundcard import SoundcardSink, open_stream, pick_device, sounddevice
from facilitator.audio import Audio
from facilitator.errors import DeviceError

BLOCK_FRAMES = 1024
"""Frames per callback: fixed, so callbacks come evenly (variable blocks through the ALSA pulse
plugin came as small as 1 frame and underran)."""
SETTLE_S = 0.5
"""The stream's output latency fills up during its first half second: the reference offset is
the largest seen then."""
RESYNC_S = 0.01
"""Lost time above this is skipped over (s); below it, jitter of the clock estimate (1-2 ms
measured) is ignored."""
FADE_S = 0.03
"""Fade-out when stopped (s)."""


class StreamPosition:
    """Which timeline sample each audio callback starts at, judged by the stream's clock.

    Normally the next callback continues where the last one ended. The stream clock says when a
    callback's first sample will be heard (``dac_s``); ``dac_s - pos / rate`` is when sample 0 would
    have been heard. That offset is constant while nothing is lost; when it grows past
    RESYNC_S, the stream lost that much time (an underrun, a frozen process), and the lost samples
    are skipped so what follows is heard at its absolute time.
    """

    def __init__(self, sample_rate: int, settle_s: float = SETTLE_S, resync_s: float = RESYNC_S) -> None:
        self.sample_rate = sample_rate
        self.settle_s = settle_s
        self.resync_s = resync_s
        self.pos = 0
        """The next sample to play."""
        self.skipped = 0
        """Samples skipped so far."""
        self._ref: float | None = None
        self._started: float | None = None

    def start_of_block(self, dac_s: float, frames: int) -> int:
        """The first sample of the block to play now (``dac_s`` <= 0: the stream has no clock)."""
        pos = self.pos
        if dac_s > 0.0:
            if self._started is None:
                self._started = dac_s
            offset = dac_s - pos / self.sample_rate
            if self._ref is None or dac_s - self._started < self.settle_s:
                self._ref = offset if self._ref is None else max(self._ref, offset)
            elif offset - self._ref > self.resync_s:
                lost = int(round((offset - self._ref) * self.sample_rate))
                pos += lost
                self.skipped += lost
        self.pos = pos + frames
        return pos

    def heard_s(self, now_s: float) -> float:
        """The timeline second being heard at stream time ``now_s``."""
        return 0.0 if self._ref is None else max(0.0, now_s - self._ref)


class TimelineSpeaker:
    """Plays sample-addressed audio (``block_at(start, n)``) on an output device, on absolute time.

    Also implements AudioSink (``play``), through SoundcardSink, for anything else it is given.
    """

    def __init__(self, device: str | int | None = None, *, latency: str | float = "high") -> None:
        """Choose the device now (DeviceError if there is none).

        Args:
            device: Name, part of a name, or index; None for the default output.
            latency: PortAudio's suggested latency ("high" or seconds): a larger buffer rides out
                CPU load from transcription on two cores.
        """
        self.device = pick_device(device, "output")
        self.latency = latency
        self.skipped_s = 0.0
        """Time skipped to stay on schedule during the last ``play_timeline`` (s)."""

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        """AudioSink: play chunks in order (as SoundcardSink does)."""
        sink = SoundcardSink(self.device.index)
        sink.play(chunks, sample_rate)

    def supports_rate(self, sample_rate: int) -> bool:
        """Whether the device opens at ``sample_rate`` as is."""
        sd = sounddevice()
        try:
            sd.check_output_settings(
                device=self.device.index, channels=1, dtype="float32", samplerate=sample_rate
            )
        except (sd.PortAudioError, ValueError):
            return False
        return True

    def play_timeline(
        self,
        block_at: Callable[[int, int], Audio],
        length: int,
        sample_rate: int,
        keep_going: Callable[[float], bool],
        poll_s: float = 0.05,
    ) -> bool:
        """Play samples 0 to ``length``; True when played to the end, False when stopped.

        Args:
            block_at: ``block_at(start, n)`` returns samples ``start`` to ``start + n`` (fast: it runs
                on the audio thread).
            length: Total samples.
            sample_rate: Rate of the samples; the device must take it (see ``supports_rate``).
            keep_going: Called on this thread every ``poll_s`` with the seconds of the timeline now
                being heard; False fades out and stops. May take a while without harming timing.
            poll_s: How often ``keep_going`` is asked (s).

        Raises:
            DeviceError: the device cannot be opened or is lost while playing.
        """
        sd = sounddevice()
        done = threading.Event()
        stop = threading.Event()
        fade = np.linspace(1.0, 0.0, max(1, int(FADE_S * sample_rate)), dtype=np.float32)
        place = StreamPosition(sample_rate)
        heard = [0.0]

        def on_request(outdata: Any, frames: int, time: Any, status: Any) -> None:
            # Audio thread: place the block by the stream clock, then copy; no waiting here.
            pos = place.start_of_block(float(time.outputBufferDacTime), frames)
            heard[0] = place.heard_s(float(time.currentTime))
            block = block_at(pos, frames) if pos < length else np.zeros(frames, dtype=np.float32)
            if stop.is_set():
                n = min(frames, fade.size)
                outdata[:n, 0] = block[:n] * fade[:n]
                outdata[n:, 0] = 0.0
                raise sd.CallbackStop
            outdata[:, 0] = block
            if pos + frames >= length:
                raise sd.CallbackStop

        stream = open_stream(self.device, "output", sample_rate, on_request, done.set,
                             blocksize=BLOCK_FRAMES, latency=self.latency)
        completed = True
        try:
            stream.start()
            while not done.wait(poll_s):
                if not stream.active and not done.wait(1.0):
                    raise DeviceError(f"The speaker {self.device.name} was lost; plug it back in.")
                if completed and not keep_going(heard[0]):
                    completed = False
                    stop.set()
        except BaseException:
            stream.abort()  # Ctrl-C (or an error) silences the speaker at once
            raise
        finally:
            stream.close()
            self.skipped_s = place.skipped / sample_rate
        return completed
