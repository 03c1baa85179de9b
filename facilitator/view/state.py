"""What the live view shows, as one JSON-able dict built from the session's events (pure).

``ViewState`` takes the event log's events (facilitator.sessionlog) plus three things the log
only learns later: a prompt's start (the log notes a prompt when it has been said), the breathing
exercise's plan and its position on the audio timeline (from the pacer), and the end summary.
It keeps no more than the log does: words of what people said only when the log has them
(``--keep-transcript``); the facilitator's own prompts always.

Times: ``wall`` values are seconds of the machine's wall clock (``time.time()``), which the page
shares (``Date.now()``), so the page can place the breathing circle without asking the server.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Callable
from typing import Any

from facilitator.breathing import PHASE_KINDS, PHASE_LABELS, Plan
from facilitator.sessionlog import (
    BreakTaken,
    CommandHeard,
    Completed,
    DeviceEvent,
    Event,
    PromptSpoken,
    ReflectionJudged,
    ReminderGiven,
    StepEntered,
    UtteranceHeard,
)
from facilitator.summary import Summary

PATH: tuple[tuple[str, str], ...] = (
    ("consent", "Agree to talk"),
    ("regulate", "Breathe"),
    ("intent", "Good intent"),
    ("first", "Who goes first"),
    ("share", "Share"),
    ("reflect", "Reflect back"),
    ("acknowledge", "Impact"),
    ("reassure", "Reassure"),
    ("reconnect", "Complete?"),
)
"""The nine steps in the order the session runs them (step value, short name on the path)."""

OPENING_STEPS = {"welcome": "Welcome", "names": "Names and voices", "done": "Finished"}
"""Steps before and after the path."""


def plan_json(plan: Plan) -> dict[str, Any]:
    """The breathing plan as the page needs it: each phase's name, start, length and fullness."""
    return {
        "phases": [
            [PHASE_LABELS[c.kind], round(c.start_s, 4), round(c.duration_s, 4), c.level_from, c.level_to]
            for c in plan.cues
            if c.kind in PHASE_KINDS
        ],
        "breathing_start_s": plan.breathing_start_s,
        "breathing_end_s": plan.breathing_end_s,
        "end_s": plan.end_s,
        "pattern": plan.pattern.name,
    }


def summary_json(summary: Summary) -> dict[str, Any]:
    """The summary's figures (no words), talk shares included."""
    data = dataclasses.asdict(summary)
    data.pop("transcript_path", None)  # a path in the user's home folder is not the page's business
    data["names"] = list(summary.names)
    data["talk_share"] = {name: summary.talk_share(name) for name in summary.names}
    return data


class ViewState:
    """The current view, changed by events and read whole by each page (thread-safe).

    ``on_change(kind)`` is called after every change, with "state" (anything) or "clock" (only
    the breathing position moved); it must return at once.
    """

    def __init__(self, title: str = "facilitator", on_change: Callable[[str], None] | None = None) -> None:
        self._lock = threading.Lock()
        self.on_change = on_change
        self.version = 0
        """Counts every change."""
        self.state_version = 0
        """The version of the latest change that was more than the breathing position."""
        self._data: dict[str, Any] = {
            "title": title,
            "path": [list(p) for p in PATH],
            "step": None,
            "step_name": "",
            "round": 1,
            "sharer": None,
            "listener": None,
            "activity": "starting",
            "prompt": None,
            "heard": None,
            "paused": False,
            "breathing": None,
            "counts": {"reminders": 0, "reflections": 0, "landed": 0, "breaks": 0},
            "notes": [],
            "summary": None,
            "outcome": None,
            "commands": False,
        }

    def snapshot(self) -> tuple[int, int, dict[str, Any]]:
        """The version, the state version and a copy of the whole view."""
        with self._lock:
            return self.version, self.state_version, _copy(self._data)

    def _changed(self, kind: str = "state") -> None:
        self.version += 1
        if kind == "state":
            self.state_version = self.version
        if self.on_change is not None:
            self.on_change(kind)

    def get(self, key: str) -> Any:
        """One top-level field (a copy)."""
        with self._lock:
            return _copy(self._data.get(key))

    def update(self, **values: Any) -> None:
        """Set top-level fields."""
        with self._lock:
            self._data.update(values)
            self._changed()

    # --- from the event log --------------------------------------------------------------------

    def event(self, event: Event) -> None:
        """Apply one event of the log (on the session's thread: a fault here must never end a session)."""
        with self._lock:
            try:
                self._apply(event)
            except Exception:  # noqa: BLE001 - the page may miss one change; the session goes on
                return
            self._changed()

    def _apply(self, event: Event) -> None:
        d = self._data
        counts = d["counts"]
        if isinstance(event, StepEntered):
            d.update(step=event.step, round=event.round, sharer=event.sharer, listener=event.listener,
                     step_name=dict(PATH).get(event.step) or OPENING_STEPS.get(event.step, event.step))
        elif isinstance(event, PromptSpoken):
            prompt = d["prompt"] or {}
            if prompt.get("id") != event.prompt_id or prompt.get("text") != event.text or prompt.get("done"):
                d["prompt"] = {"id": event.prompt_id, "text": event.text, "seq": prompt.get("seq", 0) + 1}
            d["prompt"]["done"] = True
            if d["activity"] == "speaking":
                d["activity"] = "paused" if d["paused"] else "listening"
        elif isinstance(event, UtteranceHeard):
            d["heard"] = {"speaker": event.speaker, "words": event.words, "text": event.text}
        elif isinstance(event, ReminderGiven):
            counts["reminders"] += 1
        elif isinstance(event, ReflectionJudged):
            counts["reflections"] += 1
            counts["landed"] += int(event.accepted)
        elif isinstance(event, CommandHeard):
            if event.command == "pause":
                d["paused"] = True
            elif event.command in ("resume", "stop", "break"):
                d["paused"] = False
        elif isinstance(event, BreakTaken):
            counts["breaks"] += 1
        elif isinstance(event, DeviceEvent):
            _note(d, {"lost": "The microphone was lost.", "back": "The microphone is back.",
                      "gave_up": "The microphone did not come back."}.get(event.what, event.what))
        elif isinstance(event, Completed):
            d.update(outcome=event.outcome, activity="ended", paused=False)

    # --- beyond the log ------------------------------------------------------------------------

    def prompt_started(self, prompt_id: str, text: str, wall_s: float) -> None:
        """The facilitator began to say a line (the log notes it when it ends)."""
        with self._lock:
            seq = (self._data["prompt"] or {}).get("seq", 0) + 1
            self._data["prompt"] = {"id": prompt_id, "text": text, "seq": seq, "wall": wall_s, "done": False}
            self._data["activity"] = "speaking"
            self._changed()

    def listening(self) -> None:
        """The session is waiting to hear someone."""
        with self._lock:
            if self._data["activity"] not in ("listening", "ended"):
                self._data["activity"] = "paused" if self._data["paused"] else "listening"
                self._changed()

    def breathing_started(self, plan: Plan, wall_s: float, rate: float = 1.0) -> None:
        """An exercise began: its plan, at position 0 at ``wall_s``.

        ``rate`` 0 holds it there until the first position comes (an output that starts later).
        """
        with self._lock:
            anchor = {"t_s": 0.0, "wall": wall_s, "rate": rate}
            self._data["breathing"] = {"plan": plan_json(plan), "anchor": anchor, "done": False}
            self._data["activity"] = "breathing"
            self._changed()

    def breathing_at(self, t_s: float, wall_s: float, rate: float) -> None:
        """The exercise's audio is at ``t_s`` at ``wall_s``, moving ``rate`` seconds per second."""
        with self._lock:
            breathing = self._data["breathing"]
            if breathing is None:
                return
            breathing["anchor"] = {"t_s": t_s, "wall": wall_s, "rate": rate}
            self._changed("clock")

    def breathing_finished(self) -> None:
        """The exercise ended (or was stopped)."""
        with self._lock:
            if self._data["breathing"] is not None:
                self._data["breathing"]["done"] = True
            if self._data["activity"] == "breathing":
                self._data["activity"] = "listening"
            self._changed()

    def finished(self, summary: Summary) -> None:
        """The session is over: show its summary."""
        with self._lock:
            self._data["summary"] = summary_json(summary)
            self._data["activity"] = "ended"
            self._changed()

    def note(self, text: str) -> None:
        """A short line under the prompt (e.g. a button press that cannot act now)."""
        with self._lock:
            _note(self._data, text)
            self._changed()

    def clock(self) -> dict[str, Any] | None:
        """The breathing anchor alone (for the small "clock" messages)."""
        with self._lock:
            breathing = self._data["breathing"]
            return None if breathing is None else dict(breathing["anchor"])


def _note(d: dict[str, Any], text: str) -> None:
    d["notes"] = (d["notes"] + [text])[-3:]


def _copy(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value
