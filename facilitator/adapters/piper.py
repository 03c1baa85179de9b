"""Piper text-to-speech behind the Synthesizer port: one float32 chunk per sentence."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from facilitator.audio import Audio
from facilitator.errors import InputError, ModelError
from facilitator.models import Model, resolve_voice, verify


class PiperSynthesizer:
    """A Piper voice, loaded once (about half a second), that speaks text sentence by sentence.

    Piper phonemizes the whole text, then runs the voice model once per sentence; yielding each
    sentence as soon as it is ready lets playback start while later sentences are synthesized
    (DOMAIN.md: "synthesize sentence by sentence so the first words start quickly").
    """

    sample_rate: int
    """Sample rate of the chunks (Hz): the voice's own rate, 22050 for en_US-joe-medium."""

    def __init__(
        self,
        model_path: str | Path,
        config_path: str | Path | None = None,
        *,
        length_scale: float | None = None,
        noise_scale: float | None = None,
        noise_w: float | None = None,
        volume: float = 1.0,
        sentence_pause_s: float = 0.2,
        threads: int = 1,
    ) -> None:
        """Load the voice.

        Args:
            model_path: The voice's .onnx file.
            config_path: Its .onnx.json (default: beside the model).
            length_scale: Phoneme length (above 1 is slower); None keeps the voice's own.
            noise_scale: Generator noise (voice texture); None keeps the voice's own.
            noise_w: Phoneme-width noise (rhythm variation); None keeps the voice's own.
            volume: Loudness multiplier after peak normalisation.
            sentence_pause_s: Silence appended to each sentence so sentences do not run together (s).
            threads: onnxruntime threads. One, without spin-waiting, gave the first sentence sooner
                (0.14 s against 0.21 s) and the whole paragraph in 60 % of the time on two cores
                shared with other work, as in a session where VAD and Whisper run too.

        Raises:
            ModelError: the voice cannot be loaded (missing, corrupt, or not a Piper voice).
        """
        try:
            import onnxruntime
            from piper import PiperVoice, SynthesisConfig
            from piper.config import PiperConfig
        except ImportError as exc:
            raise ModelError(
                "The piper-tts package is missing; run .venv/bin/python -m pip install piper-tts==1.8.0."
            ) from exc
        model = Path(model_path)
        config = Path(config_path) if config_path else model.with_name(model.name + ".json")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            settings = PiperConfig.from_dict(json.loads(config.read_text(encoding="utf-8")))
            session = onnxruntime.InferenceSession(
                str(model), sess_options=options, providers=["CPUExecutionProvider"]
            )
            self._voice: Any = PiperVoice(session=session, config=settings)
        except Exception as exc:  # onnxruntime and json raise many types; all mean "unusable voice"
            raise ModelError(
                f"Cannot load the Piper voice {model} ({type(exc).__name__}); reinstall it or give "
                "another voice."
            ) from exc
        self._config: Any = SynthesisConfig(
            length_scale=length_scale,
            noise_scale=noise_scale,
            noise_w_scale=noise_w,
            volume=volume,
        )
        self.sample_rate = int(self._voice.config.sample_rate)
        self._pause = np.zeros(int(round(sentence_pause_s * self.sample_rate)), dtype=np.float32)

    @classmethod
    def from_model(cls, model: Model, **options: Any) -> PiperSynthesizer:
        """Verify a catalogued voice's files (sha256) and load it; options go to the constructor."""
        verify(model)
        return cls(model.files[0].path, **options)

    def synthesize(self, text: str) -> Iterator[Audio]:
        """Yield float32 mono chunks at ``sample_rate``, one per sentence.

        Raises:
            InputError: the text has nothing to say.
        """
        if not text or not text.strip():
            raise InputError("There is no text to say; give some words.")
        for chunk in self._voice.synthesize(text, syn_config=self._config):
            audio = np.asarray(chunk.audio_float_array, dtype=np.float32).reshape(-1)
            if audio.size:
                yield np.concatenate([audio, self._pause]) if self._pause.size else audio


def load_voice(name_or_path: str | None = None, **options: Any) -> PiperSynthesizer:
    """The voice named in voices/catalogue.toml or given as a .onnx path (None: the bundled voice).

    Options (length_scale, noise_scale, noise_w, volume, sentence_pause_s) go to PiperSynthesizer.

    Raises:
        ModelError: unknown voice, or a file missing or not matching its sha256.
    """
    return PiperSynthesizer.from_model(resolve_voice(name_or_path), **options)
