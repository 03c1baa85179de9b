"""What the judge answers: the outcome, the action it asks for, the reason (Kind) and the Verdict."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Kind(StrEnum):
    """Why a reflection was accepted or not."""

    ACCEPTED = "accepted"
    EMPTY = "empty"
    UNCLEAR = "unclear"
    REBUTTAL = "rebuttal"
    ADVICE = "advice"
    OWN_STORY = "own_story"
    QUESTION = "question"
    OFF_TOPIC = "off_topic"
    MISSING_FEELINGS = "missing_feelings"
    OWN_SIDE = "own_side"
    """The reply turns to the listener's own reasons, complaints or analysis (the meaning model's find)."""


class Outcome(StrEnum):
    """The three outcomes of issue 14."""

    REFLECTION = "reflection"
    """It reflects: ask the sharer whether it felt right."""
    UNSURE = "unsure"
    """Not sure either way: ask the sharer, without coaching."""
    MISS = "miss"
    """A clear miss: coach, with one short specific invitation."""


class Action(StrEnum):
    """What the session does with a verdict."""

    COACH = "coach"
    ASK_SHARER = "ask_sharer"


@dataclass(frozen=True)
class Verdict:
    """The judge's answer for one share and one reflection."""

    accepted: bool
    """True when the reply reflects the share well enough to move on."""
    score: float
    """How much it reads as a reflection of this share (0-1); accepted replies score 0.5 or more."""
    feelings: tuple[str, ...]
    """Feeling words found in the share, as the sharer said them (one per feeling family)."""
    carried: tuple[str, ...]
    """Those of ``feelings`` that the reflection carried (the same word, a synonym or a close feeling)."""
    coaching: str | None
    """One short, warm invitation for a clear miss; None otherwise (accepted, or unsure)."""
    kind: Kind
    """The reason."""
    reflects: bool = False
    """Whether the reply reads as a reflection at all (the reflection model, and no rebuttal), before
    the couple's stricter rules (no advice, own story or question; carry the feelings). Accepted
    replies always reflect; AnnoMI is measured on this (scripts/bench_reflection.py)."""
    outcome: Outcome = Outcome.MISS
    """Reflection, unsure or a clear miss (``accepted`` is True only for a reflection)."""
    miss_probability: float | None = None
    """The meaning model's probability that the reply is a clear miss; None when it was not consulted
    (empty or unreadable text, or the sentence model is not installed)."""

    @property
    def action(self) -> Action:
        """Coach only a clear miss; otherwise ask the sharer whether it felt right."""
        return Action.COACH if self.outcome == Outcome.MISS else Action.ASK_SHARER
