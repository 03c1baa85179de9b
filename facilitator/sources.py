"""File-backed audio sources: a recording played into the listening loop instead of a microphone."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, SAMPLE_RATE, Audio, load_audio


class AudioFileSource:
    """Yields a recording in BLOCK_SAMPLES blocks, as fast as they are read (stream time, not wall time).

    After the recording it yields silence for ``silence_after_s`` (None: forever), so a listener's
    timeouts, counted in stream time, still pass once the recording is over.
    """

    def __init__(self, audio: Audio, *, silence_after_s: float | None = 0.0) -> None:
        """Wrap float32 mono audio at SAMPLE_RATE."""
        self.audio = np.ascontiguousarray(audio, dtype=np.float32)
        self.silence_after_s = silence_after_s

    @classmethod
    def from_file(cls, path: str | Path, *, silence_after_s: float | None = 0.0) -> AudioFileSource:
        """Read a wav, flac or mp3 file (any rate, folded to mono).

        Raises:
            AudioFileError: the file is missing, unreadable or empty.
        """
        return cls(load_audio(path), silence_after_s=silence_after_s)

    def blocks(self) -> Iterator[Audio]:
        """The recording in blocks (the last one zero-padded), then the trailing silence."""
        for start in range(0, self.audio.size, BLOCK_SAMPLES):
            block = self.audio[start : start + BLOCK_SAMPLES]
            if block.size < BLOCK_SAMPLES:
                block = np.pad(block, (0, BLOCK_SAMPLES - block.size))
            yield block
        silence = np.zeros(BLOCK_SAMPLES, dtype=np.float32)
        if self.silence_after_s is None:
            while True:
                yield silence
        for _ in range(int(np.ceil(self.silence_after_s * SAMPLE_RATE / BLOCK_SAMPLES))):
            yield silence
