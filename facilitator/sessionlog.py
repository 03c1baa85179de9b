"""The session's event log: what happened, in order, as frozen dataclasses (and JSON lines).

The demo and the end-to-end audio test assert against it; the summary is computed from the
session state, not from this log. Times: ``t_s`` is seconds on the session's Clock since the
session (or this resumed part of it) started; ``start_s``/``end_s`` of an utterance are the
listener's stream times. Words of what people said appear only when the transcript is kept
(``text`` is None otherwise); the facilitator's own prompts are always logged with their text.

JSON-lines format: one object per event, ``{"type": "<event type>", "t_s": ..., <fields>}``,
where the type is one of: step, prompt, heard, turn, reminder, reflection, command, break,
device, completed. The fields are those of the dataclass of that type below.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from facilitator.paths import write_private


@dataclass(frozen=True)
class StepEntered:
    """The session entered a step (``step`` is a Step value: "consent", "share", ...)."""

    t_s: float
    step: str
    round: int
    sharer: str | None = None
    listener: str | None = None


@dataclass(frozen=True)
class PromptSpoken:
    """The facilitator said a script line, logged when ``Speaker.say`` returns.

    ``prompt_id`` is "step.key"; "share.coaching" and "reflect.coaching" carry the coach's and the
    judge's words rather than a script line.
    """

    t_s: float
    prompt_id: str
    text: str
    started_s: float = 0.0
    """When the say started (session clock, s)."""


@dataclass(frozen=True)
class UtteranceHeard:
    """An utterance the session received (``speaker`` None when unsure)."""

    t_s: float
    speaker: str | None
    start_s: float
    end_s: float
    words: int
    text: str | None = None
    """The words, only when the transcript is kept."""


@dataclass(frozen=True)
class TurnDecided:
    """How the one-at-a-time policy read speech during someone else's floor."""

    t_s: float
    holder: str
    speaker: str | None
    overlap: str
    """An Overlap value: "holder", "continuer", "interruption", "unsure"."""
    start_s: float
    end_s: float


@dataclass(frozen=True)
class ReminderGiven:
    """A gentle one-at-a-time reminder to ``to`` while ``holder`` had the floor."""

    t_s: float
    to: str
    holder: str


@dataclass(frozen=True)
class ReflectionJudged:
    """The judge's verdict on one reflection attempt."""

    t_s: float
    listener: str
    attempt: int
    """1 for the first try of this mirroring, 2 after one invitation, ..."""
    accepted: bool
    score: float
    kind: str


@dataclass(frozen=True)
class CommandHeard:
    """A voice command ("pause", "resume", "repeat", "slower", "break", "stop")."""

    t_s: float
    command: str
    speaker: str | None


@dataclass(frozen=True)
class BreakTaken:
    """A break: "breathing" (a breathing break mid-session) or "later" (stop and come back)."""

    t_s: float
    kind: str
    minutes: float
    return_at: str | None = None


@dataclass(frozen=True)
class DeviceEvent:
    """The microphone was lost ("lost"), came back ("back") or did not ("gave_up")."""

    t_s: float
    what: str
    message: str


@dataclass(frozen=True)
class Completed:
    """The session ended; ``outcome`` is an Outcome kind value ("complete", "not_yet", ...)."""

    t_s: float
    outcome: str
    step: str


Event = (
    StepEntered | PromptSpoken | UtteranceHeard | TurnDecided | ReminderGiven | ReflectionJudged
    | CommandHeard | BreakTaken | DeviceEvent | Completed
)

EVENT_TYPES: dict[type, str] = {
    StepEntered: "step", PromptSpoken: "prompt", UtteranceHeard: "heard", TurnDecided: "turn",
    ReminderGiven: "reminder", ReflectionJudged: "reflection", CommandHeard: "command",
    BreakTaken: "break", DeviceEvent: "device", Completed: "completed",
}


class SessionLog:
    """An append-only list of events, with JSON-lines output."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._subscribers: list[Callable[[Event], None]] = []

    def append(self, event: Event) -> None:
        """Add an event, and hand it to each subscriber (which must return at once)."""
        self.events.append(event)
        for subscriber in self._subscribers:
            subscriber(event)

    def subscribe(self, subscriber: Callable[[Event], None]) -> None:
        """Call ``subscriber(event)`` on each event appended from now on (e.g. the live view)."""
        self._subscribers.append(subscriber)

    def of_type(self, cls: type) -> list[Event]:
        """The events of one dataclass type, in order."""
        return [e for e in self.events if isinstance(e, cls)]

    def prompt_ids(self) -> list[str]:
        """The prompt ids spoken, in order."""
        return [e.prompt_id for e in self.events if isinstance(e, PromptSpoken)]

    def to_jsonl(self) -> str:
        """One JSON object per line: ``{"type": ..., <fields>}``."""
        return "".join(
            json.dumps({"type": EVENT_TYPES[type(e)], **dataclasses.asdict(e)}) + "\n" for e in self.events
        )

    def write_jsonl(self, path: Path) -> None:
        """Write the log as JSON lines, file mode 0600 (it may hold words when the transcript is kept)."""
        write_private(path, self.to_jsonl().encode("utf-8"))
