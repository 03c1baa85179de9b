"""The simulated room alone: cues, overlap, half-duplex accounting, with synthetic tones."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from facilitator.adapters.room import SimulatedRoom, load_conversation
from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE
from facilitator.errors import ScriptError

CONVERSATION = """
[voices.A]
pitch = 1.0
length_scale = 1.0
noise_scale = 0.5
noise_w_scale = 0.5
gain_db = -20.0

[voices.B]
pitch = 1.0
length_scale = 1.0
noise_scale = 0.5
noise_w_scale = 0.5
gain_db = -20.0

[[line]]
id = "a.one"
file = "a.wav"
who = "A"
text = "one"
after_prompt = "ask"
gap_s = 0.5

[[line]]
id = "a.two"
file = "a2.wav"
who = "A"
text = "two"
after_line = "a.one"
gap_s = 1.0
ends_turn = "handoff"

[[line]]
id = "b.over"
file = "b.wav"
who = "B"
text = "over"
during_line = "a.two"
at_s = 0.5

[[line]]
id = "b.answer"
file = "b2.wav"
who = "B"
text = "answer"
after_prompt = ["other", "ask"]
gap_s = 0.25
"""


def tone(freq: float, seconds: float) -> np.ndarray:
    t = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    return (0.3 * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.fixture
def room(tmp_path: Path) -> SimulatedRoom:
    (tmp_path / "conversation.toml").write_text(CONVERSATION)
    audio = {
        "a.one": tone(300, 1.0), "a.two": tone(300, 1.0), "b.over": tone(900, 1.0), "b.answer": tone(900, 0.5)
    }
    return SimulatedRoom(load_conversation(tmp_path), audio=audio, tail_s=1.0)


def read_s(blocks, seconds: float) -> np.ndarray:
    out = [next(blocks) for _ in range(int(round(seconds * SAMPLE_RATE / BLOCK_SAMPLES)))]
    return np.concatenate(out)


def level(audio: np.ndarray, start_s: float, end_s: float) -> float:
    part = audio[int(start_s * SAMPLE_RATE) : int(end_s * SAMPLE_RATE)]
    return float(np.sqrt(np.mean(part**2)))


def test_lines_play_on_cue_overlap_and_wait_in_order(room: SimulatedRoom) -> None:
    blocks = room.blocks()
    quiet = read_s(blocks, 1.024)
    assert level(quiet, 0, 1.0) < 0.01  # only room noise before any prompt
    room.prompt_done("unrelated")  # a prompt no line waits for changes nothing
    assert room.played == []
    room.facilitator_spoke("ask", 2.0)
    assert room.discard_pending() == 2 * SAMPLE_RATE and room.discard_pending() == 0
    room.prompt_done("ask")
    start = room.now_s
    placed = {p.line.id: (p.start_s - start, p.end_s - start) for p in room.played}
    assert placed["a.one"] == pytest.approx((0.5, 1.5))
    assert placed["a.two"] == pytest.approx((2.5, 3.5))
    assert placed["b.over"] == pytest.approx((3.0, 4.0))
    heard = read_s(blocks, 4.608)
    assert level(heard, 0.0, 0.45) < 0.01
    assert level(heard, 0.6, 1.4) > 0.15  # a.one
    assert level(heard, 1.6, 2.4) < 0.01  # the pause inside the turn
    assert level(heard, 3.1, 3.4) > 0.25  # two voices mixed
    assert room.speaking_at(start + 3.2) == ["A", "B"]
    # b.answer waits for the next "ask" (or "other") after a.one was placed.
    assert [line.id for line in room.waiting] == ["b.answer"]
    room.prompt_done("other")
    assert room.waiting == ()
    rest = list(blocks)  # the stream ends tail_s after the last line
    assert 1.0 <= len(rest) * BLOCK_SAMPLES / SAMPLE_RATE <= 2.0
    assert room.finished


def test_bad_conversation_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "conversation.toml"
    path.write_text(CONVERSATION.replace('during_line = "a.two"', 'during_line = "zz"'))
    with pytest.raises(ScriptError, match="zz"):
        load_conversation(tmp_path)
    path.write_text(CONVERSATION.replace('text = "one"', 'text = "one"\nvolume = 3'))
    with pytest.raises(ScriptError, match="volume"):
        load_conversation(tmp_path)


def test_builtin_conversation_loads_and_has_audio() -> None:
    conversation = load_conversation()
    assert set(conversation.voices) == {"Sam", "Alex"}
    room = SimulatedRoom(conversation)
    assert len(room.waiting) > 10
    total = sum((conversation.folder / line.file).stat().st_size for line in conversation.lines)
    assert total < 3_000_000


def test_a_session_that_went_another_way_ends_the_stream(tmp_path: Path) -> None:
    (tmp_path / "conversation.toml").write_text(CONVERSATION)
    audio = {key: tone(300, 0.5) for key in ("a.one", "a.two", "b.over", "b.answer")}
    room = SimulatedRoom(load_conversation(tmp_path), audio=audio, stall_s=2.0)
    room.prompt_done("something else")
    seconds = sum(block.size for block in room.blocks()) / SAMPLE_RATE
    assert 2.0 <= seconds < 2.1 and [line.id for line in room.waiting] == ["a.one", "b.answer"]


def test_latency_and_talk_over_are_read_from_the_timeline(room: SimulatedRoom) -> None:
    from facilitator.commands.demo import DemoRun, Spoken

    room.prompt_done("ask")  # a.one 0.5-1.5, a.two 2.5-3.5, b.over 3.0-4.0 (from stream 0)
    spoken = [
        Spoken("ask", "?", 0.0, 0.0, 0.0),
        Spoken("over.b", "please", 3.8, 4.5, 0.2),  # starts while b.over still sounds
        Spoken("after", "thanks", 4.7, 5.0, 0.3, backlog_s=0.1),
    ]
    run = DemoRun(outcome=None, room=room, spoken=spoken, heard=[])  # type: ignore[arg-type]
    [latency] = run.latencies()
    assert (latency.line_id, latency.prompt_id) == ("a.two", "over.b")
    assert latency.wait_s == pytest.approx(0.3) and latency.total_s == pytest.approx(0.5)
    assert [(s.prompt_id, who) for s, who in run.talked_over()] == [("over.b", ["B"])]


def test_backlog_grows_when_the_consumer_is_slower_than_the_audio(tmp_path: Path) -> None:
    (tmp_path / "conversation.toml").write_text(CONVERSATION)
    audio = {key: tone(300, 0.5) for key in ("a.one", "a.two", "b.over", "b.answer")}
    wall = [100.0]
    room = SimulatedRoom(load_conversation(tmp_path), audio=audio, wall=lambda: wall[0])
    blocks = room.blocks()
    block_s = BLOCK_SAMPLES / SAMPLE_RATE
    for _ in range(10):  # faster than real time: a live run waits for the microphone, no backlog
        next(blocks)
        wall[0] += block_s / 2
    assert room.backlog_s == 0.0
    wall[0] += 1.0  # one long computation (Whisper, say) on the last block
    next(blocks)
    assert room.backlog_s == pytest.approx(1.0 - block_s + block_s / 2)
    for _ in range(200):  # fast again: the backlog drains at half a block per block
        next(blocks)
        wall[0] += block_s / 2
    assert room.backlog_s == 0.0
    wall[0] += 5.0
    room.facilitator_spoke("p", 2.0)  # the facilitator's prompt re-aligns live and stream time
    assert room.backlog_s == 0.0
    next(blocks)
    assert room.backlog_s == 0.0
