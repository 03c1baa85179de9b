"""The reflect-back judge (issue 5): couple pairs, bad input, transcribed speech, the API shape."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from facilitator import lexicon, reflection_model
from facilitator.reflection import MAX_WORDS, Kind, Verdict, judge, judge_with


def rules(share: str, reply: str) -> Verdict:
    """The rules' verdict alone (their reasons and coaching), before the meaning check of issue 14."""
    return judge_with(reflection_model.load(), share, reply)

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
    verdict = rules(SHARE, reflection)
    assert verdict.kind is kind, verdict
    assert not verdict.accepted and verdict.coaching


def test_missing_feelings_coaching_names_them() -> None:
    verdict = rules("I was so hurt and embarrassed when you laughed at my cooking.",
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
    assert judge("", "the weather is nice").kind is Kind.OFF_TOPIC  # no sign of reflecting at all
    assert not judge("", "x").accepted
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
        assert (verdict.coaching is not None) == (verdict.action == "coach")
        assert not (verdict.accepted and verdict.coaching)


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
    wrong = rules(SHARE, "are you angry")
    assert wrong.kind is Kind.MISSING_FEELINGS and wrong.coaching is not None and "alone" in wrong.coaching


def test_a_feeling_with_a_dropped_letter_still_counts_but_real_words_do_not() -> None:
    assert [family for _, _, family in lexicon.find_feelings("you get scard and lonly".split())] == [
        "scared", "lonely"]
    assert lexicon.find_feelings("we had a fight and i tapped the table".split()) == []


def test_a_defence_the_sharer_reported_is_said_back_not_made() -> None:
    share = "I felt lonely all weekend when you were working. I know you were tired, but I still missed you."
    mirrored = "You felt lonely all weekend while I was working, and you said you understood I was tired."
    assert judge(share, mirrored).accepted
    assert judge(share, "Well, I was tired.").kind is Kind.REBUTTAL
    assert judge(share, "You felt lonely, and honestly I was drowning at work.").kind is Kind.REBUTTAL
    quoted = "When I told you that you were overreacting, you felt dismissed and alone."
    assert judge("You said I was overreacting and I felt dismissed and alone.", quoted).accepted


def test_because_i_explains_their_feeling_or_excuses_mine() -> None:
    share = "I felt so lonely on our anniversary, you were at work till ten and didn't even text."
    assert judge(share, "you felt so lonely on our anniversary because I was at work till ten").accepted
    assert judge(share, "I didn't text because I was in meetings all night").kind is Kind.REBUTTAL


def test_the_listeners_own_feelings_and_own_side_come_later() -> None:
    share = "I feel lonely all week when you're glued to your laptop."
    own = judge(share, "well i feel lonely all week when you are out with your friends")
    assert own.kind is Kind.OWN_STORY
    assert judge(share, "I feel the same way when you go quiet").kind is Kind.OWN_STORY
    assert judge(share, "You feel lonely. The thing is I had three deadlines this week.").kind in (
        Kind.OWN_STORY, Kind.REBUTTAL)
    # a feeling the sharer put on the listener is still the sharer's account
    assert judge("I felt scared because it seemed like you were angry with me.",
                 "You felt scared because it seemed like I was angry with you.").accepted


def test_promises_and_counter_complaints_are_not_reflections() -> None:
    share = "I felt forgotten when nobody came by on my birthday."
    promise = "you felt forgotten when none of us came by. I'll make it up to you, we'll go out on sunday"
    assert judge(share, promise).kind is Kind.ADVICE
    counter = "you felt ignored, well you ignore me all the time at your sister's"
    assert judge("I felt ignored all evening at the party.", counter).kind is Kind.REBUTTAL


def test_clauses_and_checks_without_question_marks() -> None:
    share = "When dad was yelling at me at Christmas you stood there with him and I felt betrayed and alone."
    clause = "um when dad was yelling at you at christmas and I stood with him you felt betrayed and alone"
    assert judge(share, clause).accepted
    assert judge(share, "can I check, you felt betrayed and alone when I backed dad, is that it").accepted
    assert judge(share, "who told you that").kind is Kind.QUESTION


def test_a_long_feeling_word_misheard_still_comes_back() -> None:
    share = "I was really disappointed when you cancelled the concert at the last minute."
    assert judge(share, "you were really this appointed when i cancelled the concert").accepted
    assert lexicon.edits("thisappointed", "disappointed", 2) == 2
    assert lexicon.edits("lonely", "angry", 2) == 3


def test_a_reply_that_ends_on_the_listeners_side_is_not_a_reflection() -> None:
    share = "I sat alone at the appointment waiting for you. You promised you would come."
    excuse = ("You felt alone at the appointment when I was not there. "
              "My boss would not let me leave, so there was not much I could do.")
    assert not judge(share, excuse).accepted
    mirrored = "You felt alone at the appointment. You were waiting for me and I promised I would come."
    assert judge(share, mirrored).accepted
    assert judge(share, "You felt alone waiting there for me. I should not have let you down.").accepted


def test_turns_to_the_listeners_side_and_minimising_are_not_reflections() -> None:
    share = "I felt small and unheard when you talked over me at dinner."
    for turn in ("you felt small and unheard. still, you talked over me first",
                 "you felt small and unheard, that makes sense. having said that, it was only banter",
                 "you felt small and unheard. it was hardly a big deal though",
                 "you felt small and unheard, but you were shouting though, so what was i supposed to say"):
        assert not judge(share, turn).accepted, turn


def test_checks_at_the_end_and_feelings_said_in_other_words() -> None:
    share = "When you passed my jacket on to your cousin without asking, I felt disrespected and used."
    reply = "you felt like I didn't respect you, like you'd been taken advantage of. have I got that right?"
    assert judge(share, reply).accepted
    assert judge("Biscuit died while I was away and I never got to say goodbye. I'm devastated.",
                 "Biscuit died while you were away, you never got your goodbye. You're devastated.").accepted


def test_a_short_share_still_needs_its_feelings_back() -> None:
    assert judge("I felt alone", "the weather is nice").kind is Kind.MISSING_FEELINGS
    assert not judge("I was hurt", "blah blah").accepted
    assert judge("I felt alone", "you felt alone").accepted
    assert judge("I felt alone", "that must have been lonely").accepted
