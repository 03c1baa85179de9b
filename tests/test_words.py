"""tests/words.py, the share-of-words measure the speech tests use instead of exact transcripts."""

from __future__ import annotations

import pytest
from words import precision, recall


def test_recall_counts_each_heard_word_once() -> None:
    assert recall("And so my fellow Americans", "And so am I fellow Americans.") == pytest.approx(0.8)
    assert recall("the the dog", "the dog") == pytest.approx(2 / 3)  # one "the" heard, not two
    assert recall("Hello, there!", "hello there") == 1.0  # case and punctuation do not count
    assert recall("", "anything") == 1.0 and recall("something", "") == 0.0


def test_precision_is_the_share_of_heard_words_that_were_expected() -> None:
    prompt = "I can hear you again. Let's go on."
    assert precision(prompt, "I can hear you") == 1.0  # a recording cut before the prompt ended
    assert precision(prompt, "I can see the sea") == pytest.approx(2 / 5)
    assert precision(prompt, "") == 0.0
