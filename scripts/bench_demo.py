"""Figures of `facilitator demo`: hand-off latency, talk-over, total run time and peak memory.

    .venv/bin/python scripts/bench_demo.py [--runs N]

How the latency is measured. The demo's room runs in simulated stream time (as fast as the
listener reads), so a person's wait after a clear hand-off has two parts:
  wait       stream time from the last sample of the hand-off line to the first sample of the
             facilitator's next audio: the VAD's end-of-utterance silence (listening.stop_s) and
             the blocks read until then, plus any further listening the session chose to do;
  processing wall-clock time from the moment the room handed out the block that ended the
             utterance to the moment Piper's first chunk of the reply was ready: Whisper, the
             voice matcher, the session's decision, and synthesis of the first sentence (or the
             prompt cache).
  backlog    the stream stands still while the program computes, so the room keeps the time a
             live run would have reached: a live microphone hands out each block only once it
             is recorded, and a consumer that computes longer than the audio it covers (Whisper
             during the stop silence, synthesizing likely next prompts) falls behind; backlog is
             how late the block that ended the utterance would have been read;
latency = wait + backlog + processing. Audio output buffering of a real sound card is not included.
A "clear hand-off" is a line marked `ends_turn = "handoff"` in facilitator/data/demo/conversation.toml:
an answer to a question, or a turn ending in "that's it" / "I'm done". Turns with no closing words
(`ends_turn = "pause"`: reflections, acknowledgements) are reported apart: there the session
waits [session] reflection_pause_s of silence on purpose, so as not to cut anyone off.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from facilitator.commands.demo import DEMO_OVERRIDES, run_demo  # noqa: E402
from facilitator.config import load_config  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=1, help="demo runs (latencies pooled)")
    parser.add_argument("--detail", action="store_true", help="print every hand-off")
    parser.add_argument("--hog", action="store_true",
                        help="run again with one core kept busy by a CPU hog, in the same run")
    args = parser.parse_args()
    measure(args, "quiet")
    if args.hog:
        hog = subprocess.Popen([sys.executable, "-c", "while 1: pass"])
        try:
            measure(args, "one core busy (a CPU hog)")
        finally:
            hog.kill()
            hog.wait()


def measure(args: argparse.Namespace, label: str) -> None:
    """Run the demo ``args.runs`` times and print its figures under ``label``."""
    print(f"### {label} (load average before: {open('/proc/loadavg').read().split()[0]})")

    config = load_config(None, overrides=dict(DEMO_OVERRIDES))
    waits: list[float] = []
    procs: list[float] = []
    backlogs: list[float] = []
    totals: list[float] = []
    paused: list[float] = []
    every: list[float] = []
    walls: list[float] = []
    outcomes: list[str] = []
    over = 0
    for _ in range(args.runs):
        started = time.perf_counter()
        run = run_demo(config)
        walls.append(time.perf_counter() - started)
        outcomes.append(run.outcome.kind.value)
        over += len(run.talked_over())
        for lat in run.latencies():
            waits.append(lat.wait_s)
            procs.append(lat.processing_s)
            backlogs.append(lat.backlog_s)
            totals.append(lat.total_s)
            if args.detail:
                print(f"  {lat.line_id:20s} -> {lat.prompt_id:24s} wait {lat.wait_s:5.2f} s"
                      f"  backlog {lat.backlog_s:5.2f} s  processing {lat.processing_s:5.2f} s"
                      f"  total {lat.total_s:5.2f} s")
        paused += [lat.total_s for lat in run.latencies("pause")]
        every += [lat.total_s for kind in ("handoff", "pause") for lat in run.latencies(kind)]
        conversation_min = run.room.now_s / 60
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    def stat(values: list[float]) -> str:
        return f"{float(np.median(values)):.2f} s | {float(np.percentile(values, 95)):.2f} s"

    print("| figure | median | p95 |")
    print("|---|---|---|")
    print(f"| hand-off to first facilitator audio ({len(totals)} hand-offs) | {stat(totals)} |")
    print(f"| - of which end-of-utterance wait (stream time) | {stat(waits)} |")
    print(f"| - of which catching up with the microphone (backlog) | {stat(backlogs)} |")
    print(f"| - of which processing (wall clock) | {stat(procs)} |")
    print(f"| turn ended by a pause (reflections) to facilitator audio ({len(paused)}) | {stat(paused)} |")
    print(f"| end of a turn to first facilitator audio, every turn ({len(every)}) | {stat(every)} |")
    print()
    print("| figure | value |")
    print("|---|---|")
    print(f"| outcome | {', '.join(sorted(set(outcomes)))} |")
    print(f"| facilitator started while a person was speaking | {over} times |")
    print(f"| conversation length (stream time) | {conversation_min:.1f} min |")
    print(f"| demo run time (wall clock, models loaded inside) | {float(np.median(walls)):.1f} s |")
    runs_note = "" if args.runs == 1 else f", {args.runs} runs in one process"
    print(f"| peak memory (max RSS{runs_note}) | {peak_mb:.0f} MB |")


if __name__ == "__main__":
    main()
