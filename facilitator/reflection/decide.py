"""The three outcomes (issue 14): coach a clear miss; a reflection, or an unsure reply, goes to the sharer.

The rules' verdict (``verdict``) says why a reply would miss; the meaning model (``semantic``) says how
sure that is. Coaching a real reflection is the harm, so a rules' refusal is coached only when the
model agrees it is a miss (otherwise the outcome is "unsure"); a reply the rules accept is coached
only when the model is sure it turns to the listener's own side. Everything else asks the sharer.
The thresholds were picked on held-out probabilities of the training pairs
(scripts/train_reflection_semantic.py), never on the blind sets.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace

import numpy as np

from facilitator import coaching
from facilitator.reflection.analysis import _Analysis
from facilitator.reflection.outcome import Kind, Outcome, Verdict
from facilitator.reflection.semantic import Encoder, MissModels, Vectors, dense, texts_of

COACH_AT = {
    Kind.REBUTTAL: 0.3, Kind.ADVICE: 0.5, Kind.QUESTION: 0.5,
    Kind.OWN_STORY: 0.5, Kind.OFF_TOPIC: 0.5, Kind.MISSING_FEELINGS: 0.75,
}
"""A reply the rules refuse for this reason is coached when the model's miss probability is at least
this. The rules' rebuttals, advice and questions are seldom wrong; a reply refused only for leaving out
the feelings is often a real reflection in other words."""
OVERRIDE_AT = 0.5
"""A reply the rules accept is coached (``Kind.OWN_SIDE``) when the probability is at least this."""


def outcome_of(kind: Kind, p: float) -> Outcome:
    """The outcome for the rules' reason and the model's miss probability."""
    if kind in (Kind.EMPTY, Kind.UNCLEAR):
        return Outcome.MISS
    if kind == Kind.ACCEPTED:
        return Outcome.MISS if p >= OVERRIDE_AT else Outcome.REFLECTION
    return Outcome.MISS if p >= COACH_AT.get(kind, 0.5) else Outcome.UNSURE



def three_way(rules: Verdict, a: _Analysis, share: str, flags: list[str], model: MissModels | None,
              encoder: Encoder | None) -> Verdict:
    """The verdict with its outcome: reflection, unsure or a clear miss.

    Empty and unreadable replies stay clear misses (their coaching asks for a few plain words). With no
    meaning model (``model`` or ``embed`` None) the rules decide alone, as before issue 14.
    """
    if rules.kind in (Kind.EMPTY, Kind.UNCLEAR) or model is None or encoder is None:
        return rules
    texts = texts_of(share, a)
    reply, parts = encoder.embed_parts(texts.reply, (texts.last, *texts.clauses))
    e = np.vstack([cached(encoder.embed_one, texts.share), reply, parts])
    p = model.probability(rules.accepted, dense(a, rules.kind, flags, e))
    outcome = outcome_of(rules.kind, p)
    if outcome == Outcome.REFLECTION or outcome == Outcome.MISS and not rules.accepted:
        return replace(rules, miss_probability=round(p, 3))
    if outcome == Outcome.MISS:  # the rules accepted it; the meaning says it turns to the listener's side
        line = coaching.miss_coaching(Kind.OWN_SIDE.value, rules.feelings, True)
        return replace(rules, accepted=False, score=min(rules.score, 0.49), coaching=line,
                       kind=Kind.OWN_SIDE, outcome=Outcome.MISS, miss_probability=round(p, 3))
    return replace(rules, accepted=False, coaching=None, outcome=Outcome.UNSURE, miss_probability=round(p, 3))


@functools.lru_cache(maxsize=256)
def cached(embed_one: Callable[[str], Vectors], text: str) -> Vectors:
    """``embed_one(text)``, remembered: the share is embedded once for all the listener's tries."""
    return embed_one(text)


@functools.cache
def default_meaning() -> tuple[MissModels, Encoder] | None:
    """The shipped meaning model and the bundled sentence encoder, loaded once (None: not available).

    When either is missing or damaged the rules decide alone, and ``Verdict.miss_probability`` stays None.
    """
    from facilitator.errors import ModelError
    from facilitator.reflection import semantic

    try:
        from facilitator.adapters import minilm  # the engine, imported only when a reply is judged

        encoder = minilm.load()
        model = semantic.load()
    except (ModelError, ImportError, OSError, ValueError, KeyError):
        return None
    return model, encoder
