"""Benchmark: does a rendered 5-minute breathing exercise keep time?

For each pattern and sound mode it renders the exercise with the real Piper voice, writes it to a
wav file, reads the file back, finds the onsets in the samples alone (no schedule), and compares
them with the plan's scheduled start of every audible cue. Target: every onset within 10 ms.

Usage: .venv/bin/python scripts/bench_breathing.py [--minutes 5] [--keep DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import tempfile
import time
from pathlib import Path

import numpy as np

from facilitator.adapters.piper import load_voice
from facilitator.audio import load_audio, write_wav
from facilitator.breathing import PATTERNS, cycles_for_minutes
from facilitator.breathing_audio import (
    CueVoice,
    audible_cue_times,
    detect_onsets,
    match_onsets,
    prepare_exercise,
)
from facilitator.config import BreathingConfig

MODES = {
    "voice+tones": BreathingConfig(),
    "voice only": BreathingConfig(tones=False),
    "tones only": BreathingConfig(voice=False),
    "voice+tones+count": BreathingConfig(count=True),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--keep", type=Path, default=None, help="Keep the wav files in this folder.")
    args = parser.parse_args()
    started = time.perf_counter()
    synth = load_voice()
    voice = CueVoice(synth)
    print(f"voice loaded in {time.perf_counter() - started:.2f} s; rate {synth.sample_rate} Hz")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-breathing-"))
    folder.mkdir(parents=True, exist_ok=True)
    print()
    print("| pattern | sounds | length | cues | missed | max error (ms) | mean error (ms) | "
          "drift last-first (ms) | render (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    missed_total = 0
    for name, pattern in PATTERNS.items():
        for mode, base in MODES.items():
            settings = dataclasses.replace(base, minutes=args.minutes)
            t0 = time.perf_counter()
            exercise = prepare_exercise(pattern, cycles_for_minutes(pattern, args.minutes), voice, settings)
            audio = exercise.render()
            render_s = time.perf_counter() - t0
            rate = exercise.timeline.sample_rate
            path = folder / f"{name}-{mode.replace(' ', '_').replace('+', '_')}.wav"
            write_wav(path, audio, rate)
            heard = load_audio(path, sample_rate=rate)  # measure the file, 16-bit as written
            scheduled = audible_cue_times(exercise, settings)
            errors = match_onsets(scheduled, detect_onsets(heard, rate))
            found = [e for e in errors if e is not None]
            missed = len(errors) - len(found)
            abs_ms = np.abs(np.asarray(found)) * 1000.0
            drift = (found[-1] - found[0]) * 1000.0 if found else float("nan")
            worst = max(worst, float(abs_ms.max()) if found else float("inf"))
            missed_total += missed
            print(f"| {name} | {mode} | {exercise.plan.end_s / 60:.1f} min | {len(errors)} | {missed} | "
                  f"{abs_ms.max():.2f} | {abs_ms.mean():.2f} | {drift:+.2f} | {render_s:.2f} |")
    print()
    verdict = "PASS" if worst <= 10.0 and missed_total == 0 else "FAIL"
    print(f"{verdict}: worst onset error {worst:.2f} ms (target 10 ms), {missed_total} cues missed; "
          f"files in {folder}")


if __name__ == "__main__":
    main()
