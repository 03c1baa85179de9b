"""The end-of-session summary: time, talk shares, reminders, reflections, breaks; no words said."""

from __future__ import annotations

from dataclasses import dataclass, field

from facilitator.state import SessionState

_OUTCOME_WORDS = {
    "complete": "complete: you both felt complete",
    "not_yet": "not started: one of you said not yet",
    "break": "paused for a break",
    "stopped": "stopped before the end",
    None: "not finished (it can be resumed with `facilitator session --resume`)",
}


@dataclass(frozen=True)
class Summary:
    """Figures of one session, from its saved state."""

    duration_s: float
    names: tuple[str, ...]
    talk_s: dict[str, float] = field(default_factory=dict)
    """Seconds of attributed speech per person."""
    reminders: dict[str, int] = field(default_factory=dict)
    reflections_first_time: int = 0
    reflections_after_retries: int = 0
    reflections_not_landed: int = 0
    reflections_coached: int = 0
    breaks: int = 0
    rounds: int = 1
    outcome: str | None = None
    return_at: str | None = None
    transcript_path: str | None = None

    def talk_share(self, name: str) -> float:
        """``name``'s share of the attributed talk time (0-1; 0 when nobody was heard)."""
        total = sum(self.talk_s.values())
        return self.talk_s.get(name, 0.0) / total if total > 0 else 0.0


def summarize(state: SessionState) -> Summary:
    """The summary of a session state."""
    return Summary(
        duration_s=state.elapsed_s,
        names=state.names,
        talk_s=dict(state.talk_s),
        reminders=dict(state.reminders),
        reflections_first_time=state.reflections_first_time,
        reflections_after_retries=state.reflections_after_retries,
        reflections_not_landed=state.reflections_not_landed,
        reflections_coached=state.reflections_coached,
        breaks=state.breaks,
        rounds=state.round,
        outcome=state.outcome,
        return_at=state.return_at,
        transcript_path=state.transcript_path,
    )


def format_summary(summary: Summary) -> str:
    """The summary as a few plain lines for the terminal."""
    minutes, seconds = divmod(round(summary.duration_s), 60)
    lines = [
        "Session summary",
        f"  Outcome: {_OUTCOME_WORDS.get(summary.outcome, summary.outcome)}",
        f"  Duration: {minutes} min {seconds:02d} s, {summary.rounds} round(s)",
    ]
    if summary.names:
        talk = ", ".join(
            f"{n} {summary.talk_share(n):.0%} ({summary.talk_s.get(n, 0.0):.0f} s)" for n in summary.names
        )
        lines.append(f"  Share of talk time: {talk}")
        reminders = ", ".join(f"{n} {summary.reminders.get(n, 0)}" for n in summary.names)
        lines.append(f"  One-at-a-time reminders: {reminders}")
    lines.append(
        "  Reflections: "
        f"{summary.reflections_coached} coached, "
        f"{summary.reflections_first_time} confirmed first time, "
        f"{summary.reflections_after_retries} confirmed after another try, "
        f"{summary.reflections_not_landed} moved on from"
    )
    lines.append(f"  Breathing breaks: {summary.breaks}")
    if summary.return_at:
        lines.append(f"  Agreed to come back: {summary.return_at}")
    if summary.transcript_path:
        lines.append(f"  Transcript kept at: {summary.transcript_path}")
    else:
        lines.append("  No words were kept.")
    return "\n".join(lines)
