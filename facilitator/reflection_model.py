"""A small linear model of "does this reply read as a reflection?", for the reflect-back judge.

Issue 5. Logistic regression over hashed features of the reply: word n-grams (1-3, with sentence
starts and "?"/"." ends) and the judge's own readings of the pair (questions, openers, feelings
carried, words shared with the share, ...), passed in as named features. No vocabulary is stored:
each feature name is hashed (CRC-32) into one of ``BUCKETS`` weights. Pure Python at run time (no
numpy): a reply's logit is the bias plus the sum of its distinct buckets' weights over the square
root of their number. The weights are trained by ``scripts/train_reflection_model.py`` on AnnoMI
dev (counselling dialogue, ../shared/data) and shipped as ``facilitator/data/reflection_model.json``.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import sys
import zlib
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources

BUCKETS = 1 << 16
"""Number of hashed feature weights."""
WEIGHTS_FILE = "reflection_model.json"


def bucket(feature: str) -> int:
    """The weight index of a feature name (stable across runs and machines)."""
    return zlib.crc32(feature.encode("utf-8")) & (BUCKETS - 1)


def ngram_features(sentences: Sequence[tuple[Sequence[str], bool]]) -> list[str]:
    """Word 1-3-grams of a text given as (words, ended with "?") sentences, with start and end marks."""
    tokens: list[str] = []
    for words, asked in sentences:
        tokens.append("<s>")
        tokens.extend(words)
        tokens.append("?" if asked else ".")
    out: list[str] = []
    for n in (1, 2, 3):
        for i in range(len(tokens) - n + 1):
            out.append("w:" + " ".join(tokens[i : i + n]))
    return out


def buckets_of(features: Iterable[str]) -> list[int]:
    """The distinct weight indexes of these features, sorted."""
    return sorted({bucket(feature) for feature in features})


@dataclass(frozen=True)
class LinearModel:
    """Hashed logistic regression: ``logit = bias + sum(weights[b]) / sqrt(number of buckets)``."""

    weights: Sequence[float]
    bias: float

    def logit(self, features: Iterable[str]) -> float:
        """The log-odds that a reply with these features is a reflection."""
        found = buckets_of(features)
        if not found:
            return self.bias
        return self.bias + sum(self.weights[b] for b in found) / math.sqrt(len(found))

    def probability(self, features: Iterable[str]) -> float:
        """The probability (0-1) that a reply with these features is a reflection."""
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, self.logit(features)))))


def encode(weights: Sequence[float], bias: float, meta: dict[str, object]) -> str:
    """The JSON text of a model: metadata, bias, and the float32 weights (zlib, base64)."""
    packed = array("f", weights)
    if sys.byteorder == "big":
        packed.byteswap()  # stored little-endian
    if len(packed) != BUCKETS:
        raise ValueError(f"expected {BUCKETS} weights, got {len(packed)}")
    blob = base64.b64encode(zlib.compress(packed.tobytes(), 9)).decode("ascii")
    data = {"meta": meta, "buckets": BUCKETS, "bias": bias, "weights_f32_zlib_b64": blob}
    return json.dumps(data, indent=1)


def decode(text: str) -> LinearModel:
    """A model from the JSON text ``encode`` wrote."""
    data = json.loads(text)
    if data.get("buckets") != BUCKETS:
        raise ValueError("reflection model was trained with another number of buckets")
    weights = array("f")
    weights.frombytes(zlib.decompress(base64.b64decode(data["weights_f32_zlib_b64"])))
    if sys.byteorder == "big":
        weights.byteswap()
    return LinearModel(weights, float(data["bias"]))


@functools.cache
def load() -> LinearModel:
    """The shipped model (package data), read once."""
    text = resources.files("facilitator").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8")
    return decode(text)
