"""The virtual sound card itself: PortAudio sees it, the microphone and speaker carry exact sound,
and an unplugged microphone is visible to sounddevice and to facilitator's Microphone."""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
from audio_rig import RATE

pytestmark = pytest.mark.e2e  # real time on the virtual sound card: `pytest -m "not e2e"` skips it


def test_sounddevice_lists_a_default_microphone_and_speaker(room) -> None:
    (listing,) = room.probe("devices")
    devices = listing["devices"]
    default_in, default_out = listing["default"]
    assert devices[default_in]["max_input_channels"] >= 1
    assert devices[default_out]["max_output_channels"] >= 1


def test_the_microphone_records_exactly_what_is_written(room, tmp_path) -> None:
    room.mic.bed = np.zeros(RATE, dtype=np.float32)  # digital silence around the clip
    rng = np.random.default_rng(5)
    clip = (rng.standard_normal(RATE) * 0.1).astype(np.float32)
    out = tmp_path / "heard.npy"
    proc = room.start_probe("record", "3.0", str(out))
    time.sleep(1.0)
    room.mic.say(clip)
    proc.wait(timeout=30)
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
    heard = np.load(out)
    expected = (np.clip(clip, -1, 1) * 32767).astype(np.int16)
    start = int(np.argmax(np.abs(heard) > 0))
    assert heard.size - start >= expected.size, "the recording ended inside the clip"
    assert np.array_equal(heard[start : start + expected.size], expected)


def test_what_is_played_reaches_the_recorded_speaker(room) -> None:
    before = time.monotonic()
    (started, ended) = room.probe("play", "440", "0.5")
    time.sleep(0.3)
    onset = room.speaker.first_sound_after(before)
    assert onset is not None and onset >= started["started"] - 0.05
    a = room.speaker.sample_at(onset)
    tone = room.speaker.audio()[a : a + RATE // 2]
    spectrum = np.abs(np.fft.rfft(tone * np.hanning(tone.size)))
    assert abs(np.fft.rfftfreq(tone.size, 1 / RATE)[int(np.argmax(spectrum))] - 440) < 5
    loud, n = room.speaker.loud_frames()
    assert 0.4 <= loud.sum() * n / RATE <= 0.7  # the tone, once, about its length


def test_an_unplugged_microphone_ends_the_stream_and_a_new_one_opens_after_plug(room) -> None:
    proc = room.start_probe("lose", "6")
    time.sleep(2.0)
    room.card.unplug()
    unplugged = time.monotonic()
    time.sleep(2.0)
    room.card.plug()
    out, err = proc.communicate(timeout=60)
    events = [json.loads(line) for line in out.splitlines()]
    polls = [e for e in events if "active" in e]
    before = [p for p in polls if p["t"] < unplugged - 0.2]
    after = [p for p in polls if p["t"] > unplugged + 0.5]
    assert before and all(p["active"] for p in before)
    # PortAudio's ALSA host: the callback stream stops; no status flag, no exception in the callback.
    assert after and not any(p["active"] for p in after)
    last_block = after[-1]["last_block"]
    assert last_block is not None and last_block < unplugged + 0.2
    assert not any(p["statuses"] for p in polls)
    assert after[-1]["finished"] is not None  # sounddevice's finished_callback ran
    assert events[-1] == {"reopened": True}  # plugged back in: a new stream opens, no re-init needed


def test_facilitators_microphone_says_lost_and_reads_again_after_plug(room) -> None:
    proc = room.start_probe("adapter", "9")
    time.sleep(2.5)
    room.card.unplug()
    time.sleep(3.0)
    room.card.plug()
    plugged = time.monotonic()
    out, err = proc.communicate(timeout=60)
    events = [json.loads(line) for line in out.splitlines()]
    lost = [e for e in events if "lost" in e]
    assert lost, err
    assert "microphone" in lost[0]["lost"]
    assert any(e.get("reading") and e["t"] > plugged + 0.5 for e in events)
