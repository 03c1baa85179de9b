"""faster-whisper behind the Transcriber port, with a filter for the text Whisper invents from noise."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

from facilitator.audio import SAMPLE_RATE, Audio, rms_dbfs
from facilitator.errors import ModelError
from facilitator.events import Segment, Transcript
from facilitator.models import WhisperChoice, resolve_whisper
from facilitator.speech_filter import Evidence, is_no_speech

ALWAYS_PHANTOM = frozenset(
    {
        "thanks for watching",
        "thank you for watching",
        "thank you so much for watching",
        "thanks for watching and see you next time",
        "please subscribe",
        "subscribe to my channel",
        "dont forget to like and subscribe",
        "like and subscribe",
        "see you in the next video",
        "subtitles by the amaraorg community",
        "transcription by castingwords",
        "blank_audio",
        "music",
        "silence",
    }
)
"""Phrases Whisper is known to invent from silence or noise (video outros, subtitle credits), and
that nobody says at a kitchen table: dropped wherever they appear as a whole segment."""

QUIET_PHANTOM = frozenset(
    {"thank you", "thank you very much", "thanks", "you", "bye", "so", "the end", "okay"}
)
"""Phrases Whisper invents from quiet or noisy audio but that a person may really say ("thank you"
after a reflection): dropped only when the audio is quiet, short or the model doubts there was speech."""

QUIET_DBFS = -42.0
"""Audio below this RMS level (dBFS) is treated as quiet for the phantom filter."""

DOUBT_NO_SPEECH = 0.3
"""A no-speech probability above this makes a QUIET_PHANTOM phrase count as invented."""

SHORT_S = 0.4
"""Audio shorter than this is too short to hold "thank you" (s)."""


def normalise(text: str) -> str:
    """Lower case, letters, digits and spaces only: the form phantom phrases are compared in."""
    return " ".join(re.sub(r"[^a-z0-9 ]+", "", text.lower().replace("-", " ")).split())


def is_phantom(text: str, no_speech_prob: float, level_dbfs: float, duration_s: float) -> bool:
    """Whether a segment's text is most likely invented from silence or noise (DOMAIN.md, voice-loop lessons).

    Args:
        text: The segment text.
        no_speech_prob: Whisper's probability that the audio held no speech (0-1).
        level_dbfs: RMS level of the audio the segment came from.
        duration_s: Length of that audio (s).
    """
    words = normalise(text)
    if not words:
        return True
    if words in ALWAYS_PHANTOM:
        return True
    if words in QUIET_PHANTOM:
        return level_dbfs < QUIET_DBFS or no_speech_prob > DOUBT_NO_SPEECH or duration_s < SHORT_S
    return False


class WhisperTranscriber:
    """faster-whisper on the CPU (int8), English, greedy decoding, no carried-over context.

    ``condition_on_previous_text`` is off: carried context is what makes Whisper loop and repeat
    itself on pauses, and each utterance here stands alone.
    """

    def __init__(
        self,
        model: str | None = None,
        *,
        allow_download: bool = False,
        max_no_speech_prob: float = 0.6,
        beam_size: int = 1,
        cpu_threads: int | None = None,
    ) -> None:
        """Load the model once.

        Args:
            model: None for the bundled tiny.en, a local CTranslate2 folder, or a size name
                (fetched only with ``allow_download``).
            allow_download: Let faster-whisper fetch a size name from its hub.
            max_no_speech_prob: Whisper's no-speech threshold in the combined no-speech rule (0-1).
            beam_size: 1 is greedy decoding: fastest, and as good on short utterances.
            cpu_threads: Threads for CTranslate2 (default: the machine's cores).

        Raises:
            ModelError: the model is missing, changed, or cannot be loaded.
        """
        self.choice: WhisperChoice = resolve_whisper(model, allow_download)
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise ModelError(
                "The faster-whisper package is missing; run .venv/bin/python -m pip install "
                "faster-whisper==1.2.1."
            ) from exc
        try:
            self._model: Any = WhisperModel(
                self.choice.model,
                device="cpu",
                compute_type="int8",
                cpu_threads=cpu_threads or os.cpu_count() or 1,
                local_files_only=not self.choice.download,
            )
        except Exception as exc:  # ctranslate2 / huggingface_hub raise many types; all mean "unusable"
            raise ModelError(
                f"Cannot load the Whisper model {self.choice.model} ({type(exc).__name__}: {exc}); "
                "give a faster-whisper model folder, or reinstall with ./setup.sh."
            ) from exc
        self.max_no_speech_prob = max_no_speech_prob
        self.beam_size = beam_size

    def transcribe(self, audio: Audio) -> Transcript:
        """Transcribe float32 mono audio at SAMPLE_RATE; phantom segments are dropped."""
        if audio.size == 0:
            return Transcript("")
        return self._run(audio, vad_filter=False)

    def transcribe_file_audio(self, audio: Audio) -> Transcript:
        """Transcribe a whole recording: faster-whisper's own VAD skips the silences between speech.

        Its batch VAD is fine here (one call over a whole file); streaming uses SileroVad instead.
        """
        if audio.size == 0:
            return Transcript("")
        return self._run(audio, vad_filter=True)

    def _run(self, audio: Audio, vad_filter: bool) -> Transcript:
        audio = np.ascontiguousarray(audio, dtype=np.float32)
        segments, _info = self._model.transcribe(
            audio,
            language="en",
            beam_size=self.beam_size,
            best_of=1,
            temperature=0.0,
            condition_on_previous_text=False,
            without_timestamps=False,
            vad_filter=vad_filter,
        )
        return keep_spoken(segments, audio, self.max_no_speech_prob)


def keep_spoken(segments: Iterable[Any], audio: Audio, max_no_speech_prob: float) -> Transcript:
    """Turn faster-whisper segments into a Transcript, dropping phantom text.

    A segment is dropped when it repeats itself (compression ratio above 2.4, Whisper's own loop
    sign) or when ``is_phantom`` says so for the audio under it. The others are kept with their
    evidence; the text holds those ``is_no_speech`` calls spoken, knowing only the audio (a
    no-speech probability above ``max_no_speech_prob`` with an unsure decoder).
    """
    kept: list[Segment] = []
    worst = 0.0
    for seg in segments:
        start_s, end_s = float(seg.start), float(seg.end)
        no_speech = float(seg.no_speech_prob)
        worst = max(worst, no_speech)
        text = str(seg.text).strip()
        lo = int(max(0.0, start_s) * SAMPLE_RATE)
        hi = max(lo + 1, int(end_s * SAMPLE_RATE))
        under = audio[lo:hi]
        duration_s = under.size / SAMPLE_RATE
        if float(getattr(seg, "compression_ratio", 0.0)) > 2.4:
            continue
        level = rms_dbfs(under)
        if is_phantom(text, no_speech, level, duration_s):
            continue
        logprob = float(getattr(seg, "avg_logprob", 0.0))
        spoken = not is_no_speech(Evidence(no_speech, logprob, level), max_no_speech_prob)
        kept.append(Segment(start_s, end_s, text, no_speech, logprob, level, spoken))
    text = " ".join(s.text for s in kept if s.spoken).strip()
    return Transcript(text, tuple(kept), worst)
