"""What the judge answers: the reason (Kind) and the Verdict."""

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
    """One short, warm invitation when not accepted; None when accepted."""
    kind: Kind
    """The reason."""
    reflects: bool = False
    """Whether the reply reads as a reflection at all (the reflection model, and no rebuttal), before
    the couple's stricter rules (no advice, own story or question; carry the feelings). Accepted
    replies always reflect; AnnoMI is measured on this (scripts/bench_reflection.py)."""
