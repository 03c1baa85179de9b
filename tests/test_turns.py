"""The pure turn policy: continuers vs interruptions, hand-offs, answers, names, commands."""

from __future__ import annotations

import pytest

from facilitator.events import Attribution, Heard
from facilitator.turns import (
    Answer,
    Choice,
    Command,
    Floor,
    Overlap,
    Pick,
    TurnRules,
    classify,
    is_continuer,
    is_handoff,
    parse_answer,
    parse_command,
    parse_first,
    parse_name,
    parse_round_or_break,
)

RULES = TurnRules(min_words=3, min_s=0.7, min_windows=2)


def heard(text: str, speaker: str | None, seconds: float = 1.5,
          windows: tuple[tuple[str | None, float], ...] = ()) -> Heard:
    spans, t = [], 0.0
    for who, length in windows:
        spans.append(Attribution(t, t + length, who, 0.2))
        t += length
    return Heard(0.0, seconds, text, speaker, 0.2 if speaker else 0.0, tuple(spans))


@pytest.mark.parametrize("text", ["Mm-hm.", "yeah", "Okay.", "Right, right.", "I see.", "Yeah, yeah, okay.",
                                  "(laughs)", "Wow.", "Hmm"])
def test_continuers_from_the_listener_never_interrupt(text: str) -> None:
    assert is_continuer(text)
    assert classify(heard(text, "Jo", 1.2), "Alex", "Jo", RULES) is Overlap.CONTINUER


def test_a_single_word_is_a_continuer_even_when_long() -> None:
    assert classify(heard("Seriously?", "Jo", 1.4), "Alex", "Jo", RULES) is Overlap.CONTINUER


def test_competitive_listener_speech_is_an_interruption_only_when_attributed() -> None:
    assert classify(heard("But that is not true.", "Jo"), "Alex", "Jo", RULES) is Overlap.INTERRUPTION
    assert classify(heard("But that is not true.", None), "Alex", "Jo", RULES) is Overlap.UNSURE
    # Both are needed (issue 18's truth): 3 words or more AND longer than 0.7 s.
    assert classify(heard("But no", "Jo", 1.4), "Alex", "Jo", RULES) is Overlap.CONTINUER  # 2 words
    assert classify(heard("But you never", "Jo", 0.6), "Alex", "Jo", RULES) is Overlap.CONTINUER  # short
    assert classify(heard("But you never", "Jo", 0.9), "Alex", "Jo", RULES) is Overlap.INTERRUPTION
    assert classify(heard("I felt small.", "Alex"), "Alex", "Jo", RULES) is Overlap.HOLDER


def test_mixed_utterance_needs_enough_confident_windows_of_the_other_voice() -> None:
    one = heard("long share", "Alex", 4.5, ((("Alex"), 1.5), ("Jo", 1.5), ("Alex", 1.5)))
    two = heard("long share", "Alex", 4.5, (("Alex", 1.5), ("Jo", 1.5), ("Jo", 1.5)))
    unsure = heard("long share", "Alex", 4.5, (("Alex", 1.5), (None, 1.5), (None, 1.5)))
    assert classify(one, "Alex", "Jo", RULES) is Overlap.UNSURE
    assert classify(two, "Alex", "Jo", RULES) is Overlap.INTERRUPTION
    assert classify(unsure, "Alex", "Jo", RULES) is Overlap.HOLDER


def test_floor_reminds_once_then_again_only_if_it_goes_on() -> None:
    floor = Floor("Alex", "Jo", RULES)
    over = heard("That is not what happened.", "Jo")
    assert floor.decide(heard("mm-hm", "Jo")).remind is False
    assert floor.decide(over).remind is True
    assert floor.decide(over).remind is False  # once more: not repeated yet
    assert floor.decide(heard("I felt alone.", "Alex")).remind is False
    assert floor.decide(over).remind is True  # it goes on
    assert floor.reminders == 2
    assert Floor("Alex", "Jo", RULES).decide(heard("That is not what happened.", None)).remind is False


@pytest.mark.parametrize(("text", "expected"), [
    ("That's it.", True), ("I'm done.", True), ("No, that's all.", True), ("That’s all for now.", True),
    ("I think that's it.", True), ("I'm done, thanks.", True),
    ("That's it, you never listen to me.", False), ("I'm done with being ignored, and I", False),
    ("", False), ("I felt hurt.", False),
])
def test_handoff(text: str, expected: bool) -> None:
    assert is_handoff(text) is expected


@pytest.mark.parametrize(("text", "expected"), [
    ("Yes.", Answer.YES), ("Yeah, I'm ready.", Answer.YES), ("Sure.", Answer.YES), ("I do.", Answer.YES),
    ("Not yet.", Answer.NOT_YET), ("Not right now.", Answer.NOT_YET), ("Maybe later.", Answer.NOT_YET),
    ("Not quite.", Answer.NOT_YET), ("No.", Answer.NO), ("Nope.", Answer.NO), ("No, that's all.", Answer.NO),
    ("I'm not.", Answer.NO), ("I don't know.", Answer.UNCLEAR), ("Hmm, the weather.", Answer.UNCLEAR),
    ("", Answer.UNCLEAR), ("I'd rather not.", Answer.NO), ("Yes, you got it.", Answer.YES),
    ("No, that's everything.", Answer.NO), ("Yes. I missed you, and I want to talk.", Answer.YES),
])
def test_answers(text: str, expected: Answer) -> None:
    assert parse_answer(text) is expected


def test_a_partial_yes_is_not_yet_only_for_did_that_feel_right() -> None:
    partial = "Mostly, but you missed the part about work."
    assert parse_answer(partial, partly_is_not_yet=True) is Answer.NOT_YET
    assert parse_answer("Sort of.", partly_is_not_yet=True) is Answer.NOT_YET
    assert parse_answer("Yes, exactly.", partly_is_not_yet=True) is Answer.YES
    assert parse_answer("Sort of.") is Answer.UNCLEAR


def test_thats_it_means_they_got_it_only_for_did_that_feel_right() -> None:
    assert parse_answer("Yes, that's it.", partly_is_not_yet=True) is Answer.YES
    assert parse_answer("That's it, you got it.", partly_is_not_yet=True) is Answer.YES
    assert parse_answer("No, that's not it.", partly_is_not_yet=True) is Answer.NO
    assert parse_answer("No, that's it.") is Answer.NO  # "is there more?" -> no more


NAMES = ("Alex", "Jo")


@pytest.mark.parametrize(("text", "speaker", "pick", "name"), [
    ("Me.", "Alex", Pick.PERSON, "Alex"), ("I will.", "Jo", Pick.PERSON, "Jo"),
    ("I'll go first.", "Jo", Pick.PERSON, "Jo"), ("Me.", None, Pick.UNCLEAR, None),
    ("Jo should go first.", "Alex", Pick.PERSON, "Jo"), ("alex", None, Pick.PERSON, "Alex"),
    ("You go first.", "Alex", Pick.PERSON, "Jo"), ("Both of us.", "Alex", Pick.BOTH, None),
    ("Either of us.", None, Pick.BOTH, None), ("Alex or Jo, I don't mind.", None, Pick.BOTH, None),
    ("Neither.", None, Pick.NEITHER, None), ("I don't know.", "Jo", Pick.NEITHER, None),
    ("Hmm.", None, Pick.UNCLEAR, None),
])
def test_who_goes_first(text: str, speaker: str | None, pick: Pick, name: str | None) -> None:
    choice = parse_first(text, speaker, NAMES)
    assert (choice.pick, choice.name) == (pick, name)


@pytest.mark.parametrize(("text", "name"), [
    ("My name is Alex and it's been a long day.", "Alex"), ("I'm Jo. Work was hard.", "Jo"),
    ("Sam here.", "Sam"), ("Alex.", "Alex"), ("Hi, this is Robin.", "Robin"), ("call me kit", "Kit"),
    ("Uh, Sam.", "Sam"), ("Hi. Robin.", "Robin"),
    ("I'm tired today.", None), ("Hello.", None), ("", None),
])
def test_names(text: str, name: str | None) -> None:
    assert parse_name(text) == name


@pytest.mark.parametrize(("text", "command"), [
    ("Pause.", Command.PAUSE), ("Can we pause?", Command.PAUSE), ("Resume.", Command.RESUME),
    ("Okay, continue.", Command.RESUME), ("Repeat that.", Command.REPEAT),
    ("Could you say that again?", Command.REPEAT),
    ("Slower, please.", Command.SLOWER), ("Slow down.", Command.SLOWER), ("I need a break.", Command.BREAK),
    ("Can we take a break?", Command.BREAK), ("Stop.", Command.STOP), ("End the session.", Command.STOP),
    ("I wanted you to stop doing that.", None), ("I need a break from all this tension.", None),
    ("Please don't pause on me when I talk.", None), ("", None),
])
def test_commands_only_when_the_whole_utterance_is_one(text: str, command: Command | None) -> None:
    assert parse_command(text) is command


def test_round_or_break() -> None:
    assert parse_round_or_break("Another round, please.") is Choice.ROUND
    assert parse_round_or_break("Let's keep going.") is Choice.ROUND
    assert parse_round_or_break("A break, I think.") is Choice.BREAK
    assert parse_round_or_break("Let's come back to it tomorrow.") is Choice.BREAK
    assert parse_round_or_break("Hmm.") is Choice.UNCLEAR
