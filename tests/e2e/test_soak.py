"""Two minutes of real noise and room sound into the virtual microphone: no phantom utterance
(the 30-minute run is scripts/soak.py)."""

from __future__ import annotations

from soak import soak


def test_two_minutes_of_noise_give_no_phantom_utterance(room, shared_data) -> None:
    result = soak(room.card, minutes=2.0, mic=room.mic)
    assert result.exit_code == 0, result.output
    assert result.noise_s > 30
    assert result.phantoms == [], result.phantoms
    assert result.growth < 0.10, result.rss_mb
