"""The meaning check (issue 14): how sure is it that a reply is a clear miss?

Sentence embeddings (all-MiniLM-L6-v2, facilitator.adapters.minilm, a numpy forward pass) say how
close the reply, and its last sentence, are to what the sharer said, and what kind of sentence the
reply is (about the sharer's experience, or turning to the listener's own reasons, complaints or
analysis). A small logistic model over those and the rules' readings gives the probability that the
reply is a clear miss. It is trained by ``scripts/train_reflection_semantic.py`` on the couple pairs
and AnnoMI's reflections (a style anchor) and shipped as ``facilitator/data/reflection_semantic.json``.

The embedder is passed in (``Embedder``); this module imports no model library.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import resources

import numpy as np
import numpy.typing as npt

from facilitator.reflection.analysis import _Analysis
from facilitator.reflection.outcome import Kind

Vectors = npt.NDArray[np.float32]
Embedder = Callable[[Sequence[str]], Vectors]
"""Texts -> unit vectors, one row per text."""
WEIGHTS_FILE = "reflection_semantic.json"
WIDTH = 384


@dataclass(frozen=True)
class Texts:
    """The texts of a pair that get embedded: the share, the whole reply, and its last sentence."""

    share: str
    reply: str
    last: str


def texts_of(share: str, a: _Analysis) -> Texts:
    """What to embed, from the cleaned words (fillers, stutters and cut-offs gone)."""
    sentences = [" ".join(words) for words, _ in a.reading.views if words]
    sentences = [s.replace("<check>", "").strip() for s in sentences]
    sentences = [s for s in sentences if s]
    reply = " ".join(sentences)
    return Texts(share.strip().lower(), reply, sentences[-1] if len(sentences) > 1 else reply)


_KINDS = tuple(kind.value for kind in Kind)


def dense(a: _Analysis, kind: Kind, rule_flags: Sequence[str], e: Vectors) -> Vectors:
    """The model's inputs: the rules' reason and readings, closeness, and the two reply embeddings.

    ``e`` holds the unit embeddings of (share, reply, last sentence), in that order.
    """
    share, reply, last = e[0], e[1], e[2]
    flags = set(rule_flags)
    close = float(share @ reply)
    close_last = float(share @ last)
    head = [1.0 if kind.value == name else 0.0 for name in _KINDS]
    head += [1.0 if name in flags else 0.0 for name in FLAG_NAMES]
    head += [close, close_last, close - close_last, float(reply @ last), 1.0 if a.feelings else 0.0]
    return np.concatenate([np.array(head, np.float32), reply, last - reply]).astype(np.float32)


FLAG_NAMES = (
    "j:rebuttal", "j:advice", "j:own_story", "j:question", "j:asked", "j:earlier_question", "j:opener",
    "j:validation", "j:summing_up", "j:you", "j:you_twice", "j:me", "j:more_me", "j:names_a_feeling",
    "j:carries_feelings", "j:share_feelings", "j:misses_feelings", "j:shared", "j:shared_2", "j:shared_4",
    "j:own_new", "j:no_statement", "j:informs", "j:tentative", "j:sentences_1", "j:sentences_2",
    "j:sentences_3", "j:sentences_4",
)
"""The rules' readings the model sees (names of ``reflection.features``)."""


@dataclass(frozen=True)
class MissModel:
    """Logistic regression over ``dense``: the probability that a reply is a clear miss."""

    weights: Vectors
    bias: float
    meta: dict[str, object]

    def probability(self, x: Vectors) -> float:
        """The probability (0-1) that a pair with these inputs is a clear miss."""
        z = float(x @ self.weights) + self.bias
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def encode(weights: Vectors, bias: float, meta: dict[str, object]) -> str:
    """The JSON text of a model (float32 weights, zlib, base64)."""
    blob = base64.b64encode(zlib.compress(weights.astype("<f4").tobytes(), 9)).decode("ascii")
    return json.dumps({"meta": meta, "size": int(weights.size), "bias": bias, "weights_f32_zlib_b64": blob},
                      indent=1)


def decode(text: str) -> MissModel:
    """A model from the JSON text ``encode`` wrote."""
    data = json.loads(text)
    weights = np.frombuffer(zlib.decompress(base64.b64decode(data["weights_f32_zlib_b64"])), "<f4")
    if weights.size != data["size"]:
        raise ValueError("the meaning model's weights are damaged")
    return MissModel(weights.astype(np.float32), float(data["bias"]), dict(data.get("meta", {})))


@functools.cache
def load() -> MissModel:
    """The shipped model (package data), read once."""
    text = resources.files("facilitator").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8")
    return decode(text)
