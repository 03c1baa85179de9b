"""Fakes of every port the session uses: a cued room (scripted listener), a recording speaker,
a fake breather and voice book, and a fake judge and coach. Shared by tests/test_session*.py."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facilitator.clock import FakeClock
from facilitator.config import Config, load_config
from facilitator.errors import InputError
from facilitator.events import Attribution, Heard
from facilitator.script import load_script
from facilitator.session import Session
from facilitator.sessionlog import SessionLog
from facilitator.state import StateStore


@dataclass(frozen=True)
class Line:
    """Someone in the room says ``text`` (``speaker`` None: the attribution is unsure)."""

    speaker: str | None
    text: str
    duration_s: float = 2.0
    windows: tuple[tuple[str | None, float], ...] = ()
    """(speaker, seconds) of ~1.5 s windows inside the utterance, to model a mixed voice."""
    voice: bool = False
    """Carry audio (live mode, for enrolment); typed lines carry none."""


SILENCE = "<silence>"
"""A cue item: the room stays quiet for the whole timeout of one hear()."""
END = "<end>"
"""A cue item: the source ends (a file ran out); hear() returns None from then on."""


class Room:
    """A scripted listener: after prompt P is said for the n-th time, the n-th cue for P plays.

    ``cues`` is a list of (prompt_id, items) pairs; items are Line, SILENCE, or an exception to
    raise from hear() (DeviceError, KeyboardInterrupt). Silence with nothing cued advances the
    fake clock; too much of it means the flow is stuck, which fails the test with the last prompts.
    """

    def __init__(self, clock: FakeClock, cues: list[tuple[str, list[Any]]]) -> None:
        self.clock = clock
        self.cues = list(cues)
        self.pending: list[Any] = []
        self.prompts: list[str] = []
        self.ignored: list[float] = []
        self.heard: list[Heard] = []
        self.quiet_hears = 0
        self.ended = False
        """Like a file source that ran out: set when the cues say so (END)."""

    def on_prompt(self, prompt_id: str) -> None:
        self.prompts.append(prompt_id)
        for index, (cue_id, items) in enumerate(self.cues):
            if cue_id == prompt_id:
                del self.cues[index]
                self.pending.extend(items)
                return

    def hear(self, timeout_s: float) -> Heard | None:
        if self.ended:
            return None
        if not self.pending:
            self.quiet_hears += 1
            if self.quiet_hears > 40:
                raise AssertionError(f"the flow is stuck; last prompts: {self.prompts[-6:]}")
            self.clock.sleep_s(timeout_s)
            return None
        item = self.pending.pop(0)
        if item == END:
            self.ended = True
            return None
        if isinstance(item, BaseException):
            raise item
        if item == SILENCE:
            self.clock.sleep_s(timeout_s)
            return None
        assert isinstance(item, Line)
        self.quiet_hears = 0
        start = self.clock.monotonic_s()
        self.clock.sleep_s(item.duration_s)
        windows = []
        t = start
        for who, seconds in item.windows:
            windows.append(Attribution(t, t + seconds, who, 0.2 if who else 0.0))
            t += seconds
        audio = np.full(int(item.duration_s * 16000), 0.1, dtype=np.float32) if item.voice else None
        heard = Heard(start, start + item.duration_s, item.text, item.speaker, 0.2 if item.speaker else 0.0,
                      tuple(windows), **({"audio": audio} if audio is not None else {}))
        self.heard.append(heard)
        return heard

    def ignore_pending(self, tail_s: float) -> None:
        self.ignored.append(tail_s)


class RecordingSpeaker:
    """Records (prompt_id, text) and cues the room."""

    def __init__(self, room: Room, clock: FakeClock, seconds_per_say: float = 1.0) -> None:
        self.room = room
        self.clock = clock
        self.said: list[tuple[str, str]] = []
        self.seconds_per_say = seconds_per_say
        self.slowed = 0
        self.prepared: list[str] = []

    def say(self, prompt_id: str, text: str) -> None:
        self.said.append((prompt_id, text))
        self.clock.sleep_s(self.seconds_per_say)
        self.room.on_prompt(prompt_id)

    def slower(self) -> None:
        self.slowed += 1

    def prepare(self, texts: list[str]) -> None:
        self.prepared.extend(texts)

    @property
    def ids(self) -> list[str]:
        return [prompt_id for prompt_id, _ in self.said]

    def texts(self, prompt_id: str) -> list[str]:
        return [text for pid, text in self.said if pid == prompt_id]


class FakeBreather:
    def __init__(self, clock: FakeClock, finish: bool = True) -> None:
        self.clock = clock
        self.calls: list[tuple[str, float]] = []
        self.finish = finish

    def breathe(self, pattern: str, minutes: float) -> bool:
        self.calls.append((pattern, minutes))
        self.clock.sleep_s(minutes * 60)
        return self.finish


class FakeVoices:
    """A voice book: ``known`` names are returning people; audio under ``min_s`` is refused."""

    def __init__(self, known: tuple[str, ...] = (), min_s: float = 1.0) -> None:
        self.known = set(known)
        self.min_s = min_s
        self.enrolled: list[tuple[str, float]] = []
        self.used: list[tuple[str, str]] = []

    def has(self, name: str) -> bool:
        return name in self.known

    def enroll(self, name: str, audio: np.ndarray) -> None:
        seconds = audio.size / 16000
        if seconds < self.min_s:
            raise InputError(f"{seconds:.1f} s of {name}'s voice is too little; say a little more.")
        self.enrolled.append((name, seconds))
        self.known.add(name)

    def use(self, names: tuple[str, str]) -> None:
        self.used.append(names)


@dataclass(frozen=True)
class FakeVerdict:
    accepted: bool
    score: float
    coaching: str | None
    kind: str


@dataclass
class FakeJudge:
    """Accepts a reflection that contains ``must``; records what it was asked."""

    must: str = "felt"
    calls: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, share: str, reflection: str) -> FakeVerdict:
        self.calls.append((share, reflection))
        if self.must in reflection.lower():
            return FakeVerdict(True, 0.9, None, "accepted")
        return FakeVerdict(False, 0.2, "Try saying what they felt.", "missing_feelings")


def fake_coach(share: str) -> str | None:
    return "Could you say that as 'I felt ...'?" if "you never" in share.lower() else None


@dataclass
class Rig:
    session: Session
    room: Room
    speaker: RecordingSpeaker
    voices: FakeVoices
    breather: FakeBreather
    clock: FakeClock
    judge: FakeJudge
    log: SessionLog
    store: StateStore


def rig(
    cues: list[tuple[str, list[Any]]],
    *,
    config: Config | None = None,
    voices: FakeVoices | None = None,
    store_path: Path | None = None,
    **kwargs: Any,
) -> Rig:
    clock = FakeClock(1000.0)
    room = Room(clock, cues)
    speaker = RecordingSpeaker(room, clock)
    voices = voices if voices is not None else FakeVoices()
    breather = FakeBreather(clock)
    judge = kwargs.pop("judge", FakeJudge())
    log = SessionLog()
    store = StateStore(store_path)
    session = Session(
        load_script(), config or load_config(), speaker, room, breather, voices, clock,
        judge=judge, coach=kwargs.pop("coach", fake_coach), log=log, store=store, **kwargs,
    )
    return Rig(session, room, speaker, voices, breather, clock, judge, log, store)


# --- a whole session, as cues ------------------------------------------------------------------

A, J = "Alex", "Jo"


def opening(voice: bool = False) -> list[tuple[str, list[Any]]]:
    """Names (Alex then Jo) and consent from both."""
    return [
        ("names.ask_first", [Line(None, "My name is Alex, and today was long.", 3.0, voice=voice)]),
        ("names.ask_second", [Line(None, "I'm Jo. Work was busy but fine.", 3.0, voice=voice)]),
        ("consent.ask", [Line(None, "Yes.", 0.5)]),
        ("consent.ask", [Line(None, "Yes, I am.", 0.8)]),
    ]


def first_is(name: str) -> list[tuple[str, list[Any]]]:
    return [("first.ask", [Line(name, "Me, I'll go first.", 1.2)])]


def turn(sharer: str, listener: str, share: str, reflection: str) -> list[tuple[str, list[Any]]]:
    """Steps 5-8 for one sharer, everything landing first time."""
    return [
        ("share.invite", [Line(sharer, share, 6.0), Line(None, "That's it.", 0.6)]),
        ("share.more", [Line(None, "No, that's all.", 0.8)]),
        ("reflect.invite", [Line(listener, reflection, 4.0)]),
        ("reflect.check", [Line(None, "Yes.", 0.5)]),
        ("acknowledge.invite", [Line(listener, "It must have hurt, and I had a part in it.", 3.0)]),
        ("reassure.invite", [Line(listener, "I care about you, and I want us to be close.", 3.0)]),
    ]


def switch_turn(sharer: str, listener: str, share: str, reflection: str) -> list[tuple[str, list[Any]]]:
    cues = turn(sharer, listener, share, reflection)
    return [("switch.roles", cues[0][1])] + cues[1:]


def closing(complete: tuple[str, str] = ("Yes.", "Yes, I do.")) -> list[tuple[str, list[Any]]]:
    return [("reconnect.ask", [Line(None, complete[0], 0.6)]),
            ("reconnect.ask", [Line(None, complete[1], 0.6)])]


SHARE_A = "I felt hurt and alone when you came home late without calling."
REFLECT_J = "You felt hurt and alone when I came home late and didn't call."
SHARE_J = "I felt scared when the shouting started, and I froze."
REFLECT_A = "You felt scared when I raised my voice, and you froze."


def whole_session(voice: bool = False) -> list[tuple[str, list[Any]]]:
    return (
        opening(voice) + first_is(A) + turn(A, J, SHARE_A, REFLECT_J)
        + switch_turn(J, A, SHARE_J, REFLECT_A) + closing()
    )
