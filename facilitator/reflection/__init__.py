"""The reflect-back judge: does the listener's reply reflect the sharer's words, or rebut, fix or drift?

Issues 5 and 14. The reply is cleaned of fillers and stutters (``text``), split into sentences, and
read for form (``patterns``, ``reading``: rebuttal and advice markers, questions, who it speaks about,
reflective openers) and for content (``analysis``: the sharer's feelings and content words carried
back, with stems, synonyms and one-letter recognition slips). A small linear model
(facilitator.reflection_model, trained on counselling dialogue) reads those plus the reply's word
n-grams and says whether the reply reads as a reflection (``Verdict.reflects``); the rules keep their
veto over acceptance (``verdict``). DOMAIN.md "A good reflection" is the rule.
"""

from __future__ import annotations

from facilitator.reflection.outcome import Kind, Verdict
from facilitator.reflection.text import MAX_WORDS
from facilitator.reflection.verdict import (
    ACCEPT_FORM,
    features,
    judge,
    judge_with,
    pair_features,
    reads_as_reflection,
)

__all__ = [
    "ACCEPT_FORM", "MAX_WORDS", "Kind", "Verdict", "features", "judge", "judge_with", "pair_features",
    "reads_as_reflection",
]
