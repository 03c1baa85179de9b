"""A scripted session followed by the live view: the fakes of session_fakes.py for the people, the
real view, server and page, and the real GuidedBreather (tones only) paced on the wall clock, so
the breathing circle can be checked against its schedule. Shared by tests/test_view_browser.py
and scripts/bench_view.py.

The session runs on its own thread; chosen prompts can hold it (``hold``) until ``release``, so
a test can look at the page at that moment.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Iterable
from typing import Any

from session_fakes import FakeJudge, FakeVoices, Room, fake_coach, whole_session

from facilitator.breathing import Plan
from facilitator.breathing_audio import GuidedBreather
from facilitator.clock import FakeClock, SystemClock
from facilitator.config import load_config
from facilitator.script import load_script
from facilitator.session import Outcome, Session
from facilitator.sessionlog import SessionLog
from facilitator.view import LiveView, attach_view


class NullSink:
    """An AudioSink that takes the blocks as the paced playback hands them over (wall clock)."""

    def play(self, chunks: Iterable[Any], sample_rate: int) -> None:
        for _ in chunks:
            pass


class RecordingPacer:
    """Notes each audio position the breather reports, with the wall clock."""

    def __init__(self) -> None:
        self.plans: list[Plan] = []
        self.shown: list[tuple[float, float]] = []
        """(exercise seconds, time.time())."""

    def start(self, plan: Plan) -> None:
        self.plans.append(plan)

    def show(self, t_s: float) -> None:
        self.shown.append((t_s, time.time()))

    def finish(self) -> None:
        pass


class PatientRoom(Room):
    """The fakes' room, taking a little wall time over each silence (so a paused session waits)."""

    def hear(self, timeout_s: float) -> Any:
        if not self.pending:
            time.sleep(0.1)
        return super().hear(timeout_s)


class HoldingSpeaker:
    """The fakes' speaker: cues the room, takes ``say_s`` of wall time, and can hold on a prompt."""

    def __init__(self, room: Room, clock: FakeClock, hold: Iterable[str] = (), say_s: float = 0.0) -> None:
        self.room = room
        self.clock = clock
        self.say_s = say_s
        self.said: list[tuple[str, str, float]] = []
        """(prompt_id, text, time.time() at the start)."""
        self.reached = {p: threading.Event() for p in hold}
        self.released = {p: threading.Event() for p in hold}

    def say(self, prompt_id: str, text: str) -> None:
        self.said.append((prompt_id, text, time.time()))
        if self.say_s:
            time.sleep(self.say_s)
        self.clock.sleep_s(1.0)
        if prompt_id in self.reached and not self.reached[prompt_id].is_set():
            self.reached[prompt_id].set()
            self.released[prompt_id].wait(60)
        self.room.on_prompt(prompt_id)

    def release(self, prompt_id: str) -> None:
        self.released[prompt_id].set()


@dataclasses.dataclass
class ViewRig:
    view: LiveView | None
    session: Session
    speaker: HoldingSpeaker
    pacer: RecordingPacer
    log: SessionLog
    thread: threading.Thread
    outcome: list[Outcome]

    def start(self) -> ViewRig:
        self.thread.start()
        return self

    def join(self, timeout_s: float = 120.0) -> Outcome:
        self.thread.join(timeout_s)
        assert not self.thread.is_alive(), "the session did not end"
        return self.outcome[0]


def view_rig(*, hold: Iterable[str] = (), say_s: float = 0.0, breathing_minutes: float = 0.35,
             with_view: bool = True) -> ViewRig:
    """A whole scripted session (Alex and Jo, everything landing) ready to ``start``."""
    clock = FakeClock(1000.0)
    room = PatientRoom(clock, whole_session())
    config = load_config(overrides={"breathing.minutes": breathing_minutes, "breathing.voice": False})
    speaker = HoldingSpeaker(room, clock, hold, say_s)
    pacer = RecordingPacer()
    breather = GuidedBreather(None, NullSink(), SystemClock(), settings=config.breathing, pacer=pacer)
    log = SessionLog()
    view = None
    if with_view:
        view = attach_view(log, title="Session", open_browser=False, announce=lambda _: None)
    parts: tuple[Any, Any, Any] = (speaker, room, breather)
    if view is not None:
        parts = view.wrap(*parts)
    session = Session(load_script(), config, *parts, FakeVoices(), clock, judge=FakeJudge(), coach=fake_coach,
                      log=log)
    outcome: list[Outcome] = []

    def run() -> None:
        result = session.run()
        outcome.append(result)
        if view is not None:
            view.finished(result.summary)

    thread = threading.Thread(target=run, name="scripted-session", daemon=True)
    return ViewRig(view, session, speaker, pacer, log, thread, outcome)


SAMPLER = """
window.__drawn = [];
window.__computed = [];
(function () {
  const c = document.getElementById('circle'), s = document.getElementById('pacer');
  const level = (r) => (r - 34) / (90 - 34);
  // Each size the page sets, when it sets it (the frame's own value).
  new MutationObserver(() => window.__computed.push([Date.now() / 1000, level(+c.getAttribute('r'))]))
    .observe(c, {attributes: true, attributeFilter: ['r']});
  // What is on screen at each frame, before the page's own update of that frame.
  function f() {
    if (!document.getElementById('breathing').hidden) {
      const r = c.getBoundingClientRect().width / 2 * 200 / s.getBoundingClientRect().width;
      window.__drawn.push([Date.now() / 1000, level(r)]);
    }
    requestAnimationFrame(f);
  }
  requestAnimationFrame(f);
}());
"""
"""Injected into the page: the circle's level (0 empty - 1 full; radius 34 to 90 of the svg's 200,
facilitator/view/static/view.js) as the page sets it (``__computed``) and as drawn at each frame
(``__drawn``, which also counts a late frame on a busy machine)."""


def circle_errors(plan: Plan, shown: list[tuple[float, float]], samples: list[list[float]],
                  edge_s: float = 0.15) -> list[float]:
    """For each page sample (wall s, level) inside an inhale or exhale, how far (s) it is from the schedule.

    The schedule's clock is the pacer's: exercise second ``t`` happened at ``t + offset`` of the wall
    clock (offset: the median over the positions reported). A sample's level is compared with the
    plan's at that moment, and turned into seconds by the phase's
    slope (holds have none and are skipped, as are ``edge_s`` at each end of a phase).
    """
    from statistics import median

    from facilitator.breathing import CueKind

    offset = median(wall - t for t, wall in shown)
    moving = [c for c in plan.phase_cues() if c.kind in (CueKind.INHALE, CueKind.EXHALE, CueKind.TOP_UP)]
    errors = []
    for wall, level in samples:
        t = wall - offset
        for cue in moving:
            if cue.start_s + edge_s <= t <= cue.start_s + cue.duration_s - edge_s:
                slope = (cue.level_to - cue.level_from) / cue.duration_s
                expected = cue.level_from + slope * (t - cue.start_s)
                errors.append((level - expected) / slope)
                break
    return errors
