"""Soak: real noise and speech-free room sound into the virtual microphone, for a long time (issue 7).

Starts the virtual sound card, runs `facilitator listen` (the session's listening loop: the
Microphone adapter, voice activity, Whisper, phantom-text filter) on its microphone, and writes in
real time a mix of quiet room tone and the five real background-noise recordings of
../shared/data/speech/speechbrain/noise (each at a random level between --noise-min-dbfs and
--noise-max-dbfs RMS; no speech anywhere). Prints every utterance the listener reported (each one
is a phantom: nobody spoke) and the listener's resident memory over time; the target is no
phantom utterance and memory growth under 10 % from the first minute to the end.

Usage: .venv/bin/python scripts/soak.py [--minutes 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audio_rig import RATE, MicWriter, VirtualSoundCard, have_pulseaudio, quiet_room  # noqa: E402

NOISE = Path(__file__).resolve().parents[2] / "shared" / "data" / "speech" / "speechbrain" / "noise"
UTTERANCE = re.compile(r"^\[\s*([\d.]+)\s*-\s*([\d.]+)\]\s*(.*)$")


@dataclass
class SoakResult:
    """What a soak run saw."""

    minutes: float
    phantoms: list[str] = field(default_factory=list)
    """Utterances the listener printed where nobody spoke."""
    control: list[str] = field(default_factory=list)
    """Utterances printed while the control speech played (proof that the listener hears)."""
    consumed_s: float = 0.0
    """Seconds of sound the listener's stream took from the microphone."""
    rss_mb: list[tuple[float, float]] = field(default_factory=list)
    """(seconds since start, resident memory in MB) samples of the listener process."""
    noise_s: float = 0.0
    """Seconds of real noise recordings in the mix."""
    exit_code: int | None = None
    output: str = ""
    noise_end_s: float = float("inf")
    """Memory is judged up to here: the control speech's first transcription allocates Whisper's
    buffers once, which is warm-up, not growth."""

    @property
    def growth(self) -> float:
        """Memory growth from the end of the warm-up (a fifth of the run, at most 60 s) to the noise's end."""
        warm = min(60.0, self.minutes * 60 / 5)
        judged = [mb for t, mb in self.rss_mb if warm <= t < self.noise_end_s]
        if len(judged) < 2:
            return 0.0
        return (max(judged[-3:]) - judged[0]) / judged[0]


def noise_bed(seconds: float, low_dbfs: float, high_dbfs: float, seed: int = 11) -> tuple[np.ndarray, float]:
    """Room tone with the noise recordings at random levels between gaps; its noise seconds."""
    from facilitator.audio import load_audio

    rng = np.random.default_rng(seed)
    clips = [load_audio(path) for path in sorted(NOISE.glob("*.wav"))]
    if not clips:
        raise SystemExit(f"No noise recordings in {NOISE}")
    total = int(seconds * RATE)
    bed = quiet_room(total, seed=seed)
    pos, noise, turn = int(rng.uniform(1, 4) * RATE), 0, 0
    while pos < total:
        clip = clips[turn % len(clips)]
        turn += 1
        level = rng.uniform(low_dbfs, high_dbfs)
        rms = float(np.sqrt(np.mean(np.square(clip, dtype=np.float64))))
        part = clip[: total - pos] * (10 ** (level / 20) / max(rms, 1e-9))
        bed[pos : pos + part.size] += part.astype(np.float32)
        noise += part.size
        pos += part.size + int(rng.uniform(3, 12) * RATE)
    return np.clip(bed, -1, 1).astype(np.float32), noise / RATE


def soak(card: VirtualSoundCard, minutes: float, mic: MicWriter | None = None, low_dbfs: float = -45.0,
         high_dbfs: float = -25.0, control: np.ndarray | None = None) -> SoakResult:
    """Run the listener on the card's microphone for ``minutes`` of noise; what it reported.

    ``control``: speech played once, ending 10 s before the end; what the listener prints while
    it plays goes to ``control`` instead of ``phantoms``.
    """
    seconds = minutes * 60
    bed, noise_s = noise_bed(min(seconds, 300.0), low_dbfs, high_dbfs)
    result = SoakResult(minutes=minutes, noise_s=noise_s * seconds / min(seconds, 300.0))
    own = mic is None
    writer = mic if mic is not None else MicWriter(card.fifo)
    writer.bed = bed
    if own:
        writer.__enter__()
    env = card.env()
    env["PYTHONUNBUFFERED"] = "1"
    try:
        proc = subprocess.Popen(
            [sys.executable, "-m", "facilitator", "listen", "--seconds", f"{seconds:.0f}"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        started = time.monotonic()
        written = writer.written_s
        window = (0.0, -1.0)
        if control is not None:
            length = control.size / RATE
            at = seconds - 10.0 - length
            writer.say(control, at_s=started + at, wait=False)
            window = (at - 1.0, at + length + 3.0)
            result.noise_end_s = at
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout or []), daemon=True)
        reader.start()
        while proc.poll() is None:
            rss = _rss_mb(proc.pid)
            if rss is not None:
                result.rss_mb.append((time.monotonic() - started, rss))
            if time.monotonic() - started > seconds + 300:
                proc.kill()
            time.sleep(2.0)
        reader.join(timeout=10)
        result.exit_code = proc.returncode
        result.output = "".join(lines)
        result.consumed_s = writer.written_s - written
        for match in map(UTTERANCE.match, (x.strip() for x in lines)):
            if match:
                inside = window[0] <= float(match.group(1)) <= window[1]
                (result.control if inside else result.phantoms).append(match.group(3))
    finally:
        if own:
            writer.close()
    return result


def _rss_mb(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--noise-min-dbfs", type=float, default=-45.0)
    parser.add_argument("--noise-max-dbfs", type=float, default=-25.0)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the card's folder and logs here.")
    args = parser.parse_args()
    if not have_pulseaudio():
        raise SystemExit("PulseAudio is not installed: run ./setup.sh --with-test-audio")
    work = args.keep or Path(tempfile.mkdtemp(prefix="soak-"))
    card = VirtualSoundCard(work / "card").start()
    try:
        result = soak(card, args.minutes, low_dbfs=args.noise_min_dbfs, high_dbfs=args.noise_max_dbfs)
    finally:
        card.stop()
    if result.exit_code != 0:
        print(result.output)
        raise SystemExit(f"facilitator listen exited {result.exit_code}")
    first = next((mb for t, mb in result.rss_mb if t >= min(60.0, args.minutes * 12)), float("nan"))
    print("| figure | value | target |")
    print("|---|---|---|")
    mix = (f"{args.minutes:.0f} min ({result.noise_s / 60:.1f} min of real noise at {args.noise_min_dbfs:.0f}"
           f" to {args.noise_max_dbfs:.0f} dBFS, the rest room tone)")
    print(f"| sound into the microphone | {mix} | |")
    print(f"| phantom utterances | {len(result.phantoms)} | 0 |")
    print(f"| listener memory after warm-up / at the end | {first:.0f} / {result.rss_mb[-1][1]:.0f} MB | |")
    print(f"| memory growth | {result.growth * 100:.1f} % | < 10 % |")
    for text in result.phantoms:
        print(f"phantom: {text}")


if __name__ == "__main__":
    main()
