"""Latency, idle CPU and memory of a live session through the real audio stack (issue 7).

Starts the virtual sound card (scripts/virtual_audio.sh), runs `facilitator session` live on it
(the Microphone and SoundcardSink adapters, PortAudio through ALSA's pulse plugin), and plays the
demo conversation's two people into the microphone in real time, each answer when the speaker
has gone quiet. Prints:

  - hand-off latency: from the last sample of a hand-off line ("Yes, I'm ready.", "That's it.")
    written into the microphone to the first loud sample on the speaker, median and 95th
    percentile over at least --handoffs hand-offs (whole sessions are run until there are enough);
  - idle CPU: the session's CPU time while it listens to --idle-s of quiet room sound (it waits
    for the first name; share of one core);
  - peak memory: the session process's peak resident set (VmHWM) over a whole session.

Targets: median <= 0.8 s, p95 <= 1.5 s, idle CPU <= 15 % of one core, peak memory <= 700 MB.
Other programs on the machine add to every figure; run it on a quiet machine for the README.

Usage: .venv/bin/python scripts/bench_latency.py [--handoffs 20] [--idle-s 60] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from audio_rig import (  # noqa: E402
    ConversationPlayer,
    MicWriter,
    SessionProcess,
    SpeakerRecorder,
    VirtualSoundCard,
    have_pulseaudio,
)

CONFIG = """\
[breathing]
minutes = 0.2
[session]
positive_intent_quiet_s = 2.0
answer_timeout_s = {answer_timeout_s}
"""
"""Short breathing and quiet; a long answer timeout so the idle measurement is not interrupted."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handoffs", type=int, default=20, help="Hand-offs to measure (at least).")
    parser.add_argument("--idle-s", type=float, default=60.0, help="Seconds of quiet for the CPU figure.")
    parser.add_argument("--max-sessions", type=int, default=3)
    parser.add_argument("--keep", type=Path, default=None, help="Keep recordings and logs in this folder.")
    args = parser.parse_args()
    if not have_pulseaudio():
        raise SystemExit("PulseAudio is not installed: run ./setup.sh --with-test-audio")
    work = args.keep or Path(tempfile.mkdtemp(prefix="bench-latency-"))
    work.mkdir(parents=True, exist_ok=True)
    card = VirtualSoundCard(work / "card").start()
    latencies: list[float] = []
    missed = 0
    peaks: list[float] = []
    idle: float | None = None
    try:
        for number in range(1, args.max_sessions + 1):
            run = run_session(card, work / f"session{number}", idle_s=args.idle_s if idle is None else 0.0)
            latencies += run["latencies"]
            missed += run["missed"]
            peaks.append(run["peak_mb"])
            if run["idle_cpu"] is not None:
                idle = run["idle_cpu"]
            print(f"session {number}: exit {run['exit']}, {len(run['latencies'])} hand-offs, "
                  f"{run['wall_s']:.0f} s, peak {run['peak_mb']:.0f} MB", flush=True)
            if len(latencies) >= args.handoffs:
                break
    finally:
        card.stop()
    print()
    print("| figure | value | target |")
    print("|---|---|---|")
    if latencies:
        arr = np.array(latencies)
        print(f"| hand-off to first sound, median (n={arr.size}) | {np.median(arr):.2f} s | <= 0.8 s |")
        print(f"| hand-off to first sound, 95th percentile | {np.percentile(arr, 95):.2f} s | <= 1.5 s |")
        print(f"| hand-off to first sound, min / max | {arr.min():.2f} / {arr.max():.2f} s | |")
    print(f"| hand-offs with no answer within 10 s | {missed} | 0 |")
    if idle is not None:
        share = f"{idle * 100:.1f} % of one core"
        print(f"| CPU while listening to {args.idle_s:.0f} s of quiet | {share} | <= 15 % |")
    if peaks:
        print(f"| peak memory of a whole session | {max(peaks):.0f} MB | <= 700 MB |")
    print(f"\nRecordings and logs: {work}" if args.keep else "")


def run_session(card: VirtualSoundCard, folder: Path, idle_s: float) -> dict[str, object]:
    """One whole live session with the demo conversation; its figures."""
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "config.toml"
    config.write_text(CONFIG.format(answer_timeout_s=max(20.0, idle_s + 30.0)))
    events = folder / "events.jsonl"
    started = time.monotonic()
    with MicWriter(card.fifo) as mic, SpeakerRecorder(card) as speaker:
        session = SessionProcess(card, folder / "home", ["--config", str(config), "--events", str(events)])
        session.start()
        assert session.proc is not None
        peak = PeakMemory(session.proc.pid)
        idle_cpu = None
        try:
            if idle_s > 0:
                idle_cpu = measure_idle(session, speaker, idle_s)
            player = ConversationPlayer(session, mic, speaker)
            player.play(timeout_s=1200.0)
            code = session.wait(180)
        finally:
            session.stop()
            peak.stop()
        import soundfile

        soundfile.write(str(folder / "speaker.wav"), speaker.audio(), 16000)
        (folder / "stdout.txt").write_text("\n".join(session.output))
        latencies, missed = [], 0
        for said in player.said:
            if said.ends_turn != "handoff":
                continue
            onset = speaker.first_sound_after(said.end_s)
            if onset is None or onset - said.end_s > 10.0:
                missed += 1
            else:
                latencies.append(onset - said.end_s)
    return {"latencies": latencies, "missed": missed, "peak_mb": peak.peak_mb, "idle_cpu": idle_cpu,
            "exit": code, "wall_s": time.monotonic() - started}


def measure_idle(session: SessionProcess, speaker: SpeakerRecorder, idle_s: float) -> float:
    """CPU share of one core while the session waits for the first name in a quiet room."""
    assert session.proc is not None
    index = 0
    while True:
        shown = session.next_shown(index, 300.0)
        if shown is None:
            raise SystemExit("the session ended before it asked for a name:\n" + "\n".join(session.output))
        index += 1
        if shown.prompt_id == "names.ask_first":
            break
    speaker.wait_quiet(shown.t_s, 1.0)
    before, t0 = cpu_seconds(session.proc.pid), time.monotonic()
    time.sleep(idle_s)
    return (cpu_seconds(session.proc.pid) - before) / (time.monotonic() - t0)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process and its threads (s)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class PeakMemory:
    """Polls a process's VmHWM (peak resident set) until it ends."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_mb = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        self.peak_mb = max(self.peak_mb, int(line.split()[1]) / 1024)
            except OSError:
                return
            self._stop.wait(0.2)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


if __name__ == "__main__":
    main()
