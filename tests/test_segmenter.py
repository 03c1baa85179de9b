"""The segmenter fed synthetic probabilities: pure, no engines."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE
from facilitator.config import ListeningConfig
from facilitator.events import Utterance
from facilitator.segmenter import Cue, Lengths, Segmenter, VadState, transition

BLOCK_S = BLOCK_SAMPLES / SAMPLE_RATE

CONFIG = ListeningConfig(
    vad_threshold=0.5,
    vad_hysteresis=0.15,
    start_s=0.1,
    stop_s=0.5,
    pre_roll_s=0.064,
    post_roll_s=0.064,
    min_utterance_s=0.2,
    max_utterance_s=30.0,
)


def run(probs: list[float], config: ListeningConfig = CONFIG) -> tuple[list[Utterance], Segmenter]:
    """Push one block per probability; each block's samples hold its index, to check the audio."""
    seg = Segmenter(config)
    found = []
    for i, p in enumerate(probs):
        u = seg.push(p, np.full(BLOCK_SAMPLES, float(i), dtype=np.float32))
        if u is not None:
            found.append(u)
    return found, seg


def blocks_of(u: Utterance) -> list[int]:
    return sorted({int(x) for x in u.audio})


def test_one_utterance_with_pre_and_post_roll() -> None:
    probs = [0.0] * 5 + [0.9] * 10 + [0.0] * 30
    found, seg = run(probs)
    assert len(found) == 1
    u = found[0]
    # Speech is blocks 5..14; pre-roll 2 blocks (3, 4), post-roll 2 blocks (15, 16).
    assert blocks_of(u) == list(range(3, 17))
    assert u.start_s == pytest.approx(3 * BLOCK_S)
    assert u.end_s == pytest.approx(17 * BLOCK_S)
    assert u.audio.size == round((u.end_s - u.start_s) * SAMPLE_RATE)
    assert seg.state is VadState.QUIET
    assert seg.now_s == pytest.approx(len(probs) * BLOCK_S)


def test_short_pause_does_not_split_and_long_pause_does() -> None:
    pause_short = int(0.3 / BLOCK_S)  # under stop_s
    pause_long = int(0.8 / BLOCK_S)  # over stop_s
    probs = [0.9] * 10 + [0.0] * pause_short + [0.9] * 10 + [0.0] * pause_long + [0.9] * 10 + [0.0] * 30
    found, _ = run(probs)
    assert len(found) == 2
    assert found[0].duration_s > 0.9  # both stretches and the short pause between them


def test_unsure_probabilities_keep_the_current_state() -> None:
    # 0.4 lies between threshold-hysteresis (0.35) and threshold (0.5): it neither starts nor ends speech.
    found, seg = run([0.4] * 40)
    assert found == [] and seg.state is VadState.QUIET
    found, _ = run([0.9] * 10 + [0.4] * 40 + [0.0] * 30)
    assert len(found) == 1
    assert found[0].duration_s > 50 * BLOCK_S  # the unsure stretch stayed inside the utterance


def test_click_and_false_start_give_nothing() -> None:
    found, _ = run([0.0] * 5 + [0.9] * 2 + [0.0] * 30)  # 64 ms: under start_s
    assert found == []
    # Long enough to start, but speech shorter than min_utterance_s.
    cfg = replace(CONFIG, start_s=0.05, min_utterance_s=0.3)
    found, _ = run([0.0] * 5 + [0.9] * 4 + [0.0] * 30, cfg)
    assert found == []


def test_long_speech_is_cut_in_pieces_without_gaps() -> None:
    cfg = replace(CONFIG, max_utterance_s=5.0, pre_roll_s=0.0)
    n = int(12.0 / BLOCK_S)
    found, _ = run([0.9] * n + [0.0] * 30, cfg)
    assert len(found) == 3
    for a, b in zip(found, found[1:], strict=False):
        assert b.start_s == pytest.approx(a.end_s)
    assert found[0].duration_s == pytest.approx(5.0, abs=BLOCK_S)


def test_flush_returns_speech_in_progress_and_reset_moves_time() -> None:
    found, seg = run([0.0] * 3 + [0.9] * 20)
    assert found == [] and seg.in_speech
    last = seg.flush()
    assert last is not None and last.end_s == pytest.approx(23 * BLOCK_S)
    assert seg.state is VadState.QUIET
    seg.reset(100.0)
    assert seg.now_s == 100.0
    u = None
    for p in [0.9] * 10 + [0.0] * 30:
        u = seg.push(p, np.zeros(BLOCK_SAMPLES, dtype=np.float32)) or u
    assert u is not None and u.start_s >= 100.0 - CONFIG.pre_roll_s


def test_pre_roll_never_repeats_the_previous_utterance() -> None:
    cfg = replace(CONFIG, pre_roll_s=1.0, stop_s=0.32, post_roll_s=0.288)  # whole blocks
    gap = int(0.35 / BLOCK_S)
    found, _ = run([0.9] * 10 + [0.0] * gap + [0.9] * 10 + [0.0] * 30, cfg)
    assert len(found) == 2
    assert found[1].start_s >= found[0].end_s
    assert not set(blocks_of(found[0])) & set(blocks_of(found[1]))


def test_transition_table() -> None:
    lengths = Lengths.from_config(CONFIG, SAMPLE_RATE)
    assert transition(VadState.QUIET, Cue.SILENCE, 0, 0, lengths)[0] is VadState.QUIET
    assert transition(VadState.QUIET, Cue.SPEECH, 512, 0, lengths)[0] is VadState.STARTING
    assert transition(VadState.STARTING, Cue.SILENCE, 1024, 0, lengths)[0] is VadState.QUIET
    assert transition(VadState.STARTING, Cue.UNSURE, lengths.start, 0, lengths)[0] is VadState.SPEAKING
    assert transition(VadState.SPEAKING, Cue.SILENCE, 10_000, 512, lengths)[0] is VadState.STOPPING
    assert transition(VadState.STOPPING, Cue.SPEECH, 10_000, 0, lengths)[0] is VadState.SPEAKING
    state, action = transition(VadState.STOPPING, Cue.UNSURE, 20_000, lengths.stop, lengths)
    assert state is VadState.QUIET and action.value == "emit"
