"""Injected time: a real clock and a fake one, so waits aim at absolute deadlines."""

from __future__ import annotations

import time


class SystemClock:
    """The real monotonic clock."""

    def monotonic_s(self) -> float:
        """Seconds on the monotonic clock."""
        return time.monotonic()

    def sleep_s(self, seconds: float) -> None:
        """Sleep for ``seconds`` (no-op when not positive)."""
        if seconds > 0:
            time.sleep(seconds)

    def sleep_until_s(self, deadline_s: float) -> None:
        """Sleep until the monotonic clock reads ``deadline_s``."""
        self.sleep_s(deadline_s - self.monotonic_s())


class FakeClock:
    """A clock that only moves when slept, so long waits run instantly in tests."""

    def __init__(self, start_s: float = 0.0) -> None:
        self.now_s = start_s

    def monotonic_s(self) -> float:
        """The fake time in seconds."""
        return self.now_s

    def sleep_s(self, seconds: float) -> None:
        """Advance the fake time by ``seconds``."""
        if seconds > 0:
            self.now_s += seconds

    def sleep_until_s(self, deadline_s: float) -> None:
        """Advance the fake time to ``deadline_s`` if it is in the future."""
        self.now_s = max(self.now_s, deadline_s)
