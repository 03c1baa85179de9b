"""The rules' verdict: the refusals first, then whether the reply reads as a reflection of this share."""

from __future__ import annotations

import math
import re

from facilitator import coaching, reflection_model
from facilitator.reflection import decide
from facilitator.reflection.analysis import _analyse, _Analysis
from facilitator.reflection.outcome import Kind, Outcome, Verdict
from facilitator.reflection.patterns import _OPENERS


def judge(share: str, reflection: str) -> Verdict:
    """Judge whether ``reflection`` reflects ``share`` back; never raises, whatever the text.

    Args:
        share: what the sharer said (transcribed speech: punctuation optional).
        reflection: what the listener said back.
    """
    a = _analyse(share, reflection)
    rules = _rules_verdict(reflection_model.load(), a)
    meaning = decide.default_meaning()
    if meaning is None:
        return rules
    return decide.three_way(rules, a, share or "", features(a), *meaning)


def judge_with(model: reflection_model.LinearModel, share: str, reflection: str) -> Verdict:
    """The rules' verdict alone, with another reflection model (one per cross-validation fold).

    ``judge`` adds the meaning check and the three outcomes.
    """
    return _rules_verdict(model, _analyse(share, reflection))


def _rules_verdict(model: reflection_model.LinearModel, a: _Analysis) -> Verdict:
    """The verdict: the rules' refusals first, then whether the reply reads as a reflection of this share."""
    feelings, carried, missing, reading = a.feelings, a.carried, a.missing, a.reading
    if a.early is not None:
        return _miss(a.early, 0.0, feelings, (), feelings)
    form = _reads_as(model, a)
    reflects = form >= ACCEPT_FORM and not reading.rebuttal
    if reading.rebuttal:
        return _miss(Kind.REBUTTAL, 0.1, feelings, carried, missing)
    if reading.advice:
        return _miss(Kind.ADVICE, 0.15, feelings, carried, missing, reflects=reflects)
    # More "I" than "you", with things the sharer never said: the listener's own story. Not when it
    # opens with the sharer's feelings ("you felt alone at my parents' place when I ...").
    if _own_story(a):
        return _miss(Kind.OWN_STORY, 0.15, feelings, carried, missing, reflects=reflects)
    if reading.question:
        return _miss(Kind.QUESTION, 0.2, feelings, carried, missing, reflects=reflects)
    if not reading.words:  # only "okay", "right", "is that right?"
        return _miss(Kind.EMPTY, 0.0, feelings, carried, missing, reflects=reflects)

    substance = (len(carried) / len(feelings) if feelings else
                 min(1.0, a.shared / max(1.0, min(5.0, 0.5 * a.share_content))))
    score = 0.6 * form + 0.4 * substance if a.share_content else form
    long_share = a.share_content >= 4
    # Nothing of the share came back and the reply is not shaped as a reflection either. A reply with a
    # reflective opener and no shared word is often a deeper paraphrase; feelings are checked next.
    if long_share and not a.shared and not carried and a.reply_keys >= 2 and not (reading.validation
                                                                                 or reading.opener):
        return _miss(Kind.OFF_TOPIC, min(score, 0.3), feelings, carried, missing, reflects=reflects)
    # The sharer named feelings and none came back: invite them. A different feeling guessed with
    # nothing else of the share ("are you angry?" after "I felt alone") misses too.
    if feelings and not carried and (not a.names_a_feeling or not a.shared):
        return _miss(Kind.MISSING_FEELINGS, min(score, 0.45), feelings, carried, missing,
                     caught=bool(a.shared), reflects=reflects)
    # After a real share, a reply needs at least one sign of reflecting ("you", an opener, a feeling,
    # a shared word); "that's true" or "fair enough" is not a reflection, whatever the model says.
    positive = reading.you_n > 0 or reading.opener or reading.validation or a.names_a_feeling or a.shared
    if not reflects or (long_share or not a.share_content) and not positive:
        kind = Kind.QUESTION if reading.asked else Kind.OFF_TOPIC
        return _miss(kind, min(score, 0.4), feelings, carried, missing, reflects=reflects)
    return Verdict(True, round(max(0.5, score), 3), feelings, carried, None, Kind.ACCEPTED, True,
                   Outcome.REFLECTION)


# Hand-set log-odds added to the model's, from the repair method (DOMAIN.md), for what counselling
# dialogue rarely shows: a listener mirroring explicitly ("what I heard is ...", "did I get that ...",
# "..., is that right?") and carrying the sharer's feelings back.
_PRIORS = {"mirrors": 1.0, "carries_feelings": 0.5}
_MIRROR = re.compile(
    r"\b(?:what i (?:hear|heard|am hearing|got|understood)|i (?:hear|heard) you (?:say|saying)"
    r"|if i (?:understand|heard|got) (?:you|that|it|this)|let me (?:see|check|make sure) (?:if|that)"
    r"|so you are saying|you are saying)\b"
)


def _reads_as(model: reflection_model.LinearModel, a: _Analysis) -> float:
    """How much the reply reads as a reflection (0-1): the model (counselling dialogue) plus the priors."""
    logit = model.logit(features(a)) + _prior(a)
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, logit))))


def reads_as_reflection(model: reflection_model.LinearModel, share: str, reflection: str) -> float:
    """The probability behind ``Verdict.reflects`` (before the rebuttal rule), for the benchmark's sweep."""
    return _reads_as(model, _analyse(share, reflection))


def _prior(a: _Analysis) -> float:
    mirrors = any("<check>" in words for words, _ in a.reading.views) or bool(_MIRROR.search(a.reading.text))
    return _PRIORS["mirrors"] * mirrors + _PRIORS["carries_feelings"] * bool(a.carried)


def features(a: _Analysis) -> list[str]:
    """The reflection model's features of one analysed pair: reply n-grams and the judge's readings."""
    reading = a.reading
    out = reflection_model.ngram_features(reading.views)
    flags = {
        "rebuttal": reading.rebuttal,
        "advice": reading.advice,
        "own_story": _own_story(a),
        "question": reading.question,
        "asked": reading.asked,
        "earlier_question": reading.earlier_question,
        "opener": reading.opener,
        "validation": reading.validation,
        "summing_up": reading.summing_up,
        "you": reading.you_n > 0,
        "you_twice": reading.you_n > 1,
        "me": reading.me_n > 0,
        "more_me": reading.me_n > reading.you_n,
        "names_a_feeling": a.names_a_feeling,
        "carries_feelings": bool(a.carried),
        "share_feelings": bool(a.feelings),
        "misses_feelings": bool(a.feelings) and not a.carried,
        "shared": a.shared > 0,
        "shared_2": a.shared >= 2,
        "shared_4": a.shared >= 4,
        "own_new": a.own_new > 0,
        "no_statement": not reading.words,
        "informs": bool(_INFORMS.search(reading.text)),
        "tentative": bool(_TENTATIVE.search(reading.text)),
        "share_asked": a.share_asked,
    }
    out.extend("j:" + name for name, present in flags.items() if present)
    size = a.share_content
    out.append(f"j:share_len_{0 if size == 0 else 1 if size < 4 else 2 if size < 12 else 3}")
    n = len(reading.words)
    out.append(f"j:reply_len_{0 if n == 0 else 1 if n < 8 else 2 if n < 20 else 3 if n < 40 else 4}")
    out.append(f"j:sentences_{min(reading.sentences, 4)}")
    if size:
        out.append(f"j:shared_part_{min(4, int(4 * a.shared / max(1, min(size, 10))))}")
    if a.reply_keys:
        out.append(f"o:shared_of_reply_{int(5 * min(1.0, a.shared / a.reply_keys))}")
    out.append(f"o:shared_n_{min(6, a.shared)}")
    return out


def pair_features(share: str, reflection: str) -> list[str]:
    """``features`` of a raw pair, for training the model (scripts/train_reflection_model.py)."""
    return features(_analyse(share, reflection))


def _own_story(a: _Analysis) -> bool:
    reading = a.reading
    if a.listener_feels or a.own_clause or _OWN_SIDE.search(reading.text):
        return True
    opening = " ".join(reading.words[:6]).replace("you know", " ")  # "you know" is a filler here
    opens_as_reflection = bool(_OPENERS.search(opening))
    return reading.me_n > reading.you_n and a.own_new >= 2 and not (a.carried and reading.opener
                                                                     or opens_as_reflection)


_OWN_SIDE = re.compile(
    r"\bi (?:feel|felt|get|have felt|know) (?:\w+ ){0,2}"
    r"(?:the same|that way too|like that too|that too|how that feels)"
    r"|\bsame (?:here|for me|with me)\b|\bme too\b|\bso do i\b|\bso did i\b"
)
ACCEPT_FORM = 0.5
"""A reply the reflection model scores below this (probability, 0-1) does not read as a reflection."""
_INFORMS = re.compile(
    r"\b(?:people|patients|clients|folks|many|most|studies|research|percent|recommend\w*|guidelines?"
    r"|we know|i think|i would|we would|i am going|i will"
    r"|i want|i am (?:curious|interested|glad|happy)|i like"
    r"|evidence|technically|we define|i found|i should|i was (?:wanting|asking|going|thinking)|my (?:job|role"
    r"|commitment|sense)|we are going|we will|i do not want|i wish|i noticed|there (?:is|are) (?:a lot|lots"
    r"|certainly|some)|it is (?:normal|common|important|possible|likely)|that is (?:great|good|wonderful))\b"
)
_TENTATIVE = re.compile(r"\b(?:sounds?|seems?|must)\b")


def _miss(
    kind: Kind,
    score: float,
    feelings: tuple[str, ...],
    carried: tuple[str, ...],
    missing: tuple[str, ...],
    caught: bool = True,
    reflects: bool = False,
) -> Verdict:
    line = coaching.miss_coaching(kind, missing, caught)
    return Verdict(False, round(min(score, 0.49), 3), feelings, carried, line, kind, reflects)
