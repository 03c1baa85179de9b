"""Smart Turn v3.2 (the ONNX file inside pipecat-ai) behind the TurnDetector port.

The model hears the last 8 s of a turn and gives the probability that it sounds finished. Input as
MODELS.md describes: 16 kHz audio, the last 8 s (zero-padded at the start when shorter), normalised
to zero mean and unit variance, then faster-whisper's own FeatureExtractor(feature_size=80), first
800 frames. pipecat itself is never imported (it pulls a web stack); only its file is used.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio
from facilitator.errors import ModelError
from facilitator.models import smart_turn, verify

WINDOW_S = 8
"""Seconds of the turn's end the model hears."""

FRAMES = 800
"""Feature frames the model takes (10 ms each)."""


class SmartTurn:
    """Probability that a turn sounds complete, from its audio (about 0.1 s per call on one core)."""

    def __init__(self, threads: int = 1) -> None:
        """Load the sha256-checked model.

        Raises:
            ModelError: the model file is missing, changed or not loadable, or onnxruntime is missing.
        """
        model = smart_turn()
        verify(model)
        try:
            import onnxruntime
            from faster_whisper.feature_extractor import FeatureExtractor
        except ImportError as exc:
            raise ModelError(
                "onnxruntime or faster-whisper is missing; run ./setup.sh again to install them."
            ) from exc
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 4
        try:
            self._session: Any = onnxruntime.InferenceSession(
                str(model.files[0].path), sess_options=options, providers=["CPUExecutionProvider"]
            )
        except Exception as exc:  # onnxruntime raises its own exception types for a bad file
            raise ModelError(
                f"Cannot load the end-of-turn model {model.files[0].path} ({type(exc).__name__}); "
                f"{model.fix}."
            ) from exc
        self._features: Any = FeatureExtractor(feature_size=80)

    def complete_prob(self, audio: Audio) -> float:
        """Probability (0-1) that the turn whose audio this is sounds finished."""
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        window = WINDOW_S * SAMPLE_RATE
        samples = samples[-window:]
        if samples.size < window:
            samples = np.pad(samples, (window - samples.size, 0))
        samples = (samples - samples.mean()) / np.sqrt(samples.var() + 1e-7)
        features = np.asarray(self._features(samples.astype(np.float32)), dtype=np.float32)[:, :FRAMES]
        if features.shape[1] < FRAMES:
            features = np.pad(features, ((0, 0), (0, FRAMES - features.shape[1])))
        (logits,) = self._session.run(None, {"input_features": features[np.newaxis]})
        return float(np.asarray(logits).reshape(-1)[0])


def load_turn_detector(mode: str, warn: Callable[[str], None]) -> SmartTurn | None:
    """The end-of-turn model when ``mode`` is "model"; None (the silence rule) otherwise.

    A missing or broken model is never fatal: ``warn`` gets one line saying so and how to fix it,
    and the silence rule is used.
    """
    if mode != "model":
        return None
    try:
        return SmartTurn()
    except ModelError as exc:
        warn(f"Ending turns by silence instead of the end-of-turn model: {exc}")
        return None
