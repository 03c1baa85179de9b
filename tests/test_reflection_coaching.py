"""Gentle coaching toward "I" language in a share, and the lines after a missed reflection (issue 5)."""

from __future__ import annotations

import pytest

from facilitator.coaching import miss_coaching, share_coaching


@pytest.mark.parametrize(
    "share",
    [
        "You always leave me to do everything.",
        "you never ask how my day was",
        "You're so selfish sometimes.",
        "I feel that you don't care about me anymore.",
        "i feel like you just dont listen",
        "Honestly I felt completely ignored all evening.",
        "You make me so angry when you do that.",
    ],
)
def test_harsh_startup_gets_one_soft_invitation(share: str) -> None:
    line = share_coaching(share)
    assert line is not None
    assert len(line) < 140 and "\n" not in line


@pytest.mark.parametrize(
    "share",
    [
        "I felt really alone last night when you stayed on your phone.",
        "When the dishes piled up I felt tired and frustrated, and I need some help with them.",
        "I felt ignored and so lonely at the party.",
        "",
        "   ",
        "Je me sentais seule.",
    ],
)
def test_softened_startup_needs_no_coaching(share: str) -> None:
    assert share_coaching(share) is None


def test_thought_dressed_as_feeling_is_named_gently() -> None:
    line = share_coaching("I feel like you only care about work")
    assert line is not None and "I felt" in line


def test_faux_feeling_invites_the_feeling_under_it() -> None:
    line = share_coaching("When you cancelled again I felt abandoned.")
    assert line is not None and "abandoned" in line


def test_absolutes_after_a_named_feeling_ask_for_one_moment() -> None:
    line = share_coaching("I feel hurt because you never ask about my day")
    assert line is not None and "moment" in line


def test_miss_coaching_is_specific() -> None:
    assert "alone" in miss_coaching("missing_feelings", ["alone", "hurt"])
    assert "hurt" in miss_coaching("rebuttal", ["hurt"])
    assert "later" in miss_coaching("own_story", [])
    assert "What I heard" in miss_coaching("question", [])
    lines = {miss_coaching(kind, []) for kind in ("rebuttal", "advice", "own_story", "question", "off_topic",
                                                   "empty", "unclear")}
    assert len(lines) == 7


def test_kind_words_are_not_harsh_startup() -> None:
    assert share_coaching("You're so important to me, and I felt scared when we drifted.") is None
    assert share_coaching("You make me feel safe, and last night I felt lonely.") is None


def test_more_harsh_forms_and_their_look_alikes() -> None:
    assert share_coaching("Youre never home") is not None
    assert share_coaching("it felt like you werent listening") is not None
    assert share_coaching("If you ever want to talk, I felt lonely last week.") is None
    line = share_coaching("I feel like I am not important to you")
    assert line is not None and "like you were not important" in line
