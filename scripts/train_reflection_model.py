"""Train the reflect-back judge's reflection model (issue 5) on AnnoMI dev; write the package weights.

Each therapist turn right after a client turn is one example: the client turn is the share, the
therapist turn the reply; "reflection" is positive, "question" and "therapist_input" negative. The
therapist turns that follow the therapist's own turn are added, with the last client turn as the
share: they teach the wording of reflections, questions and input (cross-validated: recall at
precision 0.80 up by about 0.01).
Features come from ``facilitator.reflection.pair_features`` (reply word n-grams, hashed, and the
judge's readings). L2-regularised logistic regression fit with scipy's L-BFGS. The shipped weights
are fit on ALL of annomi-dev; figures for them must come from scripts/bench_reflection.py, which
re-fits per transcript fold and predicts held-out transcripts only.

    .venv/bin/python scripts/train_reflection_model.py [--annomi PATH] [--out PATH]
"""

from __future__ import annotations

import argparse
import csv
import datetime
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.optimize
import scipy.sparse

from facilitator import reflection_model
from facilitator.reflection import pair_features

ROOT = Path(__file__).resolve().parents[1]
ANNOMI = ROOT.parent / "shared" / "data" / "reflections" / "annomi-dev.csv"
OUT = ROOT / "facilitator" / "data" / reflection_model.WEIGHTS_FILE
L2 = 0.3
"""Regularisation, set before measuring: figures barely move from 0.1 to 1 (grouped CV)."""
KINDS = ("reflection", "question", "therapist_input")


@dataclass(frozen=True)
class Pair:
    share: str
    response: str
    behaviour: str
    subtype: str
    transcript: str
    quality: str
    """AnnoMI's MI-quality label of the conversation: high or low."""
    after_client: bool = True
    """The response comes right after the client turn (the benchmark's pairs); False for the extra
    training turns that follow the therapist's own turn."""


def annomi_pairs(path: Path, extra: bool = False) -> list[Pair]:
    """Each therapist turn right after a client turn in the same transcript, labelled reflection / not.

    With ``extra``, also the therapist turns that follow the therapist's own turn (or open the
    transcript), paired with the last client turn before them (or ""): more examples of how
    reflections, questions and input are worded, for training only.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    pairs = []
    last_client: dict[str, str] = {}
    previous: dict[str, str] | None = None
    for row in rows:
        transcript = row["transcript_id"]
        after_client = (previous is not None and previous["transcript_id"] == transcript
                        and previous["interlocutor"] == "client")
        previous = row
        if row["interlocutor"] == "client":
            last_client[transcript] = row["utterance_text"]
            continue
        if row["main_therapist_behaviour"] in KINDS and (after_client or extra):
            pairs.append(Pair(last_client.get(transcript, ""), row["utterance_text"],
                              row["main_therapist_behaviour"], row["reflection_subtype"],
                              transcript, row["mi_quality"], after_client))
    return pairs


def design(pairs: list[Pair]) -> scipy.sparse.csr_matrix:
    """One row per pair: 1/sqrt(n) on each of its n distinct hashed features (as the judge scores)."""
    return design_texts([(pair.share, pair.response) for pair in pairs])


def design_texts(texts: list[tuple[str, str]]) -> scipy.sparse.csr_matrix:
    """``design`` for (share, reply) texts."""
    indices: list[int] = []
    pointers = [0]
    values: list[float] = []
    for share, reply in texts:
        found = reflection_model.buckets_of(pair_features(share, reply))
        indices.extend(found)
        values.extend([1.0 / np.sqrt(len(found))] * len(found))
        pointers.append(len(indices))
    return scipy.sparse.csr_matrix((values, indices, pointers), shape=(len(texts), reflection_model.BUCKETS))


def labels(pairs: list[Pair]) -> np.ndarray:
    return np.array([pair.behaviour == "reflection" for pair in pairs], dtype=float)


def fit(x: scipy.sparse.csr_matrix, y: np.ndarray, l2: float = L2) -> reflection_model.LinearModel:
    """Logistic regression (bias not regularised)."""
    weights, bias = fit_weighted(x, y, np.ones(len(y)), l2, 1000)
    return reflection_model.LinearModel(weights.tolist(), bias)


def fit_weighted(
    x: Any, y: np.ndarray, weight: np.ndarray, l2: float, max_iter: int
) -> tuple[np.ndarray, float]:
    """L2-regularised logistic regression with a weight per example (bias not regularised), by L-BFGS."""

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x @ w[:-1] + w[-1]
        value = float(np.sum(weight * (np.logaddexp(0.0, z) - y * z)) + 0.5 * l2 * w[:-1] @ w[:-1])
        residual = weight * (1.0 / (1.0 + np.exp(-z)) - y)
        grad = np.empty_like(w)
        grad[:-1] = x.T @ residual + l2 * w[:-1]
        grad[-1] = residual.sum()
        return value, grad

    result = scipy.optimize.minimize(loss, np.zeros(x.shape[1] + 1), jac=True, method="L-BFGS-B",
                                     options={"maxiter": max_iter})
    return result.x[:-1].astype(np.float32), float(result.x[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--annomi", type=Path, default=ANNOMI)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    pairs = annomi_pairs(args.annomi, extra=True)
    y = labels(pairs)
    model = fit(design(pairs), y)
    after_client = sum(pair.after_client for pair in pairs)
    meta = {
        "trained_on": f"{args.annomi.name}: all {len(pairs)} therapist turns labelled reflection, question "
                      f"or therapist_input ({after_client} right after a client turn, "
                      f"{len(pairs) - after_client} after the therapist's own), {int(y.sum())} reflections, "
                      f"{len({p.transcript for p in pairs})} transcripts",
        "task": "reflection vs question + therapist_input",
        "l2": L2,
        "date": datetime.date.today().isoformat(),
        "figures": "in-sample figures are meaningless; see scripts/bench_reflection.py (CV by transcript)",
    }
    args.out.write_text(reflection_model.encode(model.weights, model.bias, meta) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({args.out.stat().st_size // 1024} KB) from {len(pairs)} pairs")


if __name__ == "__main__":
    main()
