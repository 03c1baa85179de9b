"""The live view's taps on a session's parts: they tell the view, then do exactly what they wrap.

Each wraps one port (Speaker, Listener, the breathing Pacer, a Breather) and passes everything
else through, so the session runs as it would without the view. None of them waits on the page:
they only change the view's state, which the server's threads read.
"""

from __future__ import annotations

import queue
import time
from collections.abc import Callable
from typing import Any

from facilitator.breathing import Plan, cycles_for_minutes, parse_pattern, plan_exercise
from facilitator.events import Heard
from facilitator.view.state import ViewState

ANCHOR_EVERY_S = 0.5
"""How often (wall clock) the breathing position is sent to the page; it extrapolates between."""
LISTEN_SLICE_S = 0.25
"""A listener that keeps stream time is asked in slices this long, so a button acts within it."""


class ViewSpeaker:
    """A Speaker that shows each prompt on the page when it starts, then says it."""

    def __init__(self, inner: Any, state: ViewState) -> None:
        self.inner = inner
        self.state = state
        self.deferred = False
        """True: the prompt is shown when ``show_started`` is called (its sound starts), not at once."""
        self._pending: tuple[str, str] | None = None

    def say(self, prompt_id: str, text: str) -> None:
        """Show ``text`` as being said now, then say it through the wrapped speaker."""
        if self.deferred:
            self._pending = (prompt_id, text)
        else:
            self.state.prompt_started(prompt_id, text, time.time())
        try:
            self.inner.say(prompt_id, text)
        finally:
            self.show_started()

    def on_sound(self) -> Callable[[], None]:
        """From now on show each prompt when the returned callback says its sound started."""
        self.deferred = True
        return self.show_started

    def show_started(self) -> None:
        """The pending prompt's sound started: show it."""
        if self._pending is not None:
            (prompt_id, text), self._pending = self._pending, None
            self.state.prompt_started(prompt_id, text, time.time())

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class ViewListener:
    """A Listener that marks "listening" on the page and hears the page's buttons as spoken commands.

    A pressed button becomes an utterance of the command's words by an unsure voice, given to the
    session like any other, so it acts exactly as saying it would (and is logged the same way).
    """

    def __init__(self, inner: Any, state: ViewState) -> None:
        self.inner = inner
        self.state = state
        self.pressed: queue.Queue[str] = queue.Queue()

    def hear(self, timeout_s: float) -> Heard | None:
        """A pressed button's words, else the next utterance (None after ``timeout_s`` of silence)."""
        self.state.listening()
        now = getattr(self.inner, "now_s", None)
        if not isinstance(now, float | int):
            return self._pressed() or self.inner.hear(timeout_s)
        # Stream time: ask in slices, so a button pressed meanwhile acts within a slice. The
        # StreamListener never ends a slice inside speech, so utterances come out the same.
        deadline = float(now) + timeout_s
        while True:
            pressed = self._pressed()
            if pressed is not None:
                return pressed
            left = deadline - float(self.inner.now_s)
            if left <= 0:
                return None
            heard: Heard | None = self.inner.hear(min(left, LISTEN_SLICE_S))
            if heard is not None or getattr(self.inner, "ended", False):
                return heard

    def _pressed(self) -> Heard | None:
        try:
            words = self.pressed.get_nowait()
        except queue.Empty:
            return None
        at = float(getattr(self.inner, "now_s", 0.0) or 0.0)
        return Heard(at, at, words, None)

    def ignore_pending(self, tail_s: float) -> None:
        """Half-duplex, as without the view (a pressed button is kept: it was meant)."""
        self.inner.ignore_pending(tail_s)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class ViewPacer:
    """A breathing Pacer that puts the plan and the audio position on the page (and on another pacer)."""

    def __init__(self, state: ViewState, inner: Any = None,
                 on_start: Callable[[], None] | None = None) -> None:
        self.state = state
        self.inner = inner
        self.on_start = on_start
        self._first: tuple[float, float] | None = None
        self._sent_wall = 0.0

    def start(self, plan: Plan) -> None:
        """A new exercise: its plan, at 0 now."""
        if self.on_start is not None:
            self.on_start()
        self._first = None
        self._sent_wall = 0.0
        self.state.breathing_started(plan, time.time(), rate=0.0)
        if self.inner is not None:
            self.inner.start(plan)

    def show(self, t_s: float) -> None:
        """The exercise's audio is at ``t_s``: tell the page now and then (it moves the circle itself)."""
        if self.inner is not None:
            self.inner.show(t_s)
        wall = time.time()
        if self._first is None:
            self._first = (t_s, wall)
        if wall - self._sent_wall < ANCHOR_EVERY_S:
            return
        t0, w0 = self._first
        # In real time the rate is 1; the demo writing files runs the exercise faster than that.
        rate = (t_s - t0) / (wall - w0) if wall - w0 > 0.4 else 1.0
        self._sent_wall = wall
        self.state.breathing_at(t_s, wall, max(0.0, rate))

    def finish(self) -> None:
        """The exercise ended."""
        self.state.breathing_finished()
        if self.inner is not None:
            self.inner.finish()


class ViewBreather:
    """A Breather with no pacer of its own (typed mode): the page gets the same plan, in real time."""

    def __init__(self, inner: Any, state: ViewState) -> None:
        self.inner = inner
        self.state = state

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Show the plan the inner breather follows, then let it lead."""
        pat = parse_pattern(pattern)
        self.state.breathing_started(plan_exercise(pat, cycles_for_minutes(pat, minutes)), time.time())
        try:
            return bool(self.inner.breathe(pattern, minutes))
        finally:
            self.state.breathing_finished()

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)
