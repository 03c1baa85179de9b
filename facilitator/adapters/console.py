"""Typed mode (``facilitator session --text``): typed lines in ("Alex: ..."), printed prompts out.

For people who cannot or prefer not to speak, and for tests. It implements the session's ports
(Listener, Speaker, Breather, VoiceBook) over text streams; no audio library is imported.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TextIO

from facilitator.audio import Audio
from facilitator.breathing import CueKind, cycles_for_minutes, parse_pattern, plan_exercise
from facilitator.events import Heard
from facilitator.ports import Clock

_LINE = re.compile(r"^\s*([A-Za-z][\w'.-]*(?: [A-Za-z][\w'.-]*)?)\s*:\s*(.*)$")

TYPED_HELP = (
    "Typed mode: begin each line with a name and a colon, for example  Alex: yes, I'm open to it.\n"
    "An empty line lets a silence pass (for \"is there more?\"); type  stop  to end, "
    "pause / resume, repeat that, I need a break."
)


class ConsoleListener:
    """A Listener over typed lines: "Name: words" is that person; a line without a name is unsure.

    Before the names step any name is taken as typed; afterwards a name that is not one of the two
    is refused with a message (the line is not lost: type it again with the right name). An empty
    line is a silence (``hear`` returns None); the end of input raises EOFError, which the session
    takes as "stop" (its place is saved for ``--resume``).
    """

    def __init__(self, lines: TextIO, clock: Clock, note: Callable[[str], None],
                 seconds_per_word: float = 0.4) -> None:
        self.lines = lines
        self.clock = clock
        self.note = note
        self.seconds_per_word = seconds_per_word
        """Typed words are counted as this much talk time each (s), for the summary's shares."""
        self.names: tuple[str, ...] = ()

    typed = True
    """Each line is a whole turn, and silence never passes on its own (the session reads this)."""

    def hear(self, timeout_s: float) -> Heard | None:
        """The next typed line as a Heard, None for an empty line; EOFError when input ends."""
        while True:
            raw = self.lines.readline()
            if raw == "":
                raise EOFError("typed input ended")
            line = raw.strip()
            if not line:
                return None
            speaker, text = self._split(line)
            if speaker is not None and self.names:
                known = {n.casefold(): n for n in self.names}
                if speaker.casefold() not in known:
                    self.note(
                        f"I don't know '{speaker}' in this session; begin the line with "
                        f"{self.names[0]}: or {self.names[1]}: (type it again)."
                    )
                    continue
                speaker = known[speaker.casefold()]
            if not text:
                continue
            start = self.clock.monotonic_s()
            seconds = max(0.5, len(text.split()) * self.seconds_per_word)
            return Heard(start, start + seconds, text, speaker, 1.0 if speaker else 0.0)

    def ignore_pending(self, tail_s: float) -> None:
        """Nothing to drop: typed lines are never the facilitator's own voice."""

    def _split(self, line: str) -> tuple[str | None, str]:
        match = _LINE.match(line)
        if match is None:
            return None, line
        return match.group(1).strip(), match.group(2).strip()


class ConsoleSpeaker:
    """A Speaker that prints each prompt."""

    def __init__(self, echo: Callable[[str], None]) -> None:
        self.echo = echo

    def say(self, prompt_id: str, text: str) -> None:
        """Print ``text`` as the facilitator's line."""
        self.echo(f"Facilitator: {text}")


class ConsoleBreather:
    """A Breather that prints each phase ("in", "hold", "out") at its absolute time on the clock."""

    def __init__(self, echo: Callable[[str], None], clock: Clock) -> None:
        self.echo = echo
        self.clock = clock

    def breathe(self, pattern: str, minutes: float) -> bool:
        """Print the cues of ``minutes`` of ``pattern`` on time; True when it ran to the end."""
        pat = parse_pattern(pattern)
        plan = plan_exercise(pat, cycles_for_minutes(pat, minutes))
        start = self.clock.monotonic_s()
        for cue in plan.cues:
            if cue.kind is CueKind.COUNT:
                continue
            self.clock.sleep_until_s(start + cue.start_s)
            self.echo(f"   ... {cue.words}")
        self.clock.sleep_until_s(start + plan.end_s)
        return True


class TypedVoiceBook:
    """Typed mode has names, not voices: nothing to learn; ``use`` tells the listener the two names."""

    def __init__(self, listener: ConsoleListener) -> None:
        self.listener = listener

    def has(self, name: str) -> bool:
        """Always True: a typed name needs no voiceprint (so a resume asks for none)."""
        return True

    def enroll(self, name: str, audio: Audio) -> None:
        """Nothing to learn from typed text."""

    def use(self, names: tuple[str, str]) -> None:
        """From now on typed lines must name one of these two."""
        self.listener.names = names
