"""facilitator.mirror and `facilitator mirror`: the facilitator's own reflection of a share (issue 15)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from facilitator.cli import main
from facilitator.errors import InputError
from facilitator.mirror import MAX_WORDS, feeling_families, mirror, mirror_again, unturned
from facilitator.practice import load_deck
from facilitator.reflection import judge

LATE = "When you came home late last night and didn't call, I felt worried and really hurt."


def test_feelings_and_what_happened_come_back_in_the_second_person() -> None:
    reflection = mirror(LATE)
    assert reflection.feelings == ("worried", "hurt")
    assert "when they came home late last night and didn't call" in reflection.content
    assert "you felt worried and really hurt" in reflection.content
    assert reflection.text.endswith("?")
    assert unturned(reflection) == []
    verdict = judge(LATE, reflection.text)
    assert verdict.accepted and set(verdict.carried) == set(verdict.feelings)


@pytest.mark.parametrize(("share", "said"), [
    ("I'm exhausted and my back hurts", "you're exhausted and your back hurts"),
    ("you never ask me about my day and I feel lonely", "they never ask you about your day"),
    ("I told you I was scared", "you told them you were scared"),
    ("we keep arguing about money and I feel anxious", "you two keep arguing about money"),
    ("I-I've been so stressed since you took that job", "you've been so stressed since they took"),
    ("I know you are busy but I felt ignored", "you know they are busy"),
])
def test_pronouns_are_turned(share: str, said: str) -> None:
    reflection = mirror(share)
    assert said in reflection.content
    assert unturned(reflection) == []


def test_the_partner_name_is_used_where_the_grammar_allows() -> None:
    reflection = mirror("When you were late again and didn't call, I felt hurt.", partner="Sam")
    assert "when Sam was late again" in reflection.content
    assert "Sam never help" not in mirror("You never help and I'm tired", partner="Sam").content


def test_no_feeling_named_reflects_what_happened_and_adds_no_feeling() -> None:
    share = "You took the car to work again and I had to get the bus to the dentist."
    reflection = mirror(share)
    assert reflection.feelings == ()
    assert feeling_families(reflection.content) == []
    assert "they took the car to work again" in reflection.content


def test_a_very_long_share_is_cut_to_forty_words_and_keeps_its_feelings() -> None:
    share = ("I got home after a really long shift and the kitchen was a mess again, and the bins were "
             "still full, and nobody had walked the dog, and I stood there for a minute, and then I just "
             "started doing it all myself because what else was I going to do. " * 6
             + "I felt exhausted and honestly a bit invisible, and I'm scared it will always be like this.")
    reflection = mirror(share)
    assert len(reflection.text.split()) <= MAX_WORDS
    assert set(reflection.feelings) >= {"exhausted", "invisible", "scared"}
    for feeling in ("exhausted", "invisible", "scared"):
        assert feeling in reflection.content


def test_a_sentence_said_twice_is_reflected_once() -> None:
    reflection = mirror("I felt alone at the party. I felt alone at the party.")
    assert reflection.content.count("alone") == 1


@pytest.mark.parametrize("share", ["", "   ", "um, uh", "[inaudible]"])
def test_an_empty_share_is_a_clear_error(share: str) -> None:
    with pytest.raises(InputError, match="nothing to reflect"):
        mirror(share)


@pytest.mark.parametrize("share", [
    "Je me suis senti très seul quand tu es rentré tard sans appeler",
    "Ich war sehr traurig, als du nicht angerufen hast und so spät kamst",
    "我很难过，你没有打电话",
])
def test_another_language_is_a_clear_error(share: str) -> None:
    with pytest.raises(InputError, match="English"):
        mirror(share)


def test_never_adds_a_feeling_on_the_practice_deck() -> None:
    for practice in load_deck():
        reflection = mirror(practice.text)
        assert set(feeling_families(reflection.content)) <= set(feeling_families(practice.text)), practice
        assert len(reflection.text.split()) <= MAX_WORDS
        assert judge(practice.text, reflection.text).accepted, practice.text


def test_reflecting_again_carries_what_was_missed_and_the_first_feelings() -> None:
    again = mirror_again(LATE, "I was also scared something had happened to you")
    assert "you were also scared something had happened to them" in again.content
    assert "hurt" in again.content
    assert unturned(again) == []


def test_the_command_prints_the_reflection_and_json() -> None:
    runner = CliRunner()
    plain = runner.invoke(main, ["mirror", LATE])
    assert plain.exit_code == 0
    assert plain.output.strip() == mirror(LATE).text
    as_json = runner.invoke(main, ["mirror", "--json", LATE])
    assert json.loads(as_json.output) == {"reflection": mirror(LATE).text, "feelings": ["worried", "hurt"]}


@pytest.mark.parametrize(("share", "says"), [
    ("", "nothing to reflect"), ("Je suis très triste ce soir", "English"),
])
def test_the_command_refuses_in_one_line(share: str, says: str) -> None:
    result = CliRunner().invoke(main, ["mirror", share])
    assert result.exit_code == 1
    assert says in result.output
    assert "Traceback" not in result.output
