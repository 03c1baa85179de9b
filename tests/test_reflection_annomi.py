"""The judge on real counselling dialogue (AnnoMI dev, ../shared/data): a floor, not the benchmark."""

from __future__ import annotations

import csv
from pathlib import Path

from facilitator.reflection import judge

KINDS = {"reflection", "question", "therapist_input"}


def test_annomi_reflections_are_told_from_questions_and_input(shared_data: Path) -> None:
    with (shared_data / "reflections" / "annomi-dev.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    hits = accepted = reflections = 0
    for before, row in zip(rows, rows[1:], strict=False):
        if before["transcript_id"] != row["transcript_id"] or before["interlocutor"] != "client":
            continue
        behaviour = row["main_therapist_behaviour"]
        if row["interlocutor"] != "therapist" or behaviour not in KINDS:
            continue
        verdict = judge(before["utterance_text"], row["utterance_text"])
        reflections += behaviour == "reflection"
        accepted += verdict.accepted
        hits += verdict.accepted and behaviour == "reflection"
    assert reflections > 900
    # scripts/bench_reflection.py prints the figures (0.73 / 0.72 when written); this guards a floor.
    assert hits / reflections >= 0.65
    assert hits / accepted >= 0.65
