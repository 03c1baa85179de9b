"""Two minutes of real noise and room sound into the virtual microphone: no phantom utterance
(the 30-minute run is scripts/soak.py). Speech played near the end proves the listener hears."""

from __future__ import annotations

import pytest
from soak import soak
from words import recall

from facilitator.audio import load_audio

pytestmark = pytest.mark.e2e  # real time on the virtual sound card: `pytest -m "not e2e"` skips it

JFK = (
    "And so my fellow Americans, ask not what your country can do for you, "
    "ask what you can do for your country."
)


def test_two_minutes_of_noise_give_no_phantom_utterance(room, shared_data) -> None:
    speech = load_audio(shared_data / "speech" / "faster-whisper" / "jfk.flac")
    result = soak(room.card, minutes=2.0, mic=room.mic, control=speech * 0.5)
    assert result.exit_code == 0, result.output
    assert result.consumed_s > 110  # the listener's stream took the sound in real time
    assert result.noise_s > 30
    assert result.phantoms == [], result.phantoms
    # The control speech (jfk.flac at half level over the room sound) is heard: half its words
    # printed proves the listener hears, with room for a processor's rounding and the cuts
    # between utterances; noise never yields half of that sentence.
    assert recall(JFK, " ".join(result.control)) >= 0.5, result.output
    assert result.growth < 0.10, result.rss_mb
