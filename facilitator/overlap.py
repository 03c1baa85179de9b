"""One speaker at a time on a recording: the session's own overlap decision, utterance by utterance.

The session and ``facilitator identify`` both build a ``Floor`` from ``turn_rules`` (the
``[session]`` thresholds) and hand it each utterance as a ``Heard``; nothing here is a second
copy of the policy (that is ``turns.classify``). Pure: no device or model library.
"""

from __future__ import annotations

from dataclasses import dataclass

from facilitator.config import SessionConfig
from facilitator.events import Heard
from facilitator.turns import Floor, FloorDecision, Overlap, TurnRules


def turn_rules(cfg: SessionConfig) -> TurnRules:
    """The one-speaker-at-a-time thresholds from the ``[session]`` settings."""
    return TurnRules(
        min_words=cfg.interruption_min_words,
        min_s=cfg.interruption_min_s,
        min_windows=cfg.interruption_min_windows,
        lean=cfg.interruption_lean_margin,
    )


@dataclass(frozen=True)
class OverlapReport:
    """What the session would have made of one utterance."""

    overlap: str | None
    """None (the floor holder's own words), "continuer", "interruption" or "unsure"."""
    by: str | None
    """Who talked over (or said "mm-hm"), or None."""
    reminder: bool
    """Whether the session would have given the one-at-a-time reminder here."""


def report(decision: FloorDecision, floor: Floor) -> OverlapReport:
    """The decision as ``identify`` shows it."""
    if decision.overlap is Overlap.HOLDER:
        return OverlapReport(None, None, False)
    by = floor.other if decision.overlap in (Overlap.CONTINUER, Overlap.INTERRUPTION) else None
    return OverlapReport(decision.overlap.value, by, decision.remind)


def review(floor: Floor, heard: Heard) -> OverlapReport:
    """Decide ``heard`` on ``floor`` (the session's ``Floor.decide``) and report it."""
    return report(floor.decide(heard), floor)
