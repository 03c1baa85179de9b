"""Benchmark the reflect-back judge (issue 5): AnnoMI counselling turns, the couple pairs, time per pair.

AnnoMI: every therapist turn right after a client turn; the client turn is the share, the
therapist turn the response. Gold "reflection" against "question" and "therapist_input" ("other"
turns are left out). Prints recall and precision for reflections, overall and by subtype.

    .venv/bin/python scripts/bench_reflection.py [--annomi PATH] [--pairs PATH] [--errors N]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

from facilitator import reflection
from facilitator.reflection import judge

ROOT = Path(__file__).resolve().parents[1]
ANNOMI = ROOT.parent / "shared" / "data" / "reflections" / "annomi-dev.csv"
PAIRS = ROOT / "tests" / "data" / "couple_pairs.jsonl"


def annomi_pairs(path: Path) -> list[tuple[str, str, str, str]]:
    """(share, response, behaviour, reflection subtype) for each therapist turn after a client turn."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = []
    for before, row in zip(rows, rows[1:], strict=False):
        if before["transcript_id"] != row["transcript_id"]:
            continue
        if before["interlocutor"] != "client" or row["interlocutor"] != "therapist":
            continue
        behaviour = row["main_therapist_behaviour"]
        if behaviour in ("reflection", "question", "therapist_input"):
            subtype = row["reflection_subtype"]
            pairs.append((before["utterance_text"], row["utterance_text"], behaviour, subtype))
    return pairs


def bench_annomi(path: Path, show_errors: int) -> float:
    pairs = annomi_pairs(path)
    counts: Counter[tuple[str, bool]] = Counter()
    missed_why: Counter[str] = Counter()
    errors: list[tuple[str, str, str, str]] = []
    started = time.perf_counter()
    for share, response, behaviour, subtype in pairs:
        verdict = judge(share, response)
        label = f"reflection/{subtype}" if behaviour == "reflection" else behaviour
        counts[(label, verdict.accepted)] += 1
        if behaviour == "reflection" and not verdict.accepted:
            missed_why[verdict.kind.value] += 1
        if (behaviour == "reflection") != verdict.accepted:
            errors.append((label, verdict.kind.value, share, response))
    elapsed = time.perf_counter() - started
    accepted_false = sum(n for (label, ok), n in counts.items() if ok and not label.startswith("reflection"))
    print(f"AnnoMI dev: {len(pairs)} therapist turns after a client turn")
    print("| responses | n | accepted as reflection |")
    print("|---|---|---|")
    for label in ("reflection/simple", "reflection/complex", "question", "therapist_input"):
        total = counts[(label, True)] + counts[(label, False)]
        print(f"| {label} | {total} | {counts[(label, True)] / max(1, total):.3f} |")
    for subset in ("simple", "complex", None):
        labels = [f"reflection/{subset}"] if subset else ["reflection/simple", "reflection/complex"]
        hit = sum(counts[(label, True)] for label in labels)
        total = sum(counts[(label, True)] + counts[(label, False)] for label in labels)
        recall = hit / max(1, total)
        precision = hit / max(1, hit + accepted_false)
        name = subset or "all reflections"
        print(f"{name}: recall {recall:.3f}, precision {precision:.3f} (against all questions + input)")
    reasons = ", ".join(f"{kind} {n}" for kind, n in missed_why.most_common())
    print(f"reflections not accepted, by reason: {reasons}")
    if show_errors:
        random.Random(0).shuffle(errors)
        for label, kind, share, response in errors[:show_errors]:
            print(f"\n[{label} judged {kind}]\n  S: {share[:220]}\n  R: {response[:300]}")
    return elapsed / max(1, len(pairs))


def sweep(path: Path) -> None:
    """Recall and precision on AnnoMI for other form-score thresholds (the trade-off, not a tuning loop)."""
    pairs = annomi_pairs(path)
    saved = reflection.ACCEPT_FORM
    print("\n| form threshold | recall | precision |\n|---|---|---|")
    try:
        for threshold in (0.35, 0.4, 0.45, 0.5, 0.55, 0.6):
            reflection.ACCEPT_FORM = threshold
            hit = accepted = 0
            for share, response, behaviour, _ in pairs:
                ok = judge(share, response).accepted
                accepted += ok
                hit += ok and behaviour == "reflection"
            total = sum(1 for p in pairs if p[2] == "reflection")
            print(f"| {threshold:.2f} | {hit / total:.3f} | {hit / max(1, accepted):.3f} |")
    finally:
        reflection.ACCEPT_FORM = saved


def bench_pairs(path: Path) -> float:
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    right = 0
    rebuttals_accepted = 0
    by_category: Counter[tuple[str, bool]] = Counter()
    by_set: Counter[tuple[str, bool]] = Counter()
    started = time.perf_counter()
    for item in lines:
        verdict = judge(item["share"], item["reflection"])
        ok = verdict.accepted == item["accepted"]
        right += ok
        by_category[(item["category"], ok)] += 1
        by_set[(item.get("set", "first"), ok)] += 1
        if item["category"] in ("rebuttal", "defence", "but") and verdict.accepted:
            rebuttals_accepted += 1
        if not ok:
            print(f"  WRONG [{item['category']}] {verdict.kind.value} {verdict.score}: {item['reflection']}",
                  file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"\nCouple pairs: {len(lines)}, accuracy {right / max(1, len(lines)):.3f}, "
          f"defences/rebuttals accepted: {rebuttals_accepted}")
    for name in sorted({name for name, _ in by_set}):
        good, bad = by_set[(name, True)], by_set[(name, False)]
        print(f"  set {name}: {good}/{good + bad}")
    categories = sorted({category for category, _ in by_category})
    for category in categories:
        good, bad = by_category[(category, True)], by_category[(category, False)]
        print(f"  {category}: {good}/{good + bad}")
    return elapsed / max(1, len(lines))


def bench_speed() -> None:
    share = "I felt so alone last night when you went quiet and stayed on your phone. " * 3
    reply = "What I heard is that you felt alone and invisible when I went quiet on my phone. " * 2
    long_share = "I felt hurt and tired and I needed you to help with the kids. " * 160  # ~2,000 words
    times = []
    for text in (share, long_share):
        for _ in range(20):
            started = time.perf_counter()
            judge(text, reply)
            times.append((time.perf_counter() - started) * 1000)
    print(f"\nTime per pair: median {statistics.median(times[:20]):.2f} ms (typical), "
          f"median {statistics.median(times[20:]):.2f} ms, max {max(times):.2f} ms (2,000-word share)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path, default=ANNOMI)
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--errors", type=int, default=0, help="print this many AnnoMI misjudgements")
    parser.add_argument("--sweep", action="store_true", help="print AnnoMI figures by threshold")
    args = parser.parse_args()
    per_pair = []
    if args.annomi.is_file():
        per_pair.append(bench_annomi(args.annomi, args.errors))
        if args.sweep:
            sweep(args.annomi)
    else:
        print(f"{args.annomi} is absent: AnnoMI figures skipped")
    if args.pairs.is_file():
        per_pair.append(bench_pairs(args.pairs))
    bench_speed()
    for mean in per_pair:
        print(f"mean time per pair over a data set: {mean * 1000:.2f} ms")


if __name__ == "__main__":
    main()
