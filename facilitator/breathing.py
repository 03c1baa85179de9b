"""The breathing plan: patterns, their validation, and every cue's absolute start time (pure).

A plan is data: the intro, one cue per phase change (and, with counting, one per whole second),
and the close, each with its start in seconds from the start of the exercise. Rendering and live
playback (breathing_audio.py) place cues at these absolute times, never "after the previous cue
finished", so speech length cannot accumulate into drift (issue 3, DOMAIN.md "Breathing").
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from enum import Enum

from facilitator.errors import InputError

MIN_PHASE_S = 1.0
"""Shortest phase accepted (s); a hold of 0 means "no hold" and is allowed."""
MAX_PHASE_S = 20.0
"""Longest phase accepted (s)."""
MAX_TOTAL_S = 30 * 60.0
"""Longest breathing time accepted, intro and close not counted (s)."""


class CueKind(Enum):
    """What a cue marks; the value is the name printed by ``--json``."""

    INTRO = "intro"
    INHALE = "inhale"
    TOP_UP = "top-up inhale"
    HOLD_IN = "hold"
    EXHALE = "exhale"
    HOLD_OUT = "rest"
    COUNT = "count"
    CLOSE = "close"


PHASE_KINDS = (CueKind.INHALE, CueKind.TOP_UP, CueKind.HOLD_IN, CueKind.EXHALE, CueKind.HOLD_OUT)
"""Kinds that are breathing phases (the pacer follows these)."""

PHASE_LABELS = {
    CueKind.INHALE: "breathe in",
    CueKind.TOP_UP: "a little more",
    CueKind.HOLD_IN: "hold",
    CueKind.EXHALE: "breathe out",
    CueKind.HOLD_OUT: "rest",
}
"""What the terminal pacer shows during each phase."""

PHASE_WORDS = {
    CueKind.INHALE: "Breathe in.",
    CueKind.TOP_UP: "A little more.",
    CueKind.HOLD_IN: "Hold.",
    CueKind.EXHALE: "And out.",
    CueKind.HOLD_OUT: "Rest.",
}
"""The short spoken cue at each phase change (each under a second with the default voice)."""

_NUMBER_WORDS = (
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty"
).split()


def number_word(n: int) -> str:
    """The English word for a whole number 0-20 (counting and the intro)."""
    return _NUMBER_WORDS[n]


@dataclass(frozen=True)
class Phase:
    """One phase of a breathing cycle."""

    kind: CueKind
    seconds: float
    """Length of the phase (s)."""
    level: float
    """How full the lungs are at the end of the phase (0 empty - 1 full), for the pacer."""
    words: str
    """What is said when the phase starts."""


@dataclass(frozen=True)
class Pattern:
    """A named breathing cycle."""

    name: str
    phases: tuple[Phase, ...]
    description: str
    """One calm sentence for the intro, saying how the breath will go."""

    @property
    def cycle_s(self) -> float:
        """Length of one cycle (s)."""
        return sum(p.seconds for p in self.phases)

    @property
    def label(self) -> str:
        """The pattern as IN-HOLD-OUT-HOLD seconds, e.g. ``4-0-6-0`` (sigh: ``3+1-0-6-0``)."""
        ins = [p.seconds for p in self.phases if p.kind in (CueKind.INHALE, CueKind.TOP_UP)]
        hold = sum(p.seconds for p in self.phases if p.kind == CueKind.HOLD_IN)
        out = sum(p.seconds for p in self.phases if p.kind == CueKind.EXHALE)
        rest = sum(p.seconds for p in self.phases if p.kind == CueKind.HOLD_OUT)
        return "-".join(["+".join(_fmt(s) for s in ins), _fmt(hold), _fmt(out), _fmt(rest)])


def _fmt(seconds: float) -> str:
    return f"{seconds:g}"


def _phase(kind: CueKind, seconds: float, level: float) -> Phase:
    return Phase(kind, float(seconds), level, PHASE_WORDS[kind])


def _spoken_s(seconds: float) -> str:
    return number_word(int(seconds)) if float(seconds).is_integer() and seconds <= 20 else _fmt(seconds)


def _standard(name: str, inhale: float, hold: float, exhale: float, rest: float) -> Pattern:
    phases = [_phase(CueKind.INHALE, inhale, 1.0)]
    if hold:
        phases.append(_phase(CueKind.HOLD_IN, hold, 1.0))
    phases.append(_phase(CueKind.EXHALE, exhale, 0.0))
    if rest:
        phases.append(_phase(CueKind.HOLD_OUT, rest, 0.0))
    parts = [f"in for {_spoken_s(inhale)}"]
    if hold:
        parts.append(f"hold for {_spoken_s(hold)}")
    parts.append(f"out for {_spoken_s(exhale)}")
    if rest:
        parts.append(f"rest for {_spoken_s(rest)}")
    description = "We'll breathe " + ", ".join(parts[:-1]) + f", and {parts[-1]}."
    return Pattern(name, tuple(phases), description)


def _sigh() -> Pattern:
    # Cyclic sighing (Balban et al. 2023): a full inhale through the nose, a short second inhale
    # on top of it, then a long, slow exhale through the mouth. 3+1 in, 6 out: six breaths a minute.
    phases = (
        _phase(CueKind.INHALE, 3.0, 0.8),
        _phase(CueKind.TOP_UP, 1.0, 1.0),
        Phase(CueKind.EXHALE, 6.0, 0.0, "Slowly out."),
    )
    description = (
        "Breathe in through your nose, then sip in a little more, "
        "and let it all go slowly through your mouth."
    )
    return Pattern("sigh", phases, description)


PATTERNS: dict[str, Pattern] = {
    "resonance": _standard("resonance", 4, 0, 6, 0),
    "box": _standard("box", 4, 4, 4, 4),
    "478": _standard("478", 4, 7, 8, 0),
    "sigh": _sigh(),
}
"""The built-in patterns by name."""

_CUSTOM = re.compile(r"^\d+(\.\d+)?(-\d+(\.\d+)?){1,3}$")


def parse_pattern(text: str) -> Pattern:
    """A built-in pattern by name, or a custom one as ``IN-HOLD-OUT-HOLD`` seconds.

    Custom forms: ``IN-OUT``, ``IN-HOLD-OUT`` or ``IN-HOLD-OUT-HOLD``; a hold of 0 means no hold.

    Raises:
        InputError: unknown name (the message lists the known ones), or a phase out of range.
    """
    name = text.strip().lower()
    if name in PATTERNS:
        return PATTERNS[name]
    if not _CUSTOM.match(name):
        known = ", ".join(PATTERNS)
        raise InputError(
            f"Unknown breathing pattern '{text}'; use one of {known}, or IN-HOLD-OUT-HOLD seconds "
            "such as 4-4-6-0."
        )
    values = [float(v) for v in name.split("-")]
    if len(values) == 2:
        values = [values[0], 0.0, values[1], 0.0]
    elif len(values) == 3:
        values.append(0.0)
    inhale, hold, exhale, rest = values
    for label, seconds, may_skip in (
        ("breathing in", inhale, False),
        ("the first hold", hold, True),
        ("breathing out", exhale, False),
        ("the second hold", rest, True),
    ):
        if may_skip and seconds == 0:
            continue
        if not MIN_PHASE_S <= seconds <= MAX_PHASE_S:
            zero = " (or 0 for no hold)" if may_skip else ""
            raise InputError(
                f"In the pattern '{text}', {label} lasts {_fmt(seconds)} s; use "
                f"{_fmt(MIN_PHASE_S)} to {_fmt(MAX_PHASE_S)} s{zero}."
            )
    return _standard(name, inhale, hold, exhale, rest)


def max_cycles(pattern: Pattern) -> int:
    """Most cycles of ``pattern`` that fit in MAX_TOTAL_S."""
    return max(1, int(MAX_TOTAL_S // pattern.cycle_s))


def check_cycles(pattern: Pattern, cycles: int) -> int:
    """Return ``cycles`` if allowed for ``pattern``.

    Raises:
        InputError: zero or negative cycles, or more than fit in 30 minutes; the message gives the range.
    """
    top = max_cycles(pattern)
    if not 1 <= cycles <= top:
        raise InputError(
            f"{cycles} cycles of '{pattern.name}' is not possible; use 1 to {top} cycles "
            f"(at most {MAX_TOTAL_S / 60:g} minutes)."
        )
    return cycles


def cycles_for_minutes(pattern: Pattern, minutes: float, *, at_least_one: bool = False) -> int:
    """The whole number of cycles nearest to ``minutes`` of breathing.

    Args:
        pattern: The breathing cycle.
        minutes: Breathing time (min).
        at_least_one: Give one cycle when ``minutes`` is shorter than half a cycle, instead of
            refusing (a session's step or break must not fail on a short configured length).

    Raises:
        InputError: minutes not above 0 or above 30, or so short that not one cycle fits.
    """
    shortest = pattern.cycle_s / 60.0
    limit = MAX_TOTAL_S / 60.0
    if not (minutes > 0 and minutes * 60.0 <= MAX_TOTAL_S + 1e-9) or math.isnan(minutes):
        raise InputError(
            f"{minutes:g} minutes is not possible; use {shortest:.2g} to {limit:g} minutes."
        )
    cycles = int(round(minutes * 60.0 / pattern.cycle_s))
    if cycles < 1 and at_least_one:
        cycles = 1
    if cycles < 1:
        raise InputError(
            f"{minutes:g} minutes is shorter than one '{pattern.name}' cycle; "
            f"use {shortest:.2g} to {limit:g} minutes."
        )
    return min(cycles, max_cycles(pattern))


@dataclass(frozen=True)
class Cue:
    """Something heard at an absolute time of the exercise."""

    kind: CueKind
    start_s: float
    """Scheduled start, seconds from the start of the exercise."""
    duration_s: float
    """Time until the next cue of the same sort (phase: until the next phase) (s)."""
    cycle: int
    """1-based breathing cycle; 0 for the intro and the close."""
    words: str
    """What is said at this cue ("" when nothing is said)."""
    level_from: float = 0.0
    """Pacer fullness at the start of the cue's phase (0-1)."""
    level_to: float = 0.0
    """Pacer fullness at its end (0-1)."""


@dataclass(frozen=True)
class Plan:
    """A whole exercise: intro, cycles of phase cues (and counts), close."""

    pattern: Pattern
    cycles: int
    cues: tuple[Cue, ...]
    breathing_start_s: float
    """When the first inhale starts (s): the intro's length."""
    breathing_end_s: float
    """When the last phase ends and the close starts (s)."""
    end_s: float
    """End of the exercise, close included (s)."""

    def phase_cues(self) -> tuple[Cue, ...]:
        """The breathing phases only, in order."""
        return tuple(c for c in self.cues if c.kind in PHASE_KINDS)


INTRO_OPENING = "Let's take a little time to breathe together. Settle in, and close your eyes if you like."
"""The first sentence(s) of the intro; the pattern's description follows."""
INTRO_HINT = "I'll say each change, and a soft tone will mark it too."
"""The last intro sentence when tones are on."""
INTRO_HINT_VOICE_ONLY = "I'll say each change as it comes."
"""The last intro sentence without tones."""
CLOSE_WORDS = "That's it. Let your breath find its own pace again, and notice how you feel."
"""Said after the last cycle."""


def intro_words(pattern: Pattern, *, tones: bool = True) -> str:
    """The spoken intro for ``pattern``."""
    hint = INTRO_HINT if tones else INTRO_HINT_VOICE_ONLY
    return f"{INTRO_OPENING} {pattern.description} {hint}"


def plan_exercise(
    pattern: Pattern,
    cycles: int,
    *,
    intro_s: float = 0.0,
    close_s: float = 0.0,
    count: bool = False,
    intro: str | None = None,
    close: str | None = None,
) -> Plan:
    """Lay out the exercise on absolute times.

    Args:
        pattern: The breathing cycle.
        cycles: How many cycles (checked against the 30-minute limit).
        intro_s: Time given to the intro before the first inhale (s); 0: no intro cue.
        close_s: Time given to the close after the last phase (s); 0: no close cue.
        count: Add a COUNT cue at each whole second after a phase's first (soft counting).
        intro: Intro words (default: ``intro_words(pattern)``).
        close: Close words (default: CLOSE_WORDS).

    Raises:
        InputError: cycles out of range.
    """
    check_cycles(pattern, cycles)
    cues: list[Cue] = []
    if intro_s > 0:
        cues.append(Cue(CueKind.INTRO, 0.0, intro_s, 0, intro_words(pattern) if intro is None else intro))
    offsets = []
    t = 0.0
    for phase in pattern.phases:
        offsets.append(t)
        t += phase.seconds
    cycle_s = pattern.cycle_s
    level = 0.0
    for c in range(cycles):
        # Each start is computed from the cycle index, not by adding durations cue after cue,
        # so float rounding cannot pile up over a 30-minute exercise.
        base = intro_s + c * cycle_s
        for phase, offset in zip(pattern.phases, offsets, strict=True):
            start = base + offset
            cues.append(
                Cue(phase.kind, start, phase.seconds, c + 1, phase.words, level, phase.level)
            )
            level = phase.level
            if count:
                for k in range(2, int(math.floor(phase.seconds + 1e-9)) + 1):
                    said = number_word(k).capitalize() + "."
                    cues.append(Cue(CueKind.COUNT, start + k - 1, 1.0, c + 1, said))
    breathing_end = intro_s + cycles * cycle_s
    if close_s > 0:
        cues.append(Cue(CueKind.CLOSE, breathing_end, close_s, 0, CLOSE_WORDS if close is None else close))
    return Plan(pattern, cycles, tuple(cues), intro_s, breathing_end, breathing_end + close_s)


@dataclass(frozen=True)
class PacerState:
    """What the pacer shows at one moment."""

    label: str
    """The phase's name ("breathe in", "hold", ...), or "" before and after the breathing."""
    level: float
    """How full the bar is (0-1)."""
    phase_left_s: float
    """Time left in this phase (s)."""
    total_left_s: float
    """Time left in the whole exercise (s)."""


def pacer_state(plan: Plan, t_s: float) -> PacerState:
    """The pacer at ``t_s`` seconds into the exercise (linear fill on inhale, empty on exhale)."""
    total_left = max(0.0, plan.end_s - t_s)
    if t_s < plan.breathing_start_s:
        return PacerState("", 0.0, plan.breathing_start_s - t_s, total_left)
    if t_s >= plan.breathing_end_s:
        return PacerState("", 0.0, 0.0, total_left)
    phases = plan.phase_cues()
    # Phases are evenly spaced by cycle: find the cycle, then the phase within it.
    per_cycle = len(plan.pattern.phases)
    c = min(int((t_s - plan.breathing_start_s) // plan.pattern.cycle_s), plan.cycles - 1)
    cue = phases[c * per_cycle]
    for candidate in phases[c * per_cycle : (c + 1) * per_cycle]:
        if candidate.start_s <= t_s:
            cue = candidate
    frac = min(1.0, max(0.0, (t_s - cue.start_s) / cue.duration_s))
    level = cue.level_from + (cue.level_to - cue.level_from) * frac
    left = cue.start_s + cue.duration_s - t_s
    return PacerState(PHASE_LABELS[cue.kind], level, left, total_left)
