"""The test side of the virtual sound card (issue 7): a microphone to talk into, a speaker to record.

``VirtualSoundCard`` starts and stops scripts/virtual_audio.sh. ``MicWriter`` is the person at the
microphone: a thread that writes 16 kHz s16le blocks into the pipe source's FIFO in real time,
always (room sound or silence when nobody speaks, as a real microphone never stops sending), and
mixes clips in when asked. ``SpeakerRecorder`` records the null sink's monitor with parec and maps
every recorded sample to the monotonic clock, so a test can ask when the facilitator started or
stopped talking. Used by tests/e2e and by scripts/bench_latency.py and scripts/soak.py.
"""

from __future__ import annotations

import array
import errno
import fcntl
import os
import re
import shutil
import subprocess
import termios
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

RATE = 16_000
"""Sample rate of the microphone FIFO and of the speaker recording (Hz)."""
BLOCK = 512
"""Samples the microphone writer sends per tick (32 ms)."""
SCRIPT = Path(__file__).resolve().with_name("virtual_audio.sh")

Audio = npt.NDArray[np.float32]


def have_pulseaudio() -> bool:
    """Whether the Debian packages the virtual card needs are installed."""
    return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "parec", "pacat")) and any(
        Path(p).exists()
        for p in (
            "/usr/lib/x86_64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so",
            "/usr/lib/aarch64-linux-gnu/alsa-lib/libasound_module_pcm_pulse.so",
            "/usr/lib/alsa-lib/libasound_module_pcm_pulse.so",
        )
    )


class VirtualSoundCard:
    """A private PulseAudio microphone and speaker in ``folder`` (scripts/virtual_audio.sh)."""

    def __init__(self, folder: Path) -> None:
        self.folder = Path(folder)
        self.fifo = self.folder / "mic.fifo"
        self.speaker_server = f"unix:{self.folder / 'speaker.sock'}"
        self.variables: dict[str, str] = {}

    def start(self) -> VirtualSoundCard:
        """Start the servers (RuntimeError with their log if they do not come up)."""
        done = self._run("start")
        for line in done.stdout.splitlines():
            key, _, value = line.partition("=")
            if key and value:
                self.variables[key] = value
        return self

    def stop(self) -> None:
        """Stop the servers; safe to call twice."""
        self._run("stop")

    def unplug(self) -> None:
        """Remove the microphone: its stream ends, as when a USB headset is pulled out."""
        self._run("unplug")

    def plug(self) -> None:
        """Put the microphone back (same name, same FIFO)."""
        self._run("plug")

    def env(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """An environment for a program that should use the virtual card through ALSA/PortAudio.

        PULSE_SERVER is left out on purpose: with it set, the pulse plugin's "load if running" hook
        replaces ALSA's default device with a plain pulse device on that one server, and capture
        would come from the speaker's monitor instead of the microphone.
        """
        out = dict(os.environ if base is None else base)
        out.update({k: v for k, v in self.variables.items() if k != "PULSE_SERVER"})
        out.pop("PULSE_SERVER", None)
        return out

    def tool_env(self) -> dict[str, str]:
        """Environment for pactl/parec/pacat: they talk to the speaker's server."""
        out = dict(os.environ)
        out.update(self.variables)
        return out

    def _run(self, command: str) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(
            ["bash", str(SCRIPT), command, str(self.folder)], capture_output=True, text=True, timeout=30
        )
        if done.returncode != 0:
            raise RuntimeError(f"virtual_audio.sh {command} failed: {done.stderr.strip()}")
        return done


@dataclass(frozen=True)
class Played:
    """A clip as the microphone writer sent it (monotonic clock, s)."""

    start_s: float
    """When its first sample was written into the FIFO."""
    end_s: float
    """When its last sample was written into the FIFO."""


class _Clip:
    def __init__(self, audio: Audio, at_s: float | None) -> None:
        self.audio = audio
        self.at_s = at_s
        self.pos = 0
        self.started_s: float | None = None
        self.done = threading.Event()
        self.played: Played | None = None


class MicWriter:
    """Writes the microphone's sound into the FIFO in real time, on absolute 32 ms deadlines.

    Between clips it writes the bed (quiet room sound by default). Clips overlap by mixing. While
    the microphone is unplugged the FIFO is gone: blocks are dropped (time goes on) and the writer
    reopens the FIFO when it is back. Blocks nobody reads are dropped too once the FIFO holds more
    than ``max_backlog_s``, as a real microphone does not store sound for a stream opened later.
    """

    def __init__(self, fifo: Path, bed: Audio | None = None, max_backlog_s: float = 0.1) -> None:
        self.fifo = Path(fifo)
        self.bed = bed if bed is not None else quiet_room(RATE * 8)
        self.max_backlog_bytes = int(max_backlog_s * RATE) * 2
        self.written_s = 0.0
        """Seconds of audio written into the FIFO (dropped blocks not counted)."""
        self.dropped_s = 0.0
        self._clips: list[_Clip] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._fd: int | None = None
        self._bed_pos = 0
        self._thread = threading.Thread(target=self._run, name="mic-writer", daemon=True)

    def __enter__(self) -> MicWriter:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop writing (the last thing: a stream on the pipe source stalls without input)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=5)
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def say(self, audio: Audio, at_s: float | None = None, wait: bool = True) -> _Clip:
        """Mix ``audio`` in from ``at_s`` (monotonic; None: the next block); block until written."""
        clip = _Clip(np.asarray(audio, dtype=np.float32), at_s)
        with self._lock:
            self._clips.append(clip)
        if wait:
            clip.done.wait()
        return clip

    def _run(self) -> None:
        period = BLOCK / RATE
        next_s = time.monotonic()
        while not self._stop.is_set():
            now = time.monotonic()
            block = self._next_block(next_s)
            self._write(block)
            next_s += period
            if next_s < now - 1.0:  # the machine stalled for a second: do not burst to catch up
                next_s = now
            pause = next_s - time.monotonic()
            if pause > 0:
                self._stop.wait(pause)

    def _next_block(self, t_s: float) -> bytes:
        idx = (self._bed_pos + np.arange(BLOCK)) % self.bed.size
        self._bed_pos = (self._bed_pos + BLOCK) % self.bed.size
        mix = self.bed[idx].astype(np.float32)
        with self._lock:
            for clip in list(self._clips):
                if clip.at_s is not None and clip.at_s > t_s + BLOCK / RATE / 2:
                    continue
                if clip.started_s is None:
                    clip.started_s = time.monotonic()
                take = min(BLOCK, clip.audio.size - clip.pos)
                mix[:take] += clip.audio[clip.pos : clip.pos + take]
                clip.pos += take
                if clip.pos >= clip.audio.size:
                    self._clips.remove(clip)
                    clip.played = Played(clip.started_s, time.monotonic())
                    clip.done.set()
        return (np.clip(mix, -1.0, 1.0) * 32767).astype("<i2").tobytes()

    def _write(self, data: bytes) -> None:
        if self._fd is None:
            try:
                self._fd = os.open(self.fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError:  # unplugged (no FIFO, or nobody holds it open): the sound is lost
                self.dropped_s += BLOCK / RATE
                return
        try:
            if _pipe_bytes(self._fd) > self.max_backlog_bytes:
                self.dropped_s += BLOCK / RATE
                return
            os.write(self._fd, data)  # 1 KiB <= PIPE_BUF: all or nothing
            self.written_s += BLOCK / RATE
        except OSError as exc:
            if exc.errno not in (errno.EPIPE, errno.EAGAIN, errno.EBADF):
                raise
            self.dropped_s += BLOCK / RATE
            if exc.errno != errno.EAGAIN:
                os.close(self._fd)
                self._fd = None


def _pipe_bytes(fd: int) -> int:
    buf = array.array("i", [0])
    fcntl.ioctl(fd, termios.FIONREAD, buf)
    return int(buf[0])


def quiet_room(samples: int, level_dbfs: float = -60.0, seed: int = 3) -> Audio:
    """Quiet, low-passed room tone (never digital silence, like a real microphone)."""
    rng = np.random.default_rng(seed)
    white = rng.standard_normal(samples)
    smooth = np.convolve(white, np.ones(8) / 8, mode="same")
    smooth /= max(float(np.sqrt(np.mean(smooth**2))), 1e-12)
    return (smooth * 10 ** (level_dbfs / 20)).astype(np.float32)


class SpeakerRecorder:
    """Records the virtual speaker (its monitor) at 16 kHz mono, each sample placed on the monotonic clock.

    A silent stream plays into the sink all along so the sink keeps running and the monitor is a
    continuous recording (a null sink with nothing playing sends nothing to its monitor).
    """

    def __init__(self, card: VirtualSoundCard, loud_dbfs: float = -45.0) -> None:
        self.card = card
        self.loud_dbfs = loud_dbfs
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._samples = 0
        self._anchor_s = float("inf")
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._thread: threading.Thread | None = None
        self._partial = b""

    def __enter__(self) -> SpeakerRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, settle_timeout_s: float = 10.0) -> SpeakerRecorder:
        """Start recording; returns once sound flows in (the monitor takes up to a second)."""
        env = self.card.tool_env()
        server = f"--server={self.card.speaker_server}"
        fmt = ["--rate=16000", "--channels=1", "--format=s16le", "--raw"]
        keep = subprocess.Popen(
            ["pacat", "--playback", server, "--device=speaker", "--latency-msec=30", *fmt, "/dev/zero"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        rec = subprocess.Popen(
            ["parec", server, "--device=speaker.monitor", "--latency-msec=20", *fmt],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )
        self._procs = [keep, rec]
        self._thread = threading.Thread(target=self._read, args=(rec,), name="speaker-recorder", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + settle_timeout_s
        while self._samples < RATE // 4:
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the virtual speaker's monitor sends no sound")
            time.sleep(0.05)
        return self

    def stop(self) -> None:
        """Stop recording (what was recorded stays)."""
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in self._procs:
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                proc.kill()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _read(self, proc: subprocess.Popen[bytes]) -> None:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        while True:
            data = os.read(fd, 4096)
            now = time.monotonic()
            if not data:
                return
            data = self._partial + data
            usable = len(data) - len(data) % 2
            self._partial = data[usable:]
            chunk = np.frombuffer(data[:usable], dtype="<i2").copy()
            with self._lock:
                self._chunks.append(chunk)
                self._samples += chunk.size
                # The earliest arrival minus the samples before it bounds where sample 0 lies;
                # the minimum over all chunks removes the scheduling delays of individual reads.
                self._anchor_s = min(self._anchor_s, now - self._samples / RATE)

    # --- reading the recording -----------------------------------------------------------------

    def audio(self) -> Audio:
        """Everything recorded so far, float32 in [-1, 1]."""
        with self._lock:
            data = np.concatenate(self._chunks) if self._chunks else np.zeros(0, dtype=np.int16)
        return (data.astype(np.float32) / 32768.0).astype(np.float32)

    def time_of(self, sample: int) -> float:
        """Monotonic time (s) at which recorded sample ``sample`` was played."""
        return self._anchor_s + sample / RATE

    def sample_at(self, t_s: float) -> int:
        """Index of the sample played at monotonic time ``t_s``."""
        return max(0, int(round((t_s - self._anchor_s) * RATE)))

    def loud_frames(self, frame_s: float = 0.02) -> tuple[npt.NDArray[np.bool_], int]:
        """Which ``frame_s`` frames are louder than ``loud_dbfs``, and the frame length (samples)."""
        x = self.audio()
        n = int(frame_s * RATE)
        frames = x[: x.size - x.size % n].reshape(-1, n)
        rms = np.sqrt(np.mean(np.square(frames, dtype=np.float64), axis=1))
        return 20 * np.log10(np.maximum(rms, 1e-9)) > self.loud_dbfs, n

    def first_sound_after(self, t_s: float) -> float | None:
        """Monotonic time of the first loud frame at or after ``t_s`` (None: none yet)."""
        loud, n = self.loud_frames()
        start = self.sample_at(t_s) // n
        hits = np.nonzero(loud[start:])[0]
        return None if hits.size == 0 else self.time_of((start + int(hits[0])) * n)

    def quiet_for(self, quiet_s: float) -> bool:
        """Whether the last ``quiet_s`` of the recording held no loud frame."""
        loud, n = self.loud_frames()
        last = int(quiet_s * RATE / n)
        return loud.size >= last and not loud[-last:].any()

    def wait_quiet(self, after_s: float, quiet_s: float = 0.8, timeout_s: float = 120.0) -> float:
        """Wait until the speaker made a sound after ``after_s`` and then stayed quiet ``quiet_s``.

        Returns the monotonic time its sound ended. Raises TimeoutError.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            loud, n = self.loud_frames()
            start = self.sample_at(after_s) // n
            hits = np.nonzero(loud[start:])[0]
            if hits.size:
                last = start + int(hits[-1])
                if (loud.size - 1 - last) * n / RATE >= quiet_s:
                    return self.time_of((last + 1) * n)
            time.sleep(0.05)
        raise TimeoutError(f"the speaker did not go quiet within {timeout_s:.0f} s")

    def spans(self, min_gap_s: float = 0.5, frame_s: float = 0.02) -> list[tuple[float, float]]:
        """Stretches of sound (monotonic start and end), split at silences of ``min_gap_s`` or more."""
        loud, n = self.loud_frames(frame_s)
        out: list[tuple[float, float]] = []
        gap = int(min_gap_s / frame_s)
        idx = np.nonzero(loud)[0]
        if idx.size == 0:
            return out
        begin = prev = int(idx[0])
        for i in idx[1:]:
            if i - prev > gap:
                out.append((self.time_of(begin * n), self.time_of((prev + 1) * n)))
                begin = int(i)
            prev = int(i)
        out.append((self.time_of(begin * n), self.time_of((prev + 1) * n)))
        return out


def prompt_matchers(script_path: Path | None = None) -> list[tuple[str, re.Pattern[str]]]:
    """(prompt id, regex) for every variant of every line of the session script.

    The live session shows each prompt as "Facilitator: <text>"; this maps a shown text back to
    its prompt id, with placeholders ({name}, {sharer}, ...) matching any words.
    """
    import tomllib
    from importlib import resources

    if script_path is None:
        text = resources.files("facilitator").joinpath("scripts/default.toml").read_text("utf-8")
        raw = tomllib.loads(text)
    else:
        raw = tomllib.loads(Path(script_path).read_text("utf-8"))
    out: list[tuple[str, re.Pattern[str]]] = []
    for step, table in raw.items():
        if not isinstance(table, dict):
            continue
        for key, value in table.items():
            for text in [value] if isinstance(value, str) else value:
                parts = re.split(r"\{[a-z_]+\}", text)
                pattern = "(?:.+?)".join(re.escape(p) for p in parts)
                out.append((f"{step}.{key}", re.compile(rf"^{pattern}$")))
    # Longer patterns first, so a line that contains a shorter one as its whole is not misread.
    out.sort(key=lambda item: -len(item[1].pattern))
    return out


def prompt_id(text: str, matchers: list[tuple[str, re.Pattern[str]]]) -> str | None:
    """The prompt id of a shown text (None: coaching words or anything not in the script)."""
    for pid, pattern in matchers:
        if pattern.match(text.strip()):
            return pid
    return None


def iter_lines(stream: object) -> Iterator[str]:
    """Lines of a subprocess pipe, decoded, without their line ends."""
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        yield raw.decode("utf-8", "replace").rstrip("\n")
