"""The live view: a calm page in the browser that follows a session (or a breathing exercise).

Any command attaches it with its event log and its parts::

    view = attach_view(log, title="Session", open_browser=True, announce=click.echo)
    speaker, listener, breather = view.wrap(speaker, listener, breather)
    ...  # run the session as before
    view.finished(outcome.summary)
    view.close()

The page is a window, not a controller: its optional buttons are heard as the spoken commands.
"""

from __future__ import annotations

import os
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from typing import Any

from facilitator.sessionlog import SessionLog
from facilitator.summary import Summary
from facilitator.view.hooks import ViewBreather, ViewListener, ViewPacer, ViewSpeaker
from facilitator.view.server import ViewServer
from facilitator.view.state import ViewState

COMMAND_WORDS = {"pause": "pause", "resume": "resume", "repeat": "repeat", "break": "i need a break",
                 "stop": "stop"}
"""What a button says to the session: the words of the voice command."""


class LiveView:
    """One page server and the state it shows; see ``attach_view``."""

    def __init__(self, log: SessionLog | None, title: str = "facilitator", *, path: bool = True) -> None:
        self.state = ViewState(title)
        self.state.update(show_path=path)
        self.server = ViewServer(self.state, on_command=self.command)
        self.state.on_change = self.server.notify
        self._listeners: list[ViewListener] = []
        self._breath_stop = threading.Event()
        self._breath_stoppable = False
        if log is not None:
            log.subscribe(self.state.event)

    @property
    def url(self) -> str:
        """The page's address (secret token included)."""
        return self.server.url

    # --- wiring --------------------------------------------------------------------------------

    def speaker(self, speaker: Any) -> ViewSpeaker:
        """``speaker``, showing each prompt on the page as it starts."""
        return ViewSpeaker(speaker, self.state)

    def listener(self, listener: Any) -> ViewListener:
        """``listener``, also hearing the page's buttons."""
        wrapped = ViewListener(listener, self.state)
        self._listeners.append(wrapped)
        self.state.update(commands=True)
        return wrapped

    def pacer(self, inner: Any = None) -> ViewPacer:
        """A breathing pacer for the page (``inner``: another pacer shown as well, e.g. the terminal's)."""
        return ViewPacer(self.state, inner, on_start=self._breath_stop.clear)

    def guard(self, guided: Any) -> None:
        """Put the page on a GuidedBreather: its pacer, and the stop button beside the stop word."""
        guided.pacer = self.pacer(guided.pacer)
        heard: Callable[[], bool] | None = guided.stop_heard
        guided.stop_heard = lambda: self._breath_stop.is_set() or (heard is not None and heard())
        self._breath_stoppable = True
        self.state.update(breath_stop=True)

    def breather(self, breather: Any) -> Any:
        """``breather`` shown on the page: a guided one gets the view's pacer, another is wrapped."""
        for part in (breather, getattr(breather, "inner", None)):
            if part is not None and hasattr(part, "pacer") and hasattr(part, "stop_heard"):
                self.guard(part)
                return breather
        return ViewBreather(breather, self.state)

    def wrap(self, speaker: Any, listener: Any, breather: Any) -> tuple[Any, Any, Any]:
        """The session's three talking parts, each shown on the page."""
        return self.speaker(speaker), self.listener(listener), self.breather(breather)

    # --- during and after ----------------------------------------------------------------------

    def command(self, name: str) -> str | None:
        """A button was pressed: act like the spoken command, or say why not (None: taken)."""
        if name not in COMMAND_WORDS:
            return "That is not one of the buttons."
        activity = self.state.get("activity")
        if activity == "ended":
            return "The session has ended."
        if activity == "breathing":
            if name == "stop" and self._breath_stoppable:
                self._breath_stop.set()
                return None
            return "During the breathing, only stop acts, as when spoken."
        if not self._listeners:
            return "Nothing is listening for buttons here."
        if name == "resume" and not self.state.get("paused"):
            return "The session is not paused."
        self._listeners[-1].pressed.put(COMMAND_WORDS[name])
        return None

    def finished(self, summary: Summary | None) -> None:
        """The session ended: the page shows its summary (or just that it ended)."""
        if summary is not None:
            self.state.finished(summary)
        else:
            self.state.update(activity="ended")

    def start(self, *, open_browser: bool, announce: Callable[[str], None]) -> LiveView:
        """Serve, print the address, and open it in the default browser unless told not to."""
        self.server.start()
        announce(f"Live view: {self.url}")
        if open_browser:
            browser = _graphical_browser()
            if browser is None:
                announce("No graphical browser was found here: open the address above in one.")
            else:
                opener = threading.Thread(target=_open, args=(browser, self.url), name="open-browser",
                                          daemon=True)
                opener.start()
        return self

    def close(self, linger_s: float = 0.0) -> None:
        """Stop serving (after ``linger_s``, so an open page can take the last state)."""
        if self.state.get("activity") != "ended":
            self.state.update(activity="ended")
        if linger_s > 0:
            time.sleep(linger_s)
        self.server.close()


def _graphical_browser() -> webbrowser.BaseBrowser | None:
    """The default browser when it has a window of its own (a text browser would take the terminal)."""
    windows = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    if sys.platform.startswith("linux") and not windows:
        return None
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return None
    # Text browsers (lynx, w3m, www-browser) run in the foreground as a plain GenericBrowser.
    return None if type(browser) is webbrowser.GenericBrowser else browser


def _open(browser: webbrowser.BaseBrowser, url: str) -> None:
    try:
        browser.open(url, new=1)
    except webbrowser.Error:
        pass  # the address was printed: it can be opened by hand


def attach_view(log: SessionLog | None, *, title: str = "facilitator", open_browser: bool = True,
                announce: Callable[[str], None] = print, path: bool = True) -> LiveView:
    """Start the live view of a run whose events go to ``log`` (None: no event log, e.g. breathing).

    Prints ``Live view: http://127.0.0.1:PORT/TOKEN/`` through ``announce``, and opens it unless
    ``open_browser`` is False. ``path``: show the nine steps (False for breathing alone).
    """
    return LiveView(log, title, path=path).start(open_browser=open_browser, announce=announce)


__all__ = ["COMMAND_WORDS", "LiveView", "attach_view"]
