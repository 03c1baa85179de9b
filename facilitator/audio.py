"""Audio values inside the package: float32 mono in [-1, 1] at SAMPLE_RATE; file I/O and resampling."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import numpy as np
import numpy.typing as npt

from facilitator.errors import AudioFileError

SAMPLE_RATE = 16_000
"""The one sample rate of audio inside the package (Hz): what Whisper, the VAD and the encoder use."""

BLOCK_SAMPLES = 512
"""Samples per microphone block (32 ms at 16 kHz): the Silero VAD's frame size."""

Audio = npt.NDArray[np.float32]


def to_mono_float32(data: npt.NDArray[np.generic]) -> Audio:
    """Fold any channel layout to mono float32 (frames x channels, or 1-D)."""
    arr = np.asarray(data)
    if arr.dtype.kind in "iu":
        info = np.iinfo(arr.dtype)
        arr = arr.astype(np.float32) / float(max(abs(info.min), info.max))
    arr = arr.astype(np.float32, copy=False)
    if arr.ndim == 2:
        arr = arr.mean(axis=1)
    return np.ascontiguousarray(arr, dtype=np.float32)


def resample(audio: Audio, from_rate: int, to_rate: int = SAMPLE_RATE) -> Audio:
    """Resample with a polyphase filter; returns the input unchanged when the rates match."""
    if from_rate == to_rate or audio.size == 0:
        return audio.astype(np.float32, copy=False)
    from scipy.signal import resample_poly

    ratio = Fraction(to_rate, from_rate).limit_denominator(1000)
    out = resample_poly(audio, ratio.numerator, ratio.denominator)
    return np.asarray(out, dtype=np.float32)


def load_audio(path: str | Path, sample_rate: int = SAMPLE_RATE) -> Audio:
    """Read a wav, flac, ogg or mp3 file as mono float32 at ``sample_rate``.

    Raises:
        AudioFileError: the file is missing, unreadable or holds no samples.
    """
    p = Path(path)
    if not p.is_file():
        raise AudioFileError(f"Cannot find the audio file {p}; check the path.")
    try:
        import soundfile

        data, rate = soundfile.read(str(p), dtype="float32", always_2d=True)
    except Exception as exc:  # soundfile raises several types; all mean "cannot decode"
        data, rate = _decode_with_av(p, exc)
    audio = to_mono_float32(data)
    if audio.size == 0:
        raise AudioFileError(f"The audio file {p} is empty; give a recording with sound in it.")
    return resample(audio, int(rate), sample_rate)


def _decode_with_av(path: Path, first_error: Exception) -> tuple[Audio, int]:
    """Fallback decoder (PyAV, installed with faster-whisper) for formats libsndfile lacks."""
    try:
        from faster_whisper.audio import decode_audio

        audio = decode_audio(str(path), sampling_rate=SAMPLE_RATE)
    except Exception as exc:
        raise AudioFileError(
            f"Cannot read {path} as audio ({first_error}); give a wav, flac or mp3 file."
        ) from exc
    return np.asarray(audio, dtype=np.float32), SAMPLE_RATE


def write_wav(path: str | Path, audio: Audio, sample_rate: int = SAMPLE_RATE) -> None:
    """Write mono float audio as 16-bit PCM wav."""
    import soundfile

    soundfile.write(str(path), np.clip(audio, -1.0, 1.0), sample_rate, subtype="PCM_16")


def rms_dbfs(audio: Audio) -> float:
    """Root-mean-square level in dB relative to full scale (-120 for silence)."""
    if audio.size == 0:
        return -120.0
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * np.log10(max(rms, 1e-6))
