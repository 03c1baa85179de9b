"""Which signals find a talk-over inside the floor holder's utterance: each measured on the dev split.

    .venv/bin/python scripts/overlap_signals.py [--data ../shared/data] [--cache FILE]

The five dev speakers of scripts/bench_overlap.py (never its test split), every pair both ways,
clean and levels 6 dB apart. Each utterance (the session's VAD cuts) is scored in 1.5 s windows
every 0.5 s (cosine to the other voice minus to the floor holder's) and its 10 ms energy kept;
then candidate rules are counted: utterances without a talk-over where the rule fires (false),
and talk-overs of 2 s or more and of 1-2 s where it fires. This is how the decision in
facilitator/talkover.py was chosen; it prints the table quoted in the README.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import tempfile
from collections.abc import Callable
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_overlap import Engines  # noqa: E402
from overlap_couples import condition, librispeech  # noqa: E402

from facilitator.audio import SAMPLE_RATE, load_audio  # noqa: E402
from facilitator.listening import utterances_from_audio  # noqa: E402

HOP_S, WIN_S = 0.5, 1.5
Utt = dict[str, Any]


def collect(data: Path) -> list[Utt]:
    eng = Engines()
    speech = data / "speech"
    cache = Path(tempfile.gettempdir()) / "facilitator-bench-overlap-words.json"
    people = librispeech(speech / "librispeech-test-other-10spk", cache)
    rirs = [load_audio(p) for p in sorted((speech / "speechbrain" / "RIRs").glob("*.wav"))]
    noises = [load_audio(p) for p in sorted((speech / "speechbrain" / "noise").glob("*.wav"))]
    hop, win = int(HOP_S * SAMPLE_RATE), int(WIN_S * SAMPLE_RATE)
    out: list[Utt] = []
    for cond in ("clean", "levels"):
        seed = 2000
        for a, b in combinations(sorted(people)[:5], 2):
            for sharer, listener in ((a, b), (b, a)):
                seed += 1
                tr = condition(cond, people[sharer], people[listener], seed, rirs, noises)
                vs = eng.voiceprint(sharer, tr.enrol[sharer])
                vl = eng.voiceprint(listener, tr.enrol[listener])
                eng.matcher.use_voiceprints(vs, vl)
                assert eng.matcher.pair is not None
                for u in utterances_from_audio(tr.audio, eng.vad, eng.config.listening):
                    sig = [float(e @ vl.vector) - float(e @ vs.vector) for e in
                           (eng.embedder.embed(u.audio[k * hop:k * hop + win])
                            for k in range(max(1, (len(u.audio) - win) // hop + 1)))]
                    power = np.convolve(u.audio.astype(np.float64) ** 2, np.ones(800) / 800, "same")[::160]
                    out.append({"cond": cond, "seed": seed, "start": u.start_s, "end": u.end_s,
                                "th": eng.matcher.pair.threshold, "sig": np.array(sig), "rms": np.sqrt(power),
                                "events": [e for e in tr.events
                                           if min(e.end_s, u.end_s) > max(e.start_s, u.start_s)]})
    return out


def _db(u: Utt) -> np.ndarray:
    frames = [u["rms"][int(k * HOP_S * 100):int((k * HOP_S + WIN_S) * 100)] for k in range(len(u["sig"]))]
    return np.array([20 * np.log10(np.mean(f) + 1e-9) for f in frames])


def _run(ok: np.ndarray, n: int) -> bool:
    run = best = 0
    for v in ok:
        run = run + 1 if v else 0
        best = max(best, run)
    return best >= n


def evaluate(utts: list[Utt], rule: Callable[[Utt], bool]) -> str:
    cells = []
    for cond in ("clean", "levels"):
        false = n = long_hit = long_n = mid_hit = mid_n = 0
        for u in (u for u in utts if u["cond"] == cond):
            fire = rule(u)
            tos = [e for e in u["events"] if e.talkover
                   and min(e.end_s, u["end"]) - max(e.start_s, u["start"]) >= 0.5 * e.duration_s]
            n += 1
            false += fire and not tos
            for e in tos:
                if e.duration_s >= 2:
                    long_n, long_hit = long_n + 1, long_hit + fire
                elif e.duration_s >= 1:
                    mid_n, mid_hit = mid_n + 1, mid_hit + fire
        cells.append(f"{false}/{n} | {long_hit}/{long_n} | {mid_hit}/{mid_n}")
    return " | ".join(cells)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    parser.add_argument("--cache", type=Path,
                        default=Path(tempfile.gettempdir()) / "facilitator-overlap-dev.pkl")
    args = parser.parse_args()
    if args.cache.is_file():
        utts = pickle.loads(args.cache.read_bytes())
    else:
        utts = collect(args.data)
        args.cache.write_bytes(pickle.dumps(utts))
    rules: dict[str, Callable[[Utt], bool]] = {
        "1.5 s windows end to end (every third), 2 attributed to the other (before)":
            lambda u: bool((u["sig"][::3] >= u["th"]).sum() >= 2),
        "sliding windows, 2 in a row attributed to the other": lambda u: _run(u["sig"] >= u["th"], 2),
        "sliding, 2 in a row nearer the other by 0.0": lambda u: _run(u["sig"] >= 0.0, 2),
        "sliding, 2 in a row nearer the other by 0.03 (first try)": lambda u: _run(u["sig"] >= 0.03, 2),
        "sliding, 2 in a row nearer the other by 0.08 (now)": lambda u: _run(u["sig"] >= 0.08, 2),
        "sliding, 3 in a row nearer the other by 0.03": lambda u: _run(u["sig"] >= 0.03, 3),
        "energy: 2 in a row nearer by 0.0 and 1 dB over the utterance": lambda u: _run(
            (u["sig"] >= 0.0) & (_db(u) - np.median(_db(u)) >= 1.0), 2),
        "energy: 2 in a row nearer by -0.05 and 1 dB over the utterance": lambda u: _run(
            (u["sig"] >= -0.05) & (_db(u) - np.median(_db(u)) >= 1.0), 2),
        "relative: 2 in a row 0.2 over the utterance's median, nearer by -0.05": lambda u: _run(
            (u["sig"] >= -0.05) & (u["sig"] - np.median(u["sig"]) >= 0.2), 2),
    }
    print("| rule | clean: false | >= 2 s | 1-2 s | levels: false | >= 2 s | 1-2 s |\n" + "|---" * 7 + "|")
    for name, rule in rules.items():
        print(f"| {name} | {evaluate(utts, rule)} |")


if __name__ == "__main__":
    main()
