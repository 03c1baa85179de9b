"""How much of what was said a transcript kept: for tests of what Whisper hears and Piper says.

Whisper's int8 matrix products are computed by oneDNN, which picks its kernels for the processor
at run time (AVX-512 with VNNI, AVX2, SSE4.1; NEON on ARM), and their rounding differs. On clean
speech the words come out the same; on cut, quiet or synthetic audio they need not: the listener's
cut of jfk.flac's opening reads "And so my fellow Americans" with AVX-512 VNNI and "And so am I
fellow Americans" with AVX2 (ONEDNN_MAX_CPU_ISA=AVX2 shows it on one machine). So no test compares
a transcript word for word. Each asks for a share of the expected words (``recall``), or that what
was heard is mostly the expected text (``precision``, for a recording cut short), and states the
share and its reason where it asks.
"""

from __future__ import annotations

from collections import Counter

from facilitator.adapters.whisper import normalise


def _words(text: str) -> list[str]:
    return normalise(text).split()


def _found(wanted: list[str], among: list[str]) -> int:
    left = Counter(among)
    found = 0
    for word in wanted:
        if left[word] > 0:
            left[word] -= 1
            found += 1
    return found


def recall(expected: str, heard: str) -> float:
    """Share of ``expected``'s words that ``heard`` has (a heard word counts once); 1.0 if none expected."""
    wanted = _words(expected)
    return _found(wanted, _words(heard)) / len(wanted) if wanted else 1.0


def precision(expected: str, heard: str) -> float:
    """Share of ``heard``'s words that ``expected`` has; 0.0 when nothing was heard."""
    got = _words(heard)
    return _found(got, _words(expected)) / len(got) if got else 0.0
