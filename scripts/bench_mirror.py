"""Benchmark the facilitator's reflection of a share (issue 15): facilitator.mirror over real shares.

The shares: the couple pairs' shares (tests/data/*.jsonl, each share once) and the AnnoMI client
turns of 15 words or more (../shared/data/reflections/annomi-dev.csv). They are split in two:
"dev" (tests/data/couple_pairs.jsonl and AnnoMI transcripts with an odd id), which the mirror's
rules were written and mended against, and "held-out" (couple_pairs_fresh.jsonl and the
even-numbered AnnoMI transcripts), scored once when the rules were done: the honest figures.

Per share: the feelings carried (the project's judge reads the share's feelings and which came
back), no first-person word of the sharer left in the content (``mirror.unturned``), the judge
accepts the reflection, its length, and the time to make it. With ``--spoken`` each reflection is
also said by Piper and heard back by Whisper (tiny.en, clean audio: the rehearsing person hears
the laptop's voice), and the share of its words that came back is counted.

    .venv/bin/python scripts/bench_mirror.py [--set dev|held-out|all] [--sample N] [--spoken [--spoken-n N]]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from facilitator import lexicon  # noqa: E402
from facilitator.errors import InputError  # noqa: E402
from facilitator.mirror import MAX_WORDS, mirror, unturned  # noqa: E402
from facilitator.reflection import judge  # noqa: E402

ANNOMI = ROOT.parent / "shared" / "data" / "reflections" / "annomi-dev.csv"
DEV_PAIRS = ROOT / "tests" / "data" / "couple_pairs.jsonl"
HELD_PAIRS = ROOT / "tests" / "data" / "couple_pairs_fresh.jsonl"
MIN_WORDS = 15


def couple_shares(path: Path) -> list[str]:
    if not path.is_file():
        return []
    seen: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            seen.setdefault(json.loads(line)["share"], None)
    return list(seen)


def annomi_shares(path: Path, odd: bool) -> list[str]:
    if not path.is_file():
        return []
    with path.open(newline="", encoding="utf-8") as handle:
        turns = [row["utterance_text"] for row in csv.DictReader(handle)
                 if row["interlocutor"] == "client" and len(row["utterance_text"].split()) >= MIN_WORDS
                 and (int(row["transcript_id"]) % 2 == 1) == odd]
    return list(dict.fromkeys(turns))  # each turn once (some transcripts are annotated twice)


def shares_of(which: str, annomi: Path) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    if which in ("dev", "all"):
        out += [("couple", s) for s in couple_shares(DEV_PAIRS)]
        out += [("annomi", s) for s in annomi_shares(annomi, odd=True)]
    if which in ("held-out", "all"):
        out += [("couple", s) for s in couple_shares(HELD_PAIRS)]
        out += [("annomi", s) for s in annomi_shares(annomi, odd=False)]
    return out


def bench(items: list[tuple[str, str]], sample: int, show: int) -> list[str]:
    named = carried = accepted = refused = left = over = 0
    families_named = families_kept = 0
    times: list[float] = []
    cpu: list[float] = []
    lengths: list[int] = []
    texts: list[str] = []
    misses: list[str] = []
    by_source: dict[str, list[int]] = {}
    for source, share in items:
        started, started_cpu = time.perf_counter(), time.thread_time()
        try:
            reflection = mirror(share)
        except InputError:
            refused += 1
            continue
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.thread_time() - started_cpu) * 1000)
        texts.append(reflection.text)
        verdict = judge(share, reflection.text)
        named += len(verdict.feelings)
        carried += len(verdict.carried)
        accepted += verdict.accepted
        counts = by_source.setdefault(source, [0, 0])
        counts[0] += 1
        counts[1] += verdict.accepted
        wanted = set(lexicon_families(share, own=True))
        families_named += len(wanted)
        families_kept += len(wanted & set(lexicon_families(reflection.content)))
        left += bool(unturned(reflection))
        size = len(reflection.text.split())
        lengths.append(size)
        over += size > MAX_WORDS
        if (not verdict.accepted or set(verdict.feelings) - set(verdict.carried)) and len(misses) < show:
            misses.append(f"  [{verdict.kind.value}] {share}\n    -> {reflection.text}")
    n = len(times)
    print(f"shares: {len(items)} (mirrored {n}, refused as empty or not English {refused})")
    print(f"feelings carried (the judge's reading): {carried}/{named} = {carried / max(1, named):.3f}")
    print(f"feeling families carried (the sharer's own, lexicon): {families_kept}/{families_named} = "
          f"{families_kept / max(1, families_named):.3f}")
    print(f"first-person words of the sharer left unturned: {left} reflections "
          f"({1 - left / max(1, n):.3f} clean)")
    print(f"the judge accepts: {accepted}/{n} = {accepted / max(1, n):.3f}  "
          + ", ".join(f"{k} {v[1]}/{v[0]}" for k, v in sorted(by_source.items())))
    print(f"words: median {statistics.median(lengths):.0f}, max {max(lengths)}, over {MAX_WORDS}: {over}")
    times.sort()
    print(f"time per share (wall): median {statistics.median(times):.2f} ms, 99th percentile "
          f"{times[int(0.99 * (len(times) - 1))]:.2f} ms, max {times[-1]:.2f} ms; CPU time of this "
          f"thread: median {statistics.median(cpu):.2f} ms, max {max(cpu):.2f} ms "
          f"(load average {Path('/proc/loadavg').read_text().split()[0]})")
    if misses:
        print("misses (not accepted, or a feeling not carried):", *misses, sep="\n", file=sys.stderr)
    if sample:
        rng = random.Random(15)
        print(f"\na sample of {sample} to read:")
        for _source, share in rng.sample(items, min(sample, len(items))):
            try:
                print(f"  SHARE: {share}\n  SAID:  {mirror(share).text}\n")
            except InputError as exc:
                print(f"  SHARE: {share}\n  REFUSED: {exc}\n")
    return texts


def lexicon_families(text: str, own: bool = False) -> list[str]:
    from facilitator.mirror import _clauses  # the same reading of the share as the mirror's

    if not own:
        from facilitator.mirror import feeling_families

        return feeling_families(text)
    try:
        return [f for clause in _clauses(text, None) for _, _, f in clause.feelings]
    except InputError:
        return []


def spoken(texts: list[str]) -> None:
    """Say each reflection with Piper and hear it with Whisper tiny.en; the share of words back."""
    import numpy as np

    from facilitator.adapters.piper import load_voice
    from facilitator.adapters.whisper import WhisperTranscriber, normalise
    from facilitator.audio import SAMPLE_RATE, resample

    voice, whisper = load_voice(), WhisperTranscriber()
    said_words = changed = 0
    worst: list[tuple[float, str, str]] = []
    started = time.perf_counter()
    for text in texts:
        audio = resample(np.concatenate(list(voice.synthesize(text))), voice.sample_rate, SAMPLE_RATE)
        heard = whisper.transcribe(audio).text
        said, got = normalise(text).split(), normalise(heard).split()
        edits = lexicon.edits(said, got, len(said) + len(got))
        said_words += len(said)
        changed += edits
        worst.append((edits / max(1, len(said)), text, heard))
    worst.sort(reverse=True)
    print(f"\nPiper -> Whisper tiny.en round trip over {len(texts)} reflections "
          f"({time.perf_counter() - started:.0f} s): {1 - changed / max(1, said_words):.3f} of "
          f"{said_words} words came back (word error rate {changed / max(1, said_words):.3f})")
    for rate, text, heard in worst[:5]:
        print(f"  {rate:.2f}  said: {text}\n        heard: {heard}", file=sys.stderr)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--set", dest="which", choices=("dev", "held-out", "all"), default="held-out")
    parser.add_argument("--annomi", type=Path, default=ANNOMI)
    parser.add_argument("--sample", type=int, default=0,
                        help="print this many shares and reflections to read")
    parser.add_argument("--show", type=int, default=0, help="print this many misses")
    parser.add_argument("--spoken", action="store_true", help="say the reflections and hear them back")
    parser.add_argument("--spoken-n", type=int, default=250,
                        help="how many reflections to say aloud (a seeded random sample; 0: all)")
    args = parser.parse_args()
    if not args.annomi.is_file():
        print(f"{args.annomi} is absent: AnnoMI shares skipped")
    items = shares_of(args.which, args.annomi)
    print(f"set: {args.which}")
    mirror("I felt tired.")  # the first call fills the lexicon's caches
    texts = bench(items, args.sample, args.show)
    if args.spoken:
        chosen = texts if not args.spoken_n or args.spoken_n >= len(texts) else random.Random(15).sample(
            texts, args.spoken_n)
        spoken(chosen)


if __name__ == "__main__":
    main()
