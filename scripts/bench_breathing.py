"""Benchmark: does a rendered 5-minute breathing exercise keep time?

For each pattern and sound mode it renders the exercise with the real Piper voice, writes it to a
wav file, reads the file back, finds the onsets in the samples alone (no schedule), and compares
them with the plan's scheduled start of every audible cue. Target: every onset within 10 ms.

With --live it also plays an exercise in real time through the sound server named by the
environment (scripts/virtual_audio.sh start DIR; then source DIR/env), records the null sink's
monitor with parec, and reports each onset's error after removing the one constant offset
(output latency), plus the drift fitted over the exercise. Target live: within 30 ms, no drift.

Usage: .venv/bin/python scripts/bench_breathing.py [--minutes 5] [--keep DIR] [--live] [--live-minutes 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from facilitator.adapters.piper import load_voice
from facilitator.audio import load_audio, write_wav
from facilitator.breathing import PATTERNS, cycles_for_minutes
from facilitator.breathing_audio import (
    CueVoice,
    GuidedBreather,
    audible_cue_times,
    detect_onsets,
    match_onsets,
    prepare_exercise,
)
from facilitator.clock import SystemClock
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
    parser.add_argument("--live", action="store_true", help="Also play live through the sound server.")
    parser.add_argument("--live-minutes", type=float, default=2.0)
    parser.add_argument("--live-only", action="store_true", help="Skip the rendered files.")
    parser.add_argument("--stall-ms", type=float, default=300.0,
                        help="Live: also freeze the process this long once, mid-exercise (0: no stall run).")
    args = parser.parse_args()
    started = time.perf_counter()
    synth = load_voice()
    voice = CueVoice(synth)
    print(f"voice loaded in {time.perf_counter() - started:.2f} s; rate {synth.sample_rate} Hz")
    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-breathing-"))
    folder.mkdir(parents=True, exist_ok=True)
    if not args.live_only:
        rendered(args.minutes, voice, folder)
    if args.live or args.live_only:
        live(args.live_minutes, voice, folder, args.stall_ms / 1000.0)


def rendered(minutes: float, voice: CueVoice, folder: Path) -> None:
    print()
    print("| pattern | sounds | length | cues | missed | max error (ms) | mean error (ms) | "
          "drift last-first (ms) | render (s) |")
    print("|---|---|---|---|---|---|---|---|---|")
    worst = 0.0
    missed_total = 0
    for name, pattern in PATTERNS.items():
        for mode, base in MODES.items():
            settings = dataclasses.replace(base, minutes=minutes)
            t0 = time.perf_counter()
            exercise = prepare_exercise(pattern, cycles_for_minutes(pattern, minutes), voice, settings)
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


MONITOR_RATE = 48000


def live(minutes: float, voice: CueVoice, folder: Path, stall_s: float) -> None:
    """Play resonance breathing in real time and measure the onsets on the recorded speaker."""
    from facilitator.adapters.breathing_output import TimelineSpeaker
    from facilitator.adapters.soundcard import SoundcardSink
    from facilitator.ports import AudioSink

    if "PULSE_SERVER" not in os.environ:
        raise SystemExit("--live needs a sound server: scripts/virtual_audio.sh start DIR; set -a; . DIR/env")
    print()
    print("| live through the sound server | output | stall | phase cues | missed | max error (ms) | "
          "mean error (ms) | fitted drift (ms) | error of the last cue (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    outputs: list[tuple[str, AudioSink]] = [
        ("TimelineSpeaker (pull)", TimelineSpeaker()),
        ("SoundcardSink (push)", SoundcardSink()),
    ]
    for stall in sorted({0.0, stall_s}):
        for label, sink in outputs:
            _live_once(minutes, voice, folder, label, sink, stall)


def _live_once(
    minutes: float, voice: CueVoice, folder: Path, label: str, sink: object, stall_s: float
) -> None:
    settings = BreathingConfig(minutes=minutes)
    breather = GuidedBreather(voice.synth, sink, SystemClock(), settings=settings)  # type: ignore[arg-type]
    exercise = breather.prepare("resonance", minutes=minutes)
    raw = folder / "live.raw"
    with raw.open("wb") as sink_file:
        recorder = subprocess.Popen(
            ["parec", "-d", "speaker.monitor", "--format=s16le", f"--rate={MONITOR_RATE}",
             "--channels=1", "--latency-msec=10"],
            stdout=sink_file,
        )
        staller = None
        try:
            time.sleep(0.5)
            if stall_s > 0:
                # Freeze this whole process (audio thread included) once, a third of the way in,
                # as a CPU-starved laptop would: the speaker runs dry meanwhile.
                at = exercise.plan.end_s / 3
                staller = subprocess.Popen(["sh", "-c", f"sleep {at:.2f}; kill -STOP {os.getpid()}; "
                                            f"sleep {stall_s:.3f}; kill -CONT {os.getpid()}"])
            breather.play(exercise)
            time.sleep(0.5)
        finally:
            if staller is not None:
                staller.wait()
            recorder.terminate()
            recorder.wait()
    heard = np.frombuffer(raw.read_bytes(), dtype="<i2").astype(np.float32) / 32768.0
    slug = label.split()[0].lower()
    write_wav(folder / f"live-{slug}-stall{int(stall_s * 1000)}.wav", heard, MONITOR_RATE)
    # Phase changes only: each starts with a tone and a word, and nothing else sounds within a
    # second before it, so a late cue cannot be mistaken for a syllable of the intro or close.
    scheduled = [c.start_s for c in exercise.plan.phase_cues()]
    onsets = detect_onsets(heard, MONITOR_RATE)
    if not onsets:
        raise SystemExit("nothing was heard on the speaker's monitor")
    # The recording starts before playback by an unknown time: take the offset that lines up the
    # most cues of the first third (before any stall; a click when the stream opens must not be
    # taken for the first cue). That offset is the output latency, not an error.
    early = [t for t in scheduled if t < exercise.plan.end_s / 3] or scheduled[:3]
    candidates = [d - t for d in onsets[:100] for t in early]
    offset = max(candidates, key=lambda c: sum(
        e is not None for e in match_onsets([t + c for t in early], onsets, 0.01)))
    found_early = [e for e in match_onsets([t + offset for t in early], onsets, 0.01) if e is not None]
    offset += float(np.median(found_early))
    errors = match_onsets([t + offset for t in scheduled], onsets, 0.6)
    found = [(t, e) for t, e in zip(scheduled, errors, strict=True) if e is not None]
    missed = len(errors) - len(found)
    times = np.asarray([t for t, _ in found])
    errs = np.asarray([e for _, e in found])
    slope = float(np.polyfit(times, errs, 1)[0]) if len(found) > 2 else float("nan")
    last = "missed" if errors[-1] is None else f"{errs[-1] * 1000:+.2f}"
    length = f"{exercise.plan.end_s / 60:.1f} min"
    print(f"| resonance {length}, voice+tones | {label} | {stall_s * 1000:.0f} ms | "
          f"{len(errors)} | {missed} | {np.abs(errs).max() * 1000:.2f} | {np.abs(errs).mean() * 1000:.2f} | "
          f"{slope * exercise.plan.end_s * 1000:+.2f} | {last} |", flush=True)


if __name__ == "__main__":
    main()
