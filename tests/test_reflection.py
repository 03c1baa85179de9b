"""The reflect-back judge (issue 5): couple pairs, bad input, transcribed speech, the API shape."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from facilitator import lexicon
from facilitator.reflection import MAX_WORDS, Kind, Verdict, judge

PAIRS = Path(__file__).parent / "data" / "couple_pairs.jsonl"
SHARE = (
    "When you went quiet after dinner last night and stayed on your phone, I felt really alone. "
    "I wanted to talk about my day and it felt like I didn't matter."
)


def _pairs() -> list[dict[str, object]]:
    return [json.loads(line) for line in PAIRS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_couple_pairs_accuracy_and_no_rebuttal_accepted() -> None:
    pairs = _pairs()
    assert len(pairs) >= 60
    wrong = [p for p in pairs if judge(str(p["share"]), str(p["reflection"])).accepted != p["accepted"]]
    assert len(wrong) / len(pairs) <= 0.05, wrong
    for pair in pairs:
        if pair["category"] in ("but", "defence"):
            assert not judge(str(pair["share"]), str(pair["reflection"])).accepted, pair


def test_couple_pairs_cover_every_category() -> None:
    categories = {p["category"] for p in _pairs()}
    assert {"full", "partial", "check", "but", "defence", "advice", "own_story", "question",
            "off_topic", "content_only", "asr"} <= categories


def test_verdict_shape_and_consistency() -> None:
    good = judge(SHARE, "What I heard is you felt really alone when I went quiet on my phone.")
    assert isinstance(good, Verdict) and good.accepted and good.kind is Kind.ACCEPTED
    assert good.coaching is None and 0.5 <= good.score <= 1.0
    assert good.feelings == ("alone",) and good.carried == ("alone",)
    with pytest.raises(dataclasses.FrozenInstanceError):
        good.accepted = False  # type: ignore[misc]
    bad = judge(SHARE, "I hear you, but I had a long day too.")
    assert not bad.accepted and bad.kind is Kind.REBUTTAL
    assert bad.coaching and "alone" in bad.coaching and bad.score < 0.5


@pytest.mark.parametrize(
    ("reflection", "kind"),
    [
        ("But I was exhausted, you know that.", Kind.REBUTTAL),
        ("That's not what happened at all.", Kind.REBUTTAL),
        ("You should just tell me when you want to talk.", Kind.ADVICE),
        ("Why don't you put your phone away too?", Kind.ADVICE),
        ("My brother never listens to me either and I get fed up with him at dinner.", Kind.OWN_STORY),
        ("What did you want to talk about?", Kind.QUESTION),
        ("The match was great yesterday, the team played brilliantly.", Kind.OFF_TOPIC),
        ("You're saying I stayed on my phone after dinner.", Kind.MISSING_FEELINGS),
    ],
)
def test_each_reason_is_named(reflection: str, kind: Kind) -> None:
    verdict = judge(SHARE, reflection)
    assert verdict.kind is kind, verdict
    assert not verdict.accepted and verdict.coaching


def test_missing_feelings_coaching_names_them() -> None:
    verdict = judge("I was so hurt and embarrassed when you laughed at my cooking.",
                    "You're saying I laughed at your cooking.")
    assert verdict.kind is Kind.MISSING_FEELINGS
    assert verdict.coaching is not None and "hurt" in verdict.coaching and "embarrassed" in verdict.coaching


def test_paraphrase_check_and_partial_are_accepted() -> None:
    for reflection in (
        "Sounds like you were lonely last night when I was on my phone.",
        "Did I get that you felt alone and like you didn't matter to me?",
        "You felt alone.",
        "That makes sense. I imagine you felt lonely and unimportant sitting there.",
    ):
        assert judge(SHARE, reflection).accepted, reflection


def test_transcribed_speech_without_punctuation() -> None:
    share = "um so when you uh you went quiet last night i i felt really alone like i did not matter"
    reflection = "uh so what i heard is you you felt really alone when i went quiet last night"
    assert judge(share, reflection).accepted
    # a one-letter recognition slip in a content word still counts
    slip = judge("I was angry when you forgot the groceries", "you were angry that i forgot the grocerys")
    assert slip.accepted
    assert not judge(share, "i hear you but i was so tired last night").accepted


@pytest.mark.parametrize(
    ("share", "reflection", "kind"),
    [
        (SHARE, "", Kind.EMPTY),
        (SHARE, "   ...  ", Kind.EMPTY),
        (SHARE, "Mm-hmm.", Kind.EMPTY),
        (SHARE, "Je pense que tu étais très seule quand je suis resté sur mon téléphone.", Kind.UNCLEAR),
        (SHARE, "Creo que te sentiste muy sola cuando me quedé con el teléfono anoche.", Kind.UNCLEAR),
        (SHARE, "你觉得很孤独", Kind.UNCLEAR),
    ],
)
def test_bad_reflections_give_a_clear_result(share: str, reflection: str, kind: Kind) -> None:
    verdict = judge(share, reflection)
    assert verdict.kind is kind and not verdict.accepted and verdict.coaching


def test_empty_or_foreign_share_still_judges_the_form() -> None:
    assert judge("", "You felt really alone when I went quiet.").accepted
    assert not judge("", "But I was tired.").accepted
    verdict = judge("Je me sentais seule.", "You felt alone.")
    assert verdict.feelings == () and verdict.accepted


def test_very_long_texts_are_cut_not_crashed() -> None:
    long_share = "I felt hurt and tired when you left the dishes for me again. " * 250  # 3,000 words
    verdict = judge(long_share, "You felt hurt and tired when I left the dishes for you. " * 200)
    assert verdict.accepted and "hurt" in verdict.feelings
    assert judge(long_share, "word " * (MAX_WORDS * 2)).accepted is False


@pytest.mark.parametrize(
    "text",
    ["?!?", "12 34 56", "🙂🙂", "a" * 5000, "you " * 3000, "[laughs] [crosstalk]", "I-I-I- you-- —", "\n\t"],
)
def test_odd_text_never_crashes(text: str) -> None:
    for share, reflection in ((text, SHARE), (SHARE, text), (text, text)):
        verdict = judge(share, reflection)
        assert 0.0 <= verdict.score <= 1.0
        assert verdict.accepted == (verdict.coaching is None)


def test_mirrored_i_is_not_an_own_story() -> None:
    share = "When you said nothing at your parents' place I felt alone and angry."
    assert judge(share, "You felt alone and angry when I said nothing at my parents' place.").accepted
    assert not judge(share, "I said nothing because my parents always do that and I hate fighting.").accepted


def test_feelings_found_are_the_sharers_own() -> None:
    verdict = judge("When you were angry and cold I felt scared and small.", "You felt scared and small.")
    assert verdict.feelings == ("scared", "small") and verdict.accepted
    assert judge("You made me feel invisible.", "You felt invisible.").feelings == ("invisible",)


def test_unpunctuated_speech_runs_sentences_together() -> None:
    long_reply = (
        "what i heard is that when i went quiet after dinner you felt really alone and you wanted to tell me "
        "about your day and it felt like you didnt matter to me and i can understand that"
    )
    assert judge(SHARE, long_reply).accepted
    assert judge(SHARE, "you felt alone what can i do to make it better").kind is Kind.ADVICE
    assert judge(SHARE, "You felt alone. I felt alone too.").kind is Kind.REBUTTAL
    assert judge(SHARE, "so then tell me a bit more about that").kind is Kind.QUESTION


def test_a_question_offering_the_feeling_is_a_check_but_a_wrong_guess_misses() -> None:
    assert judge(SHARE, "Are you feeling alone?").accepted
    assert judge(SHARE, "did you feel lonely when i was on my phone").accepted
    wrong = judge(SHARE, "are you angry")
    assert wrong.kind is Kind.MISSING_FEELINGS and wrong.coaching is not None and "alone" in wrong.coaching


def test_a_feeling_with_a_dropped_letter_still_counts_but_real_words_do_not() -> None:
    assert [family for _, _, family in lexicon.find_feelings("you get scard and lonly".split())] == [
        "scared", "lonely"]
    assert lexicon.find_feelings("we had a fight and i tapped the table".split()) == []
