"""Pieces of the sounddevice adapter that need no device: the block-by-block resampler."""

from __future__ import annotations

import numpy as np
import pytest

from facilitator.adapters.soundcard import StreamResampler


@pytest.mark.parametrize("from_rate", [48000, 44100, 22050])
def test_stream_resampler_joins_blocks_without_clicks(from_rate: int) -> None:
    seconds = 1.0
    t = np.arange(int(from_rate * seconds)) / from_rate
    tone = (0.5 * np.sin(2 * np.pi * 440.0 * t)).astype(np.float32)
    resampler = StreamResampler(from_rate, 16000)
    block = int(512 * from_rate / 16000)
    out = np.concatenate([resampler.process(tone[i : i + block]) for i in range(0, tone.size, block)])
    assert out.size == pytest.approx(16000 * seconds, abs=2)
    # The filter delays by (63 - 1) / 2 input samples; compare with the ideal tone at 16 kHz.
    delay_s = 31 / from_rate
    t16 = np.arange(out.size) / 16000 - delay_s
    ideal = 0.5 * np.sin(2 * np.pi * 440.0 * t16)
    settled = slice(200, out.size - 10)
    assert np.max(np.abs(out[settled] - ideal[settled])) < 0.02
