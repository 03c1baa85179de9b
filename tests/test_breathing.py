"""The breathing plan (pure): patterns, validation, absolute cue times, the pacer."""

from __future__ import annotations

import pytest

from facilitator.breathing import (
    PATTERNS,
    CueKind,
    cycles_for_minutes,
    pacer_state,
    parse_pattern,
    plan_exercise,
)
from facilitator.errors import InputError


def test_builtin_patterns_have_the_documented_rhythm() -> None:
    assert PATTERNS["resonance"].label == "4-0-6-0"
    assert PATTERNS["box"].label == "4-4-4-4"
    assert PATTERNS["478"].label == "4-7-8-0"
    sigh = PATTERNS["sigh"]
    kinds = [p.kind for p in sigh.phases]
    assert kinds == [CueKind.INHALE, CueKind.TOP_UP, CueKind.EXHALE]
    inhale, top_up, exhale = (p.seconds for p in sigh.phases)
    assert top_up < inhale < exhale  # a short second inhale, a long exhale
    for pattern in PATTERNS.values():
        assert pattern.description.endswith(".")


def test_custom_pattern_forms() -> None:
    assert parse_pattern("4-7-8-0").label == "4-7-8-0"
    assert parse_pattern("5-5").label == "5-0-5-0"
    assert parse_pattern("4-2-6").label == "4-2-6-0"
    assert [p.kind for p in parse_pattern("4-0-6-2").phases] == [
        CueKind.INHALE, CueKind.EXHALE, CueKind.HOLD_OUT,
    ]
    assert parse_pattern(" BOX ").name == "box"
    assert parse_pattern("4.5-6.5").cycle_s == 11.0


def test_unknown_pattern_lists_the_known_ones() -> None:
    with pytest.raises(InputError) as err:
        parse_pattern("square")
    for name in ("resonance", "box", "478", "sigh", "IN-HOLD-OUT-HOLD"):
        assert name in str(err.value)


@pytest.mark.parametrize("text", ["0.5-6", "4-0.5-6", "21-6", "4-0-25", "4-0-6-0.2", "0-6"])
def test_phase_out_of_range_is_refused_with_the_range(text: str) -> None:
    with pytest.raises(InputError, match="use 1 to 20 s"):
        parse_pattern(text)


def test_cycles_and_minutes_out_of_range_are_refused_with_the_range() -> None:
    box = PATTERNS["box"]
    with pytest.raises(InputError, match="use 1 to 112 cycles"):
        plan_exercise(box, 0)
    with pytest.raises(InputError, match="use 1 to 112 cycles"):
        plan_exercise(box, 113)  # 113 x 16 s is over 30 minutes
    plan_exercise(box, 112)
    with pytest.raises(InputError, match="to 30 minutes"):
        cycles_for_minutes(box, 31)
    with pytest.raises(InputError, match="to 30 minutes"):
        cycles_for_minutes(box, 0)
    with pytest.raises(InputError, match="shorter than one"):
        cycles_for_minutes(box, 0.1)  # 6 s: not one 16 s cycle
    assert cycles_for_minutes(box, 0.1, at_least_one=True) == 1  # a session's short break
    with pytest.raises(InputError, match="to 30 minutes"):
        cycles_for_minutes(box, 0, at_least_one=True)
    assert cycles_for_minutes(PATTERNS["resonance"], 2) == 12
    assert cycles_for_minutes(PATTERNS["478"], 2) == 6  # 120 / 19 = 6.3


def test_cues_sit_on_absolute_times_without_drift() -> None:
    pattern = PATTERNS["478"]
    plan = plan_exercise(pattern, 94, intro_s=12.5, close_s=6.0)  # 29.8 minutes
    phases = plan.phase_cues()
    assert len(phases) == 94 * 3
    for cue in phases:
        offset = {CueKind.INHALE: 0, CueKind.HOLD_IN: 4, CueKind.EXHALE: 11}[cue.kind]
        # Exactly where the cycle index says, not a running sum of durations.
        assert cue.start_s == 12.5 + (cue.cycle - 1) * 19 + offset
        assert cue.words
    assert plan.cues[0].kind == CueKind.INTRO and plan.cues[0].start_s == 0.0
    assert plan.cues[-1].kind == CueKind.CLOSE
    assert plan.breathing_end_s == plan.cues[-1].start_s == 12.5 + 94 * 19
    assert plan.end_s == plan.breathing_end_s + 6.0
    starts = [c.start_s for c in plan.cues]
    assert starts == sorted(starts)


def test_counting_adds_a_cue_each_whole_second_after_the_first() -> None:
    plan = plan_exercise(PATTERNS["resonance"], 2, count=True)
    first_cycle = [(c.kind, c.start_s, c.words) for c in plan.cues if c.cycle == 1]
    assert first_cycle == [
        (CueKind.INHALE, 0.0, "Breathe in."),
        (CueKind.COUNT, 1.0, "Two."),
        (CueKind.COUNT, 2.0, "Three."),
        (CueKind.COUNT, 3.0, "Four."),
        (CueKind.EXHALE, 4.0, "And out."),
        (CueKind.COUNT, 5.0, "Two."),
        (CueKind.COUNT, 6.0, "Three."),
        (CueKind.COUNT, 7.0, "Four."),
        (CueKind.COUNT, 8.0, "Five."),
        (CueKind.COUNT, 9.0, "Six."),
    ]
    sigh = plan_exercise(PATTERNS["sigh"], 1, count=True)
    counts = [c.start_s for c in sigh.cues if c.kind == CueKind.COUNT]
    assert counts == [1.0, 2.0, 5.0, 6.0, 7.0, 8.0, 9.0]  # the 1 s top-up (3-4 s) has none


def test_pacer_grows_on_inhale_and_shrinks_on_exhale() -> None:
    plan = plan_exercise(PATTERNS["box"], 2, intro_s=10.0, close_s=5.0)
    assert pacer_state(plan, 5.0).label == ""
    assert pacer_state(plan, 5.0).phase_left_s == pytest.approx(5.0)
    inhale = [pacer_state(plan, 10.0 + t) for t in (0.0, 1.0, 2.0, 3.9)]
    assert [s.label for s in inhale] == ["breathe in"] * 4
    levels = [s.level for s in inhale]
    assert levels == sorted(levels) and levels[0] == 0.0 and levels[-1] > 0.9
    assert pacer_state(plan, 11.0).phase_left_s == pytest.approx(3.0)
    hold = [pacer_state(plan, 14.0 + t) for t in (0.0, 2.0, 3.9)]
    assert [s.label for s in hold] == ["hold"] * 3 and all(s.level == 1.0 for s in hold)
    exhale = [pacer_state(plan, 18.0 + t).level for t in (0.5, 2.0, 3.5)]
    assert exhale == sorted(exhale, reverse=True) and exhale[-1] < 0.2
    assert pacer_state(plan, 23.0).label == "rest" and pacer_state(plan, 23.0).level == 0.0
    assert pacer_state(plan, 26.0).label == "breathe in"  # second cycle
    assert pacer_state(plan, 43.0).label == ""  # the close
    assert pacer_state(plan, 43.0).total_left_s == pytest.approx(4.0)


def test_sigh_pacer_tops_up_after_the_first_inhale() -> None:
    plan = plan_exercise(PATTERNS["sigh"], 1)
    assert pacer_state(plan, 2.9).label == "breathe in"
    assert 0.7 < pacer_state(plan, 2.9).level < 0.8
    top = pacer_state(plan, 3.5)
    assert top.label == "a little more" and 0.8 < top.level < 1.0
    assert pacer_state(plan, 4.0).label == "breathe out"
