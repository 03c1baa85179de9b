"""Experiment (issue 5): would a model fit on the couple pairs judge better than the rules?

Not part of the program. It fits the judge's own features (reply n-grams and the rules' readings)
with logistic regression on tests/data/couple_pairs.jsonl, then compares, on the fresh couple pairs
(tests/data/couple_pairs_fresh.jsonl, never used to change the judge) and on AnnoMI's real
counselling reflections:
- the rules alone (what ships);
- the couple model deciding every reply that no hard rule (rebuttal, advice, own story, question)
  refused, except a reply that names no feeling at all;
- the couple model only vetoing what the rules accepted, below a few probabilities.
The AnnoMI column is how many real reflections each would accept: a judge that only learnt how our
helpers write would refuse real people's reflections. (The shipped counselling model was fit on all
of AnnoMI dev, so these columns compare the variants; they are not held-out figures.)

    .venv/bin/python scripts/try_couple_model.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
from train_reflection_model import ANNOMI, ROOT, annomi_pairs, design_texts, fit

from facilitator import reflection, reflection_model
from facilitator.reflection import Kind

HARD = {Kind.EMPTY, Kind.UNCLEAR, Kind.REBUTTAL, Kind.ADVICE, Kind.OWN_STORY, Kind.QUESTION}
FEEL = {"feel", "felt", "feeling", "feels"}


def load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def main() -> None:
    train = load(ROOT / "tests" / "data" / "couple_pairs.jsonl")
    fresh = load(ROOT / "tests" / "data" / "couple_pairs_fresh.jsonl")
    x = design_texts([(str(d["share"]), str(d["reflection"])) for d in train])
    couple = fit(x, np.array([bool(d["accepted"]) for d in train], dtype=float))
    counselling = reflection_model.load()

    def decisions(share: str, reply: str) -> dict[str, bool]:
        a = reflection.analysis._analyse(share, reply)
        rules = reflection.verdict._rules_verdict(counselling, a)
        p = couple.probability(reflection.features(a))
        no_feeling = rules.kind is Kind.MISSING_FEELINGS and not a.names_a_feeling \
            and not FEEL & set(a.reading.words)
        decides = rules.accepted if rules.kind in HARD or no_feeling else p >= 0.5
        out = {"rules (shipped)": rules.accepted, "couple model decides": decides}
        for t in (0.1, 0.2, 0.3):
            out[f"couple model vetoes below {t}"] = rules.accepted and p >= t
        return out

    tally: dict[str, list[int]] = {}
    for d in fresh:
        for name, accepted in decisions(str(d["share"]), str(d["reflection"])).items():
            row = tally.setdefault(name, [0, 0, 0, 0, 0])
            row[0] += accepted == d["accepted"]
            row[1] += accepted and d["category"] in ("defence", "but")
    annomi = annomi_pairs(ANNOMI) if ANNOMI.is_file() else []
    for pair in annomi:
        for name, accepted in decisions(pair.share, pair.response).items():
            row = tally[name]
            if pair.behaviour == "reflection":
                row[2] += accepted
                row[3] += 1
            else:
                row[4] += accepted
    defences = sum(d["category"] in ("defence", "but") for d in fresh)
    print(f"| judge | fresh couple pairs ({len(fresh)}): accuracy | defences accepted (of {defences}) | "
          "AnnoMI reflections accepted | AnnoMI precision |")
    print("|---|---|---|---|---|")
    for name, (right, leaks, hits, gold, false) in tally.items():
        recall = f"{hits / gold:.3f}" if gold else "-"
        precision = f"{hits / max(1, hits + false):.3f}" if gold else "-"
        print(f"| {name} | {right / len(fresh):.3f} | {leaks} | {recall} | {precision} |")
    if not annomi:
        print(f"{ANNOMI} is absent: AnnoMI columns skipped", file=sys.stderr)


if __name__ == "__main__":
    main()
