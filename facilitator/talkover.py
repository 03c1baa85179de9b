"""A second voice inside the floor holder's utterance: the run of windows nearer the other person.

Pure: it reads the matcher's window attributions (``Heard.windows``, ~1.5 s every 0.5 s). Measured
on simulated couples (scripts/overlap_signals.py, bench_overlap.py): while only the floor holder
speaks, two consecutive windows almost never lean toward the other voice; a talk-over of 2 s or
more often makes them lean that way, though less than a voice alone, because both voices are in
the window. Windows laid end to end rarely hold enough of the other voice; sliding ones do. The
bar per window is the default attribution margin (0.08), never the lower one calibrated for
close voices: at 0.03, single words of the listener brought reminders.
"""

from __future__ import annotations

from collections.abc import Iterable

from facilitator.events import Attribution


def leans_to(window: Attribution, other: str, lean: float) -> bool:
    """Whether ``window`` is nearer ``other``'s voice by at least ``lean`` (cosine)."""
    return (window.speaker == other or window.nearer == other) and window.margin >= lean


def longest_run(windows: Iterable[Attribution], other: str, lean: float) -> int:
    """The most consecutive windows leaning to ``other``."""
    best = run = 0
    for window in windows:
        run = run + 1 if leans_to(window, other, lean) else 0
        best = max(best, run)
    return best
