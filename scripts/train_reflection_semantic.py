"""Train the reflect-back judge's meaning model (issue 14); cross-validate it; write the package weights.

What it learns from (never the blind sets, tests/data/couple_pairs_blind.jsonl, which are only scored):
- the couple pairs: tests/data/couple_pairs.jsonl (795, regression), couple_pairs_fresh.jsonl (320) and
  couple_pairs_train.jsonl (pairs written for training, issue 14); "accepted": false is a miss;
- AnnoMI dev's reflections right after a client turn (973): not misses. They are the style anchor: a
  model that learnt only how our helpers write refused real counsellors' reflections (README).

Each pair: the rules' verdict (reason and readings) and the all-MiniLM-L6-v2 embeddings of the share,
the reply and its last sentence (facilitator.reflection.semantic.dense). L2-regularised logistic
regression. Cross-validation: 10 folds, each couple set (the "set" field) and each AnnoMI transcript in
one fold; every pair is scored by the model fit without its fold. The thresholds of the three outcomes
are picked on those held-out probabilities.

    .venv/bin/python scripts/train_reflection_semantic.py [--cv-only] [--out PATH]
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from train_reflection_model import ANNOMI, ROOT, annomi_pairs, fit_weighted

from facilitator.reflection import analysis, decide, semantic, verdict
from facilitator.reflection.outcome import Kind, Outcome

DATA = ROOT / "tests" / "data"
TRAIN_FILES = ("couple_pairs.jsonl", "couple_pairs_fresh.jsonl", "couple_pairs_train.jsonl")
OUT = ROOT / "facilitator" / "data" / semantic.WEIGHTS_FILE
CACHE = Path.home() / ".cache" / "facilitator-minilm"
L2 = 3.0
"""Regularisation of the model for replies the rules refused (trained on every pair)."""
L2_ACCEPTED = 0.3
"""Regularisation of the model for replies the rules accepted (trained on those pairs only)."""
ANNOMI_WEIGHT = 0.5
"""AnnoMI's reflections count half: there are many, and they anchor rather than teach."""
FOLDS = 10


@dataclass(frozen=True)
class Example:
    share: str
    reply: str
    miss: bool
    category: str
    group: str
    """The couple set, or "annomi:<transcript>"."""
    kind: Kind
    """The rules' reason."""


def couple_examples() -> list[Example]:
    out = []
    for name in TRAIN_FILES:
        path = DATA / name
        if not path.is_file():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                item = json.loads(line)
                group = f"{name}:{item.get('set', 'first')}"
                if name == "couple_pairs_train.jsonl":  # one set of 15 shares: a share is a group
                    group += ":" + hashlib.sha256(item["share"].encode("utf-8")).hexdigest()[:8]
                out.append(Example(item["share"], item["reflection"], not item["accepted"], item["category"],
                                   group, Kind.ACCEPTED))
    return out


def annomi_examples(path: Path) -> list[Example]:
    return [Example(p.share, p.response, False, "annomi_reflection", f"annomi:{p.transcript}", Kind.ACCEPTED)
            for p in annomi_pairs(path) if p.behaviour == "reflection"]


class CachedEmbedder:
    """The MiniLM embedder, with every text's vector kept on disk (the training texts are embedded once)."""

    def __init__(self) -> None:
        from facilitator.adapters import minilm

        self.model = minilm.load()
        CACHE.mkdir(parents=True, exist_ok=True)

    def embed(self, t: semantic.Texts) -> np.ndarray:
        """The rows ``semantic.dense`` reads: share, reply, last sentence, clauses (as the judge has them)."""
        spans = (t.last, *t.clauses)
        key = CACHE / (hashlib.sha256(f"{t.share}|{t.reply}|{spans}".encode()).hexdigest()[:32] + ".npy")
        if key.is_file():
            return np.load(key)
        reply, parts = self.model.embed_parts(t.reply, spans)
        rows = np.vstack([self.model.embed_one(t.share), reply, parts])
        np.save(key, rows)
        return rows


def rows(examples: list[Example], embed: CachedEmbedder) -> tuple[np.ndarray, list[Example]]:
    from facilitator import reflection_model

    model = reflection_model.load()
    x, judged = [], []
    for ex in examples:
        a = analysis._analyse(ex.share, ex.reply)
        rules = verdict._rules_verdict(model, a)
        t = semantic.texts_of(ex.share, a)
        e = embed.embed(t)
        x.append(semantic.dense(a, rules.kind, verdict.features(a), e))
        judged.append(Example(ex.share, ex.reply, ex.miss, ex.category, ex.group, rules.kind))
    return np.stack(x), judged


def fit(x: np.ndarray, y: np.ndarray, weight: np.ndarray, l2: float = L2) -> tuple[np.ndarray, float]:
    return fit_weighted(x, y, weight, l2, 2000)


def folds_of(examples: list[Example]) -> np.ndarray:
    groups = sorted({ex.group for ex in examples})
    random.Random(0).shuffle(groups)
    couple = [g for g in groups if not g.startswith("annomi:")]
    annomi = [g for g in groups if g.startswith("annomi:")]
    fold = {g: i % FOLDS for i, g in enumerate(couple)} | {g: i % FOLDS for i, g in enumerate(annomi)}
    return np.array([fold[ex.group] for ex in examples])


def held_out(x: np.ndarray, examples: list[Example]) -> np.ndarray:
    """Each pair's miss probability from the model it would meet (refused or accepted by the rules),
    fit without its fold."""
    p = cross_validate(x, examples, L2)
    accepted = np.array([ex.kind == Kind.ACCEPTED for ex in examples])
    kept = [ex for ex in examples if ex.kind == Kind.ACCEPTED]
    p[accepted] = cross_validate(x[accepted], kept, L2_ACCEPTED)
    return p


def fit_both(x: np.ndarray, examples: list[Example]) -> semantic.MissModels:
    """The shipped pair of models, fit on every pair."""
    y = np.array([ex.miss for ex in examples], float)
    weight = np.array([ANNOMI_WEIGHT if ex.group.startswith("annomi:") else 1.0 for ex in examples])
    accepted = np.array([ex.kind == Kind.ACCEPTED for ex in examples])
    refused = semantic.MissModel(*fit(x, y, weight, L2), {"l2": L2, "pairs": len(examples)})
    w, b = fit(x[accepted], y[accepted], weight[accepted], L2_ACCEPTED)
    return semantic.MissModels(refused, semantic.MissModel(w, b, {"l2": L2_ACCEPTED,
                                                                  "pairs": int(accepted.sum())}))


def cross_validate(x: np.ndarray, examples: list[Example], l2: float = L2) -> np.ndarray:
    y = np.array([ex.miss for ex in examples], float)
    weight = np.array([ANNOMI_WEIGHT if ex.group.startswith("annomi:") else 1.0 for ex in examples])
    folds = folds_of(examples)
    p = np.zeros(len(examples))
    for k in range(FOLDS):
        w, b = fit(x[folds != k], y[folds != k], weight[folds != k], l2)
        z = x[folds == k] @ w + b
        p[folds == k] = 1.0 / (1.0 + np.exp(-z))
    return p


def report(p: np.ndarray, examples: list[Example]) -> None:
    """Three-outcome figures at the shipped thresholds (facilitator.reflection.decide), held out."""
    coached = np.array([decide.outcome_of(ex.kind, pi) == Outcome.MISS
                        for pi, ex in zip(p, examples, strict=True)])

    def rate(select: list[bool]) -> str:
        idx = np.flatnonzero(select)
        return f"{coached[idx].sum()}/{len(idx)} = {coached[idx].mean() if len(idx) else 0:.3f}"
    couple_reflections = [not ex.miss and not ex.group.startswith("annomi:") for ex in examples]
    print("held out: couple reflections coached "
          f"{rate(couple_reflections)}; AnnoMI reflections coached "
          f"{rate([ex.group.startswith('annomi:') for ex in examples])}")
    for category in sorted({ex.category for ex in examples if ex.miss}):
        print(f"    {category}: coached {rate([ex.miss and ex.category == category for ex in examples])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path, default=ANNOMI)
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--cv-only", action="store_true")
    args = parser.parse_args()
    examples = couple_examples() + (annomi_examples(args.annomi) if args.annomi.is_file() else [])
    embed = CachedEmbedder()
    x, judged = rows(examples, embed)
    p = held_out(x, judged)
    base = np.array([ex.kind != Kind.ACCEPTED for ex in judged])
    refl = np.array([not ex.miss and not ex.group.startswith("annomi:") for ex in judged])
    print(f"{len(judged)} examples; rules alone coach {base[refl].sum()}/{refl.sum()} couple reflections")
    report(p, judged)
    if args.cv_only:
        return
    models = fit_both(x, judged)
    anchors = sum(ex.group.startswith("annomi:") for ex in judged)
    models.refused.meta.update({
        "trained_on": f"{len(judged)} pairs: " + ", ".join(TRAIN_FILES) + f" and AnnoMI dev's {anchors} "
                      "reflections after a client turn; never the blind sets",
        "task": "clear miss (accepted false) against a reflection", "date": datetime.date.today().isoformat(),
    })
    args.out.write_text(semantic.encode(models) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB)")

if __name__ == "__main__":
    main()
