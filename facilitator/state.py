"""Resume: the session's state (step, round, roles, names, counters) saved locally as versioned JSON."""

from __future__ import annotations

import dataclasses
import enum
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from facilitator.errors import StateError
from facilitator.paths import data_dir, write_private

STATE_VERSION = 1
"""Bumped whenever the saved fields change meaning; an older file is refused, never guessed at."""

STATE_FILE = "session.json"


class Step(enum.Enum):
    """The session's steps in the order they run (DOMAIN.md numbers in the comments)."""

    WELCOME = "welcome"
    NAMES = "names"
    CONSENT = "consent"  # 3: asked before the breathing
    REGULATE = "regulate"  # 1
    INTENT = "intent"  # 2
    FIRST = "first"  # 4
    SHARE = "share"  # 5
    REFLECT = "reflect"  # 6
    ACKNOWLEDGE = "acknowledge"  # 7
    REASSURE = "reassure"  # 8
    RECONNECT = "reconnect"  # 9
    DONE = "done"


@dataclass(frozen=True)
class SessionState:
    """Everything needed to continue a session at the same step, and to summarise it.

    No words of what was said: only names, roles, counts and seconds.
    """

    step: Step = Step.WELCOME
    round: int = 1
    """1 for the first round of sharing; another round after "not complete" adds one."""
    turn: int = 0
    """0 while the first sharer shares (steps 5-8), 1 after the roles switched."""
    names: tuple[str, ...] = ()
    """The two people's names, in the order they introduced themselves (empty before step "names")."""
    first: str | None = None
    """Who shares first in this round."""
    return_at: str | None = None
    """A time to come back, as the couple said it ("tomorrow at seven"), after "not yet" or a break."""
    outcome: str | None = None
    """None while going on; else an Outcome kind value ("complete", "not_yet", "break", "stopped")."""
    elapsed_s: float = 0.0
    """Session time so far, over all its parts (s)."""
    talk_s: dict[str, float] = field(default_factory=dict)
    """Seconds of attributed speech per person."""
    reminders: dict[str, int] = field(default_factory=dict)
    """One-at-a-time reminders given, per person reminded."""
    reflections_first_time: int = 0
    """Mirrorings the sharer confirmed at the first try (no coaching, no "not quite" before)."""
    reflections_after_retries: int = 0
    """Mirrorings the sharer confirmed after another try (after coaching or a "not quite")."""
    reflections_coached: int = 0
    """Replies the judge coached as clear misses (each coaching counted)."""
    reflections_not_landed: int = 0
    """Mirrorings where the retries ran out and the session moved on kindly."""
    breaks: int = 0
    """Breathing breaks asked for mid-session."""
    transcript_path: str | None = None
    """The kept transcript (only with --keep-transcript)."""
    version: int = STATE_VERSION

    @property
    def sharer(self) -> str | None:
        """Who shares in the current turn."""
        if len(self.names) != 2 or self.first is None:
            return None
        other = self.names[1] if self.first == self.names[0] else self.names[0]
        return self.first if self.turn == 0 else other

    @property
    def listener(self) -> str | None:
        """Who listens in the current turn."""
        sharer = self.sharer
        if sharer is None:
            return None
        return self.names[1] if sharer == self.names[0] else self.names[0]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        raw = dataclasses.asdict(self)
        raw["step"] = self.step.value
        raw["names"] = list(self.names)
        return raw

    @classmethod
    def from_json(cls, raw: Any, where: str) -> SessionState:
        """Rebuild from ``to_json`` output; StateError names the file when it does not fit."""
        if not isinstance(raw, dict):
            raise StateError(
                f"The saved session {where} is damaged (not an object); move it aside to start fresh."
            )
        version = raw.get("version")
        if version != STATE_VERSION:
            raise StateError(
                f"The saved session {where} is from another version of facilitator (format {version}, "
                f"this one reads {STATE_VERSION}); start a new session with `facilitator session` "
                "(the old file is left as it was)."
            )
        try:
            names = tuple(str(n) for n in raw["names"])
            values = dict(raw)
            values["step"] = Step(raw["step"])
            values["names"] = names
            values["talk_s"] = {str(k): float(v) for k, v in raw["talk_s"].items()}
            values["reminders"] = {str(k): int(v) for k, v in raw["reminders"].items()}
            known = {f.name for f in dataclasses.fields(cls)}
            unknown = set(values) - known - {"saved_at"}
            if unknown or len(names) not in (0, 2):
                raise ValueError(f"unexpected fields {sorted(unknown)}" if unknown else "needs two names")
            values.pop("saved_at", None)
            return cls(**values)
        except (KeyError, ValueError, TypeError, AttributeError) as exc:
            raise StateError(
                f"The saved session {where} is damaged ({exc}); move it aside to start fresh."
            ) from exc


class StateStore:
    """The saved session file (default: ``session.json`` in the user data folder), written 0600."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path if path is not None else data_dir() / STATE_FILE

    def save(self, state: SessionState) -> None:
        """Write ``state`` atomically."""
        raw = state.to_json()
        raw["saved_at"] = datetime.now(UTC).isoformat(timespec="seconds")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        write_private(self.path, (json.dumps(raw, indent=1) + "\n").encode("utf-8"))

    def load(self) -> SessionState | None:
        """The saved state, or None when there is none.

        Raises:
            StateError: the file is unreadable, damaged, or from another version (it is left untouched).
        """
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise StateError(f"Cannot read the saved session {self.path} ({exc}); check the file.") from exc
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StateError(
                f"The saved session {self.path} is damaged ({exc.msg}); move it aside to start fresh."
            ) from exc
        return SessionState.from_json(raw, str(self.path))

    def saved_at(self) -> str | None:
        """When the file was last saved (ISO time), if readable."""
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        value = raw.get("saved_at") if isinstance(raw, dict) else None
        return value if isinstance(value, str) else None

    def set_aside(self) -> Path | None:
        """Keep an unfinished earlier session as ``session.previous.json`` before a new one starts."""
        if not self.path.exists():
            return None
        target = self.path.with_name(self.path.stem + ".previous.json")
        self.path.replace(target)
        return target
