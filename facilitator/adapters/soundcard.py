"""sounddevice (PortAudio) behind the AudioSource and AudioSink ports: microphone, speaker, device list.

The audio callbacks are the program's only thread boundary (STYLE.md): the microphone's callback
copies each block into a queue and returns; the speaker's callback takes samples from a queue that
the main thread fills while it synthesizes the next sentence. sounddevice is imported inside
functions, so every command that needs no device works without PortAudio.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio, resample
from facilitator.errors import DeviceError

PORTAUDIO_FIX = "sudo apt-get install libportaudio2"
"""The command that installs PortAudio on Debian/Ubuntu (macOS and Windows wheels carry it)."""

LOST_AFTER_S = 2.0
"""A microphone that sends nothing for this long is taken as lost (s)."""


def sounddevice() -> Any:
    """Import sounddevice, turning a missing PortAudio into a DeviceError that names the fix.

    Raises:
        DeviceError: PortAudio (or sounddevice itself) is missing.
    """
    try:
        import sounddevice as sd
    except OSError as exc:  # sounddevice raises OSError when it cannot find the PortAudio library
        raise DeviceError(f"The PortAudio library is missing; install it with {PORTAUDIO_FIX}.") from exc
    except ImportError as exc:
        raise DeviceError(
            "The sounddevice package is missing; run .venv/bin/python -m pip install sounddevice."
        ) from exc
    return sd


@dataclass(frozen=True)
class DeviceInfo:
    """One audio device as PortAudio lists it."""

    index: int
    name: str
    inputs: int
    """Input channels (0: not a microphone)."""
    outputs: int
    """Output channels (0: not a speaker)."""
    default_rate: int
    """The device's default sample rate (Hz)."""
    default_input: bool = False
    default_output: bool = False


def list_devices() -> list[DeviceInfo]:
    """All input and output devices, in PortAudio's order.

    Raises:
        DeviceError: PortAudio is missing or cannot list devices.
    """
    sd = sounddevice()
    try:
        raw = sd.query_devices()
        default_in, default_out = _defaults(sd)
    except sd.PortAudioError as exc:
        raise DeviceError(f"PortAudio cannot list the audio devices ({exc}); check the sound setup.") from exc
    return [
        DeviceInfo(
            index=int(d["index"]),
            name=str(d["name"]),
            inputs=int(d["max_input_channels"]),
            outputs=int(d["max_output_channels"]),
            default_rate=int(d["default_samplerate"]),
            default_input=int(d["index"]) == default_in,
            default_output=int(d["index"]) == default_out,
        )
        for d in raw
    ]


def _defaults(sd: Any) -> tuple[int, int]:
    device = sd.default.device
    return int(device[0]), int(device[1])


def pick_device(spec: str | int | None, kind: str) -> DeviceInfo:
    """The device named by index, by (part of) its name, or the default one.

    Args:
        spec: None for the default, an index (int or digits), or a case-insensitive name or part of it.
        kind: "input" or "output".

    Raises:
        DeviceError: no such device, the name matches several, or there is no device of that kind.
    """
    devices = list_devices()
    usable = [d for d in devices if (d.inputs if kind == "input" else d.outputs) > 0]
    option = f"--{kind}"
    if not usable:
        what = "microphone (input)" if kind == "input" else "speaker (output)"
        raise DeviceError(f"No {what} device was found; plug one in, then run facilitator devices.")
    if spec is None or spec == "":
        default = [d for d in usable if (d.default_input if kind == "input" else d.default_output)]
        return default[0] if default else usable[0]
    text = str(spec).strip()
    if text.isdigit():
        match = [d for d in usable if d.index == int(text)]
        if not match:
            raise DeviceError(
                f"There is no {kind} device with index {text}; pick one from facilitator devices."
            )
        return match[0]
    exact = [d for d in usable if d.name.lower() == text.lower()]
    if exact:
        return exact[0]
    partial = [d for d in usable if text.lower() in d.name.lower()]
    if len(partial) == 1:
        return partial[0]
    if not partial:
        raise DeviceError(f"No {kind} device is named like {text!r}; pick one from facilitator devices.")
    names = ", ".join(f"{d.index}: {d.name}" for d in partial)
    raise DeviceError(f"Several {kind} devices match {text!r} ({names}); give the index to {option}.")


def open_stream(
    device: DeviceInfo,
    kind: str,
    rate: int,
    callback: Callable[..., None],
    finished: Callable[[], None],
    **options: Any,
) -> Any:
    """Open (not start) a mono float32 callback stream on ``device``.

    Args:
        device: From ``pick_device``.
        kind: "input" (an InputStream) or "output" (an OutputStream).
        rate: Sample rate (Hz).
        callback: sounddevice's audio callback; it runs on the audio thread.
        finished: Called when the stream ends (stopped, or the device was lost).
        options: More sounddevice stream options (blocksize, latency).

    Raises:
        DeviceError: the device refuses these settings or is gone; the message names the option.
    """
    sd = sounddevice()
    cls = sd.InputStream if kind == "input" else sd.OutputStream
    try:
        return cls(
            device=device.index, channels=1, samplerate=rate, dtype="float32",
            callback=callback, finished_callback=finished, **options,
        )
    except (sd.PortAudioError, ValueError) as exc:
        what = "microphone" if kind == "input" else "speaker"
        raise DeviceError(
            f"Cannot open the {what} {device.name} ({exc}); check it is plugged in, "
            f"or pick another with --{kind}."
        ) from exc


class StreamResampler:
    """Resamples a stream block by block with state carried over, so blocks join without clicks.

    A windowed-sinc low-pass (below the lower Nyquist) keeps its filter memory across blocks, then
    linear interpolation picks the output instants; adequate for speech recognition and VAD.
    """

    def __init__(self, from_rate: int, to_rate: int) -> None:
        """Prepare the filter for ``from_rate`` -> ``to_rate`` (Hz)."""
        from scipy.signal import firwin

        self.step = from_rate / to_rate
        cutoff = 0.45 * min(from_rate, to_rate)
        self._taps = firwin(63, cutoff, fs=from_rate).astype(np.float64)
        self._zi = np.zeros(self._taps.size - 1)
        self._held = np.zeros(0)
        self._pos = 0.0

    def process(self, block: Audio) -> Audio:
        """Resample the next block; the output length varies by a sample from block to block."""
        from scipy.signal import lfilter

        filtered, self._zi = lfilter(self._taps, 1.0, np.asarray(block, dtype=np.float64), zi=self._zi)
        data = np.concatenate([self._held, filtered])
        last = data.size - 1
        count = int(np.floor((last - self._pos) / self.step)) + 1 if last >= self._pos else 0
        points = self._pos + self.step * np.arange(count)
        out = np.interp(points, np.arange(data.size), data) if count else np.zeros(0)
        next_pos = self._pos + self.step * count
        keep_from = int(np.floor(next_pos))
        keep_from = min(keep_from, data.size - 1) if data.size else 0
        self._held = data[keep_from:]
        self._pos = next_pos - keep_from
        return out.astype(np.float32)


class Microphone:
    """Implements AudioSource: mono float32 blocks of BLOCK_SAMPLES at SAMPLE_RATE from an input device.

    A device that cannot record at 16 kHz is opened at its own rate and resampled. ``blocks()``
    opens a fresh stream each time it is called, so after a lost device the caller can try again.
    """

    def __init__(self, device: str | int | None = None) -> None:
        """Choose the device now (DeviceError if there is none); the stream opens when blocks are read."""
        self.device = pick_device(device, "input")
        self._queue: queue.Queue[Audio] = queue.Queue()
        self._check_opens()

    def _check_opens(self) -> None:
        """Fail now, before any model loads, if the device cannot record at all.

        The device list alone cannot tell: PortAudio keeps listing "default" after the microphone
        behind it is gone, but asking whether it would open fails at once (issue 7).
        """
        sd = sounddevice()
        errors: list[str] = []
        for rate in (SAMPLE_RATE, self.device.default_rate):
            try:
                sd.check_input_settings(
                    device=self.device.index, channels=1, dtype="float32", samplerate=rate
                )
                return
            except (sd.PortAudioError, ValueError) as exc:
                errors.append(str(exc))
        raise DeviceError(
            f"Cannot open the microphone {self.device.name} ({errors[-1]}); plug one in, or pick "
            "another with --input (see `facilitator devices`)."
        )

    def discard_pending(self) -> int:
        """Drop the blocks recorded but not yet read (half-duplex); returns the samples dropped."""
        dropped = 0
        while True:
            try:
                dropped += int(self._queue.get_nowait().size)
            except queue.Empty:
                return dropped

    def blocks(self) -> Iterator[Audio]:
        """Record until the consumer stops; raise DeviceError when the device is lost.

        Raises:
            DeviceError: the stream cannot open, or stops delivering sound.
        """
        sd = sounddevice()
        rate = SAMPLE_RATE
        resampler: StreamResampler | None = None
        try:
            sd.check_input_settings(device=self.device.index, channels=1, dtype="float32", samplerate=rate)
        except (sd.PortAudioError, ValueError):
            rate = self.device.default_rate
            resampler = StreamResampler(rate, SAMPLE_RATE)
        lost = threading.Event()
        self._queue = queue.Queue()
        pending = self._queue

        def on_audio(indata: Any, frames: int, time: Any, status: Any) -> None:
            # Audio thread: copy and hand over, nothing else (no allocation beyond the copy).
            pending.put(indata[:, 0].copy())

        blocksize = BLOCK_SAMPLES if resampler is None else int(round(BLOCK_SAMPLES * rate / SAMPLE_RATE))
        stream = open_stream(self.device, "input", rate, on_audio, lost.set, blocksize=blocksize)
        try:
            stream.start()
        except sd.PortAudioError as exc:
            stream.close()
            raise DeviceError(
                f"Cannot start the microphone {self.device.name} ({exc}); check it is plugged in, "
                "or pick another with --input."
            ) from exc
        carry = np.zeros(0, dtype=np.float32)
        try:
            while True:
                raw = self._next_raw(pending, lost)
                data = raw if resampler is None else resampler.process(raw)
                carry = np.concatenate([carry, data]) if carry.size else data
                while carry.size >= BLOCK_SAMPLES:
                    yield carry[:BLOCK_SAMPLES]
                    carry = carry[BLOCK_SAMPLES:]
        finally:
            stream.abort()
            stream.close()


    def _next_raw(self, pending: queue.Queue[Audio], lost: threading.Event) -> Audio:
        """The next recorded block; DeviceError as soon as the stream has finished or gone silent.

        The queue is polled in short steps so a stream that PortAudio ended (device unplugged) is
        reported within a tenth of a second, not after the full LOST_AFTER_S wait.
        """
        waited_s = 0.0
        while True:
            try:
                return pending.get(timeout=_POLL_S)
            except queue.Empty:
                if lost.is_set():
                    raise DeviceError(
                        f"The microphone {self.device.name} was lost; plug it back in."
                    ) from None
                waited_s += _POLL_S
                if waited_s >= LOST_AFTER_S:
                    raise DeviceError(
                        f"The microphone {self.device.name} stopped sending sound; check it is plugged in."
                    ) from None


_POLL_S = 0.1
"""How often a waiting microphone reader checks whether its stream has ended (s)."""


class SoundcardSink:
    """Implements AudioSink: plays chunks on an output device while the next ones are synthesized."""

    def __init__(self, device: str | int | None = None) -> None:
        """Choose the device now (DeviceError if there is none)."""
        self.device = pick_device(device, "output")

    def play(self, chunks: Iterable[Audio], sample_rate: int) -> None:
        """Play chunks in order, blocking until the last sample is out; Ctrl-C stops at once.

        The first chunk starts playing as soon as it arrives; later chunks are produced by the
        caller's generator (synthesis) while earlier ones play.

        Raises:
            DeviceError: the device cannot be opened or is lost while playing.
        """
        sd = sounddevice()
        rate = sample_rate
        try:
            sd.check_output_settings(device=self.device.index, channels=1, dtype="float32", samplerate=rate)
        except (sd.PortAudioError, ValueError):
            rate = self.device.default_rate
        pending: queue.Queue[Audio | None] = queue.Queue()
        done = threading.Event()
        state: dict[str, Any] = {"left": np.zeros(0, dtype=np.float32), "end": False}

        def on_request(outdata: Any, frames: int, time: Any, status: Any) -> None:
            # Audio thread: fill from the queue; silence while the next sentence is still coming.
            filled = 0
            while filled < frames:
                left = state["left"]
                if left.size == 0:
                    try:
                        item = pending.get_nowait()
                    except queue.Empty:
                        break
                    if item is None:
                        state["end"] = True
                        break
                    state["left"] = left = item
                take = min(frames - filled, left.size)
                outdata[filled : filled + take, 0] = left[:take]
                state["left"] = left[take:]
                filled += take
            outdata[filled:, 0] = 0.0
            if state["end"] and state["left"].size == 0:
                raise sd.CallbackStop

        stream = open_stream(self.device, "output", rate, on_request, done.set)
        started = False
        try:
            for chunk in chunks:
                audio = np.asarray(chunk, dtype=np.float32).reshape(-1)
                pending.put(resample(audio, sample_rate, rate) if rate != sample_rate else audio)
                if not started:
                    stream.start()
                    started = True
            pending.put(None)
            if started:
                while not done.wait(0.05):
                    # An inactive stream that does not report finished soon after has died.
                    if not stream.active and not done.wait(1.0):
                        raise DeviceError(f"The speaker {self.device.name} was lost; plug it back in.")
        except BaseException:
            stream.abort()  # Ctrl-C (or an error) silences the speaker at once, dropping its buffer
            raise
        finally:
            stream.close()
