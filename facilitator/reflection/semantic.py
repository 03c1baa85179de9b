"""The meaning check (issue 14): how sure is it that a reply is a clear miss?

Sentence embeddings (all-MiniLM-L6-v2, facilitator.adapters.minilm, a numpy forward pass) say how
close the reply, and its last sentence, are to what the sharer said, and what kind of sentence the
reply is (about the sharer's experience, or turning to the listener's own reasons, complaints or
analysis). A small logistic model over those and the rules' readings gives the probability that the
reply is a clear miss. It is trained by ``scripts/train_reflection_semantic.py`` on the couple pairs
and AnnoMI's reflections (a style anchor) and shipped as ``facilitator/data/reflection_semantic.json``.

The encoder is passed in (``Encoder``); this module imports no model library.
"""

from __future__ import annotations

import base64
import functools
import json
import math
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Protocol

import numpy as np
import numpy.typing as npt

from facilitator.reflection.analysis import _Analysis
from facilitator.reflection.outcome import Kind

Vectors = npt.NDArray[np.float32]
WEIGHTS_FILE = "reflection_semantic.json"
WIDTH = 384


Span = tuple[int, int]
"""[start, end) of the reply's words."""


class Encoder(Protocol):
    """The sentence encoder (facilitator.adapters.minilm.MiniLM)."""

    def embed_one(self, text: str) -> Vectors:
        """The unit embedding of a text."""
        ...

    def embed_parts(self, text: str, spans: Sequence[Span]) -> tuple[Vectors, Vectors]:
        """The unit embedding of a text, and of each span of its words, in one pass."""
        ...


@dataclass(frozen=True)
class Texts:
    """What gets embedded: the share, the whole reply, and spans of the reply's words."""

    share: str
    reply: str
    last: Span
    """The last sentence (the whole reply when it has one sentence)."""
    clauses: tuple[Span, ...]
    """The reply cut at sentence ends and at the words that often turn to the listener's side ("but",
    "only", "except", "which", ...): at most ``MAX_CLAUSES`` (the first and last ones of a long reply)."""


MAX_CLAUSES = 6
_TURNS = frozenset("but only except though although which because meanwhile still anyway honestly whereas "
                   "besides plus".split())


def _clauses(sentence: list[str], at: int) -> list[Span]:
    out: list[Span] = []
    start = at
    for i, word in enumerate(sentence, start=at):
        if word in _TURNS and i - start >= 2:
            out.append((start, i))
            start = i
    out.append((start, at + len(sentence)))
    return out


def texts_of(share: str, a: _Analysis) -> Texts:
    """What to embed, from the cleaned words (fillers, stutters and cut-offs gone)."""
    sentences = [[w for w in words if w != "<check>"] for words, _ in a.reading.views]
    sentences = [words for words in sentences if words]
    clauses: list[Span] = []
    at = 0
    for words in sentences:
        clauses.extend(_clauses(words, at))
        at += len(words)
    if len(clauses) > MAX_CLAUSES:
        clauses = clauses[: MAX_CLAUSES // 2] + clauses[-(MAX_CLAUSES // 2):]
    last = (at - len(sentences[-1]), at) if sentences else (0, 0)
    reply = " ".join(" ".join(words) for words in sentences)
    return Texts(share.strip().lower(), reply, last, tuple(clauses) or ((0, at),))


_KINDS = tuple(kind.value for kind in Kind)


def dense(a: _Analysis, kind: Kind, rule_flags: Sequence[str], e: Vectors) -> Vectors:
    """The model's inputs: the rules' reason and readings, closeness, and three reply embeddings.

    ``e`` holds the unit embeddings of (share, reply, last sentence, clause, clause, ...), in that
    order. The clause furthest from the share is the one most likely to turn to the listener's side.
    """
    share, reply, last, clauses = e[0], e[1], e[2], e[3:]
    flags = set(rule_flags)
    close = float(share @ reply)
    close_last = float(share @ last)
    to_share = clauses @ share
    far = clauses[int(np.argmin(to_share))]
    head = [1.0 if kind.value == name else 0.0 for name in _KINDS]
    head += [1.0 if name in flags else 0.0 for name in FLAG_NAMES]
    head += [close, close_last, close - close_last, float(reply @ last), 1.0 if a.feelings else 0.0,
             float(to_share.min()), float(to_share.max()), close - float(to_share.min()),
             min(len(clauses), MAX_CLAUSES) / MAX_CLAUSES]
    return np.concatenate([np.array(head, np.float32), reply, last - reply, far]).astype(np.float32)


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


@dataclass(frozen=True)
class MissModels:
    """Two models: one for a reply the rules refused, one for a reply the rules accepted.

    The first asks whether the refusal is right; the second whether the reply still turns to the
    listener's side.
    """

    refused: MissModel
    accepted: MissModel

    def probability(self, rules_accepted: bool, x: Vectors) -> float:
        """The probability that the reply is a clear miss."""
        return (self.accepted if rules_accepted else self.refused).probability(x)


def _pack(model: MissModel) -> dict[str, object]:
    blob = base64.b64encode(zlib.compress(model.weights.astype("<f4").tobytes(), 9)).decode("ascii")
    return {"meta": model.meta, "size": int(model.weights.size), "bias": model.bias,
            "weights_f32_zlib_b64": blob}


def _unpack(data: dict[str, object]) -> MissModel:
    weights = np.frombuffer(zlib.decompress(base64.b64decode(str(data["weights_f32_zlib_b64"]))), "<f4")
    if weights.size != data["size"]:
        raise ValueError("the meaning model's weights are damaged")
    meta = data.get("meta", {})
    return MissModel(weights.astype(np.float32), float(str(data["bias"])),
                     dict(meta) if isinstance(meta, dict) else {})


def encode(models: MissModels) -> str:
    """The JSON text of the two models (float32 weights, zlib, base64)."""
    return json.dumps({"refused": _pack(models.refused), "accepted": _pack(models.accepted)}, indent=1)


def decode(text: str) -> MissModels:
    """The models from the JSON text ``encode`` wrote."""
    data = json.loads(text)
    return MissModels(_unpack(data["refused"]), _unpack(data["accepted"]))


@functools.cache
def load() -> MissModels:
    """The shipped models (package data), read once."""
    text = resources.files("facilitator").joinpath("data", WEIGHTS_FILE).read_text(encoding="utf-8")
    return decode(text)
