"""Benchmark the speech engines and print a table (issue 2): load times, real-time factors, latency, memory.

    .venv/bin/python scripts/bench_speech.py [--repeats N]

Real-time factor (RTF) = processing time / audio duration. Peak memory is the maximum resident set
size of `facilitator say --out` and `facilitator transcribe` run as child processes
(resource.getrusage(RUSAGE_CHILDREN).ru_maxrss, read in a fresh wrapper process per command so one
command's peak does not hide another's). Other programs sharing the cores slow every figure; run it
on a quiet machine for numbers to compare.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data" / "speech"
PARAGRAPH = (
    "Thank you both for being here. Let's take one slow breath together before we begin. "
    "When you feel ready, the one who shares first can start with how it felt."
)
WRAPPER = (
    "import resource, subprocess, sys\n"
    "r = subprocess.run(sys.argv[1:], capture_output=True)\n"
    "print(r.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
)


def timed(fn):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def peak_rss_mb(*args: str) -> tuple[float, int]:
    """Peak RSS (MB) of one command run as a child of a fresh wrapper process, and its exit code."""
    out = subprocess.run([sys.executable, "-c", WRAPPER, *args], capture_output=True, text=True, check=True)
    code, kb = out.stdout.split()
    return int(kb) / 1024.0, int(code)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs per timing (the median is shown)")
    args = parser.parse_args()
    rows: list[tuple[str, str, str]] = []

    def add(what: str, value: str, target: str = "") -> None:
        rows.append((what, value, target))
        print(f"  {what}: {value}", file=sys.stderr, flush=True)

    import numpy as np

    from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, load_audio, resample

    t, _ = timed(lambda: __import__("facilitator.adapters.whisper"))
    from facilitator.adapters.whisper import WhisperTranscriber

    t_whisper, whisper = timed(WhisperTranscriber)
    add("Whisper tiny.en load (import + sha256 check from cache + model)", f"{t + t_whisper:.2f} s")
    t, _ = timed(lambda: __import__("facilitator.adapters.piper"))
    from facilitator.adapters.piper import load_voice

    t_piper, voice = timed(load_voice)
    add("Piper en_US-joe-medium load (import + check + voice)", f"{t + t_piper:.2f} s")
    from facilitator.adapters.vad import SileroVad

    t_vad, vad = timed(SileroVad)
    add("Silero VAD v6 load", f"{t_vad:.2f} s")

    jfk = load_audio(SHARED / "faster-whisper" / "jfk.flac")
    ami = load_audio(SHARED / "ami-debug" / "dev00.wav")[: 30 * SAMPLE_RATE]
    whisper.transcribe(jfk[: SAMPLE_RATE * 2])  # warm-up
    for name, audio in (("jfk.flac, 11 s", jfk), ("AMI dev00, 30 s", ami)):
        times = [timed(lambda a=audio: whisper.transcribe(a))[0] for _ in range(args.repeats)]
        rtf = statistics.median(times) / (audio.size / SAMPLE_RATE)
        add(f"Whisper real-time factor, {name}", f"{rtf:.3f}", "<= 0.2")

    utterance = load_audio(SHARED / "speechbrain" / "ASR" / "spk1_snt1.wav")
    times = [timed(lambda: whisper.transcribe(utterance))[0] for _ in range(args.repeats)]
    add(
        f"Whisper time for one {utterance.size / SAMPLE_RATE:.1f} s utterance (after its end)",
        f"{statistics.median(times):.2f} s",
    )

    blocks = [ami[i : i + BLOCK_SAMPLES] for i in range(0, ami.size - BLOCK_SAMPLES, BLOCK_SAMPLES)]
    vad.reset()
    t_blocks, _ = timed(lambda: [vad.speech_prob(b) for b in blocks])
    add("VAD time per 32 ms block", f"{1000 * t_blocks / len(blocks):.2f} ms")

    firsts, rtfs = [], []
    list(voice.synthesize("Warm up."))
    for _ in range(max(3, args.repeats)):
        start = time.perf_counter()
        first = None
        samples = 0
        for chunk in voice.synthesize(PARAGRAPH):
            if first is None:
                first = time.perf_counter() - start
            samples += chunk.size
        total = time.perf_counter() - start
        firsts.append(first or total)
        rtfs.append(total / (samples / voice.sample_rate))
    add("Piper time to first audio, 3-sentence paragraph", f"{statistics.median(firsts):.3f} s", "<= 0.3 s")
    add("Piper real-time factor, same paragraph", f"{statistics.median(rtfs):.3f}")

    # Round trip as a sanity figure: what fraction of the paragraph's words come back.
    from facilitator.adapters.whisper import normalise

    spoken = resample(np.concatenate(list(voice.synthesize(PARAGRAPH))), voice.sample_rate)
    said, heard = normalise(PARAGRAPH).split(), normalise(whisper.transcribe(spoken).text).split()
    add("Piper -> Whisper words recovered", f"{sum(w in heard for w in said) / len(said):.0%}")

    cli = str(Path(sys.executable).with_name("facilitator"))
    with tempfile.TemporaryDirectory() as tmp:
        wall, (mb, code) = timed(lambda: peak_rss_mb(cli, "say", PARAGRAPH, "--out", f"{tmp}/p.wav"))
        add("Peak memory, facilitator say --out (whole command)", f"{mb:.0f} MB ({wall:.1f} s)", "<= 600 MB")
        if code:
            add("  (say exited with", str(code))
        ami_file = str(SHARED / "ami-debug" / "dev00.wav")
        wall, (mb, code) = timed(lambda: peak_rss_mb(cli, "transcribe", ami_file))
        add("Peak memory, facilitator transcribe (30 s AMI)", f"{mb:.0f} MB ({wall:.1f} s)", "<= 600 MB")
        if code:
            add("  (transcribe exited with", str(code))

    width = max(len(r[0]) for r in rows)
    print(f"| {'measure':<{width}} | value | target |")
    print(f"|{'-' * (width + 2)}|---|---|")
    for what, value, target in rows:
        print(f"| {what:<{width}} | {value} | {target} |")


if __name__ == "__main__":
    main()
