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
import sys
import termios
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

RATE = 16_000
"""Sample rate of the microphone FIFO and of the speaker recording (Hz)."""
BLOCK = 512
"""Samples the microphone writer sends per tick (32 ms)."""
FRAME = 320
"""Samples per loudness frame of the speaker recording (20 ms)."""
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

    def __init__(self, fifo: Path, bed: Audio | None = None, max_backlog_s: float = 0.1,
                 echo: Any = None) -> None:
        self.fifo = Path(fifo)
        self.echo = echo
        """Optional: called as ``echo(t_s, samples)`` for each block, its sound mixed in (the echo of
        the speaker, scripts/echo_path.py MonitorEcho)."""
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
        if self.echo is not None:
            mix += self.echo(t_s, BLOCK)
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

    def __init__(self, card: VirtualSoundCard, loud_dbfs: float = -45.0, device: str = "speaker.monitor",
                 server: str | None = None) -> None:
        self.card = card
        self.device = device
        self.server = server or card.speaker_server
        """Another server and device record another source (the microphone: mic.sock, "mic")."""
        self.loud_dbfs = loud_dbfs
        self._chunks: list[npt.NDArray[np.int16]] = []
        self._samples = 0
        self._anchor_s = float("inf")
        self._lock = threading.Lock()
        self._procs: list[subprocess.Popen[bytes]] = []
        self._thread: threading.Thread | None = None
        self._partial = b""
        self._loud = bytearray()
        """One flag per FRAME of the recording: louder than ``loud_dbfs`` (kept as it records, so
        polling for quiet costs nothing while a session runs on the same two cores)."""
        self._frame_rest = np.zeros(0, dtype=np.int16)

    def __enter__(self) -> SpeakerRecorder:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self, settle_timeout_s: float = 10.0) -> SpeakerRecorder:
        """Start recording; returns once sound flows in (the monitor takes up to a second)."""
        env = self.card.tool_env()
        server = f"--server={self.server}"
        fmt = ["--rate=16000", "--channels=1", "--format=s16le", "--raw"]
        keep = subprocess.Popen(
            ["pacat", "--playback", server, "--device=speaker", "--latency-msec=30", *fmt, "/dev/zero"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        rec = subprocess.Popen(
            ["parec", server, f"--device={self.device}", "--latency-msec=20", *fmt],
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
            data16 = np.concatenate([self._frame_rest, chunk])
            whole = data16.size - data16.size % FRAME
            frames = data16[:whole].astype(np.float64).reshape(-1, FRAME) / 32768.0
            rms = np.sqrt(np.mean(np.square(frames), axis=1))
            flags = (20 * np.log10(np.maximum(rms, 1e-9)) > self.loud_dbfs).astype(np.uint8).tobytes()
            self._frame_rest = data16[whole:]
            with self._lock:
                self._chunks.append(chunk)
                self._loud.extend(flags)
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

    def loud_frames(self, frame_s: float = FRAME / RATE) -> tuple[npt.NDArray[np.bool_], int]:
        """Which ``frame_s`` frames are louder than ``loud_dbfs``, and the frame length (samples)."""
        if int(frame_s * RATE) == FRAME:
            with self._lock:
                return np.frombuffer(bytes(self._loud), dtype=np.uint8).astype(bool), FRAME
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

    def wait_quiet(self, after_s: float, quiet_s: float = 0.8, timeout_s: float = 120.0,
                   min_sound_s: float = 0.0, long_quiet_s: float | None = None) -> float:
        """Wait until the speaker made a sound after ``after_s`` and then stayed quiet ``quiet_s``.

        With ``min_sound_s``, a quiet counts only after that much sound since ``after_s`` (or, with
        ``long_quiet_s``, a quiet that long): a loaded machine can leave a gap longer than
        ``quiet_s`` between the sentences of one prompt while it synthesizes the next one.
        Returns the monotonic time its sound ended. Raises TimeoutError.
        """
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            loud, n = self.loud_frames()
            start = self.sample_at(after_s) // n
            hits = np.nonzero(loud[start:])[0]
            if hits.size:
                last = start + int(hits[-1])
                quiet = (loud.size - 1 - last) * n / RATE
                enough = hits.size * n / RATE >= min_sound_s
                if quiet >= quiet_s and (enough or (long_quiet_s is not None and quiet >= long_quiet_s)):
                    return self.time_of((last + 1) * n)
            time.sleep(0.05)
        raise TimeoutError(f"the speaker did not go quiet within {timeout_s:.0f} s")

    def spans(self, min_gap_s: float = 0.5, frame_s: float = FRAME / RATE) -> list[tuple[float, float]]:
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
    for raw in iter(stream.readline, b""):
        yield raw.decode("utf-8", "replace").rstrip("\n")


@dataclass(frozen=True)
class Shown:
    """A prompt the live session showed (and then spoke)."""

    t_s: float
    """Monotonic time the line appeared on the session's stdout."""
    text: str
    prompt_id: str | None


class SessionProcess:
    """``facilitator session`` (live: microphone and speaker) as a subprocess on the virtual card.

    Its stdout is read on a thread: every "Facilitator: ..." line becomes a ``Shown`` with the
    prompt id it matches in the script.
    """

    def __init__(self, card: VirtualSoundCard, home: Path, args: list[str],
                 script: Path | None = None) -> None:
        self.card = card
        self.home = Path(home)
        self.args = args
        self.python = sys.executable
        self.shown: list[Shown] = []
        self.output: list[str] = []
        self._cond = threading.Condition()
        self._matchers = prompt_matchers(script)
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> SessionProcess:
        """Start the session process."""
        env = self.card.env()
        env["PYTHONUNBUFFERED"] = "1"
        env["FACILITATOR_HOME"] = str(self.home)
        self.proc = subprocess.Popen(
            [self.python, "-m", "facilitator", "session", *self.args], env=env,
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )
        threading.Thread(target=self._read, name="session-stdout", daemon=True).start()
        return self

    def _read(self) -> None:
        assert self.proc is not None and self.proc.stdout is not None
        for line in iter_lines(self.proc.stdout):
            now = time.monotonic()
            with self._cond:
                self.output.append(line)
                if line.startswith("Facilitator: "):
                    text = line[len("Facilitator: "):]
                    pid = prompt_id(text, self._matchers)
                    if pid is None and self.shown and self.shown[-1].prompt_id is not None:
                        # Words that are no script line: the coach's or the judge's (sessionlog.py)
                        pid = self.shown[-1].prompt_id.split(".")[0] + ".coaching"
                    self.shown.append(Shown(now, text, pid))
                self._cond.notify_all()
        with self._cond:
            self._cond.notify_all()

    def next_shown(self, index: int, timeout_s: float) -> Shown | None:
        """The ``index``-th prompt shown, waiting for it (None: the process ended or timed out)."""
        deadline = time.monotonic() + timeout_s
        with self._cond:
            while len(self.shown) <= index:
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc is not None and self.proc.poll() is not None
                                 and len(self.shown) <= index):
                    return None
                self._cond.wait(min(left, 0.2))
            return self.shown[index]

    def wait(self, timeout_s: float) -> int:
        """Wait for the process to end; its exit code."""
        assert self.proc is not None
        return self.proc.wait(timeout=timeout_s)

    def stop(self) -> None:
        """Kill the process if it still runs."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)


@dataclass(frozen=True)
class Said:
    """A line a person said into the microphone."""

    line_id: str
    who: str
    after_prompt: str | None
    """The prompt it answered (None: cued on another line)."""
    start_s: float
    """Monotonic time its first sample went into the microphone."""
    end_s: float
    """Monotonic time its last sample went into the microphone."""
    ends_turn: str | None


PROMPT_SOUND_S_PER_CHAR = 0.03
"""Sound (frames above the recorder's -45 dBFS) a prompt makes per character of its text, at least:
the bundled voice gave 0.040 to 0.048 s on six prompts. A person answers once this much of the
prompt has sounded and the speaker has gone quiet, not at a gap between its sentences: on a 2-core
machine under load the next sentence's synthesis left 1.7 s of silence inside names.ask_second,
the answer started in it, and half-duplex listening dropped the name."""
PROMPT_LONG_QUIET_S = 3.0
"""A silence this long ends a prompt even when it made less sound than expected (cut short, or
played quieter)."""


class ConversationPlayer:
    """Two people answering a live session: the demo conversation's lines, played on their cues.

    A line cued on a prompt waits for that prompt to be shown, then (as a person would) for the
    speaker to go quiet, then its gap; lines cued on it follow (after it, or during it). Lines cued
    on prompts are taken in order; prompts nobody answers (welcome, thanks) pass by.
    """

    def __init__(self, session: SessionProcess, mic: MicWriter, speaker: SpeakerRecorder,
                 quiet_s: float = 0.8) -> None:
        from facilitator.adapters.room import load_conversation
        from facilitator.audio import load_audio

        self.session = session
        self.mic = mic
        self.speaker = speaker
        self.quiet_s = quiet_s
        self.conversation = load_conversation()
        self.audio = {line.id: load_audio(self.conversation.folder / line.file)
                      for line in self.conversation.lines}
        self.said: list[Said] = []
        self.unanswered: list[Shown] = []
        self.waiting = deque(line for line in self.conversation.lines if line.after_prompt)
        """Prompt-cued lines not yet said (the head is next)."""
        self.seen = 0
        """Prompts shown so far that the player has looked at."""
        self._followers: dict[str, list[Any]] = {}
        for line in self.conversation.lines:
            ref = line.after_line or line.during_line
            if ref is not None:
                self._followers.setdefault(ref, []).append(line)

    def play(self, timeout_s: float = 600.0, stop_after: int | None = None) -> None:
        """Answer prompts until the session ends (or ``stop_after`` more lines cued on prompts were said).

        Calling it again carries on from the next prompt shown and the next line not yet said.
        """
        deadline = time.monotonic() + timeout_s
        answered = 0
        while self.waiting and time.monotonic() < deadline:
            if stop_after is not None and answered >= stop_after:
                return
            shown = self.session.next_shown(self.seen, max(0.0, deadline - time.monotonic()))
            if shown is None:
                return
            self.seen += 1
            head = self.waiting[0]
            if shown.prompt_id not in head.after_prompt:
                self.unanswered.append(shown)
                continue
            self.waiting.popleft()
            end = self.speaker.wait_quiet(shown.t_s, self.quiet_s, timeout_s=120.0,
                                          min_sound_s=PROMPT_SOUND_S_PER_CHAR * len(shown.text),
                                          long_quiet_s=PROMPT_LONG_QUIET_S)
            self._say_group(head, max(end, time.monotonic()) + head.gap_s, shown.prompt_id)
            answered += 1

    def skip_to(self, line_id: str) -> None:
        """Drop the prompt-cued lines before ``line_id`` (a resumed session starts later)."""
        while self.waiting and self.waiting[0].id != line_id:
            self.waiting.popleft()

    def _say_group(self, line: Any, start_s: float, prompt: str | None) -> None:
        """Say ``line`` at ``start_s`` with the lines cued on it; return when all were said."""
        clips: list[tuple[Any, _Clip, str | None]] = []

        def place(item: Any, at_s: float, cue: str | None) -> None:
            audio = self.audio[item.id]
            clips.append((item, self.mic.say(audio, at_s=at_s, wait=False), cue))
            for follower in self._followers.get(item.id, []):
                if follower.after_line == item.id:
                    place(follower, at_s + audio.size / RATE + follower.gap_s, None)
                else:
                    place(follower, at_s + follower.at_s, None)

        place(line, start_s, prompt)
        for item, clip, cue in clips:
            clip.done.wait()
            assert clip.played is not None
            self.said.append(Said(item.id, item.who, cue, clip.played.start_s,
                                  clip.played.end_s, item.ends_turn))


SHORTER_LINES = {
    "welcome.hello": "Hello, and welcome. We'll go one step at a time.",
    "welcome.safety": "This isn't therapy, and it isn't for relationships with violence or fear.",
    "welcome.privacy": "Nothing you say leaves this laptop.",
    "welcome.commands": "You can say pause, slower, or stop at any time.",
    "regulate.intro": "Let's breathe together for a little while.",
    "intent.reminder": "Remember that you both care about each other.",
}
"""Short welcome and breathing words for the end-to-end test, so a live session takes minutes."""


def write_short_script(path: Path) -> Path:
    """The built-in session script with the long opening lines shortened (every step and key kept)."""
    import json
    import tomllib
    from importlib import resources

    raw = tomllib.loads(resources.files("facilitator").joinpath("scripts/default.toml").read_text("utf-8"))
    out: list[str] = []
    for step, table in raw.items():
        out.append(f"[{step}]")
        for key, value in table.items():
            value = SHORTER_LINES.get(f"{step}.{key}", value)
            texts = [value] if isinstance(value, str) else list(value)
            out.append(f"{key} = [{', '.join(json.dumps(t) for t in texts)}]")
        out.append("")
    Path(path).write_text("\n".join(out), encoding="utf-8")
    return Path(path)
