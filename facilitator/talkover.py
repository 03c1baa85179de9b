"""A second voice inside the floor holder's utterance: the run of windows nearer the other person.

Pure: it reads the matcher's window attributions (``Heard.windows``, ~1.5 s every 0.5 s). Measured
on simulated couples (scripts/bench_overlap.py): while only the floor holder speaks, no two
consecutive windows lean toward the other voice, even by a little; a talk-over of 2 s or more
mostly makes them lean that way, though rarely past the attribution threshold, because both
voices are in the window. So the run is the signal, and the known floor holder is what allows a
lower bar than attributing an unknown voice.
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
