"""Silero VAD v6 (the ONNX file inside faster-whisper) behind the SpeechDetector port, streaming.

faster-whisper's own VAD function resets the model's recurrent state on every call, which is right
for a whole file and wrong for a microphone (STYLE.md). Here the LSTM state (h, c) and the last 64
samples of context are carried from one 512-sample block to the next; fed block by block, the
probabilities equal those of one pass over the whole recording.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from facilitator.audio import BLOCK_SAMPLES, Audio
from facilitator.errors import ModelError
from facilitator.models import silero_vad, verify

CONTEXT_SAMPLES = 64
"""Samples of the previous block the model sees before each new block (Silero's 16 kHz context)."""

STATE_SHAPE = (1, 1, 128)
"""Shape of each LSTM state tensor (h and c) of the v6 model."""


class SileroVad:
    """Speech probability per 32 ms block, with state carried across blocks (under 1 ms per block)."""

    def __init__(self, model_path: str | Path | None = None) -> None:
        """Load the model (default: the sha256-checked file bundled with faster-whisper).

        Raises:
            ModelError: the model file is missing, changed, or not loadable.
        """
        if model_path is None:
            model = silero_vad()
            verify(model)
            path = model.files[0].path
        else:
            path = Path(model_path)
        try:
            import onnxruntime
        except ImportError as exc:
            raise ModelError(
                "The onnxruntime package is missing; run .venv/bin/python -m pip install onnxruntime."
            ) from exc
        options = onnxruntime.SessionOptions()
        # One thread: a 512-sample block is far too small to gain from more, and the other core
        # is busy with Whisper or Piper.
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types for a bad file
            raise ModelError(
                f"Cannot load the voice-activity model {path} ({type(exc).__name__}); reinstall "
                "faster-whisper with .venv/bin/python -m pip install --force-reinstall faster-whisper==1.2.1."
            ) from exc
        self.reset()

    def reset(self) -> None:
        """Forget the recurrent state and context (a new stream)."""
        self._h = np.zeros(STATE_SHAPE, dtype=np.float32)
        self._c = np.zeros(STATE_SHAPE, dtype=np.float32)
        self._context = np.zeros(CONTEXT_SAMPLES, dtype=np.float32)

    def speech_prob(self, block: Audio) -> float:
        """Probability (0-1) that this block of BLOCK_SAMPLES samples holds speech.

        A shorter block (the end of a file) is padded with silence; a longer one is an error of
        the caller.
        """
        samples = np.asarray(block, dtype=np.float32).reshape(-1)
        if samples.size > BLOCK_SAMPLES:
            raise ValueError(f"a VAD block holds at most {BLOCK_SAMPLES} samples, got {samples.size}")
        if samples.size < BLOCK_SAMPLES:
            samples = np.pad(samples, (0, BLOCK_SAMPLES - samples.size))
        frame = np.concatenate([self._context, samples])[np.newaxis, :]
        prob, self._h, self._c = self._session.run(None, {"input": frame, "h": self._h, "c": self._c})
        self._context = samples[-CONTEXT_SAMPLES:].copy()
        return float(np.asarray(prob).reshape(-1)[0])
