"""The GE2E voice encoder (resemblyzer's weights) run by a numpy forward pass: no torch at run time.

The weights ship inside the ``resemblyzer`` wheel as ``pretrained.pt`` in torch's legacy (pre-zip)
serialisation: a few pickles followed by raw little-endian storages. We read it with a restricted
unpickler that only builds plain arrays, never importing torch or resemblyzer (resemblyzer's
``__init__`` imports torch, 1.4 GB).

The forward pass follows resemblyzer 0.1.4: a 40-band mel power spectrogram (librosa's defaults:
periodic Hann window of 400 samples, hop 160, centred frames zero-padded, Slaney mel scale and
area normalisation), a 3-layer LSTM of 256, a linear layer, ReLU and L2 normalisation, applied to
partial windows of 160 frames (1.6 s) taken 1.3 times a second, whose embeddings are averaged.

Resemblyzer's ``preprocess_wav`` also raises quiet audio to -30 dBFS and trims silences longer
than ~0.2 s with webrtcvad. We keep the volume step (the network sees power, not log power, so the
level matters) and skip the trimming: our utterances are already cut from the stream by the Silero
VAD, and enrolment counts voiced speech itself.
"""

from __future__ import annotations

import hashlib
import importlib.util
import io
import os
import pickle
import struct
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from facilitator.audio import SAMPLE_RATE, Audio
from facilitator.errors import ModelError

WEIGHTS_SHA256 = "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e"
"""sha256 of resemblyzer 0.1.4's ``pretrained.pt``."""


N_FFT = 400
"""25 ms analysis window at 16 kHz (samples)."""
HOP = 160
"""10 ms frame step at 16 kHz (samples)."""
N_MELS = 40
PARTIAL_FRAMES = 160
"""Frames per partial window (1.6 s)."""
PARTIAL_RATE_HZ = 1.3
"""Partial windows per second of audio (resemblyzer's default)."""
MIN_COVERAGE = 0.75
"""A last partial window is kept when at least this share of it holds audio."""
HIDDEN = 256
TARGET_DBFS = -30.0
"""Quiet audio is raised to this level before embedding (resemblyzer's preprocessing)."""

_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_DTYPES: dict[str, np.dtype[Any]] = {
    "FloatStorage": np.dtype("<f4"),
    "DoubleStorage": np.dtype("<f8"),
    "HalfStorage": np.dtype("<f2"),
    "LongStorage": np.dtype("<i8"),
    "IntStorage": np.dtype("<i4"),
    "ShortStorage": np.dtype("<i2"),
    "CharStorage": np.dtype("<i1"),
    "ByteStorage": np.dtype("<u1"),
    "BoolStorage": np.dtype("?"),
}


def weights_path() -> Path:
    """Where resemblyzer's wheel put ``pretrained.pt`` (found without importing the package).

    Raises:
        ModelError: resemblyzer is not installed.
    """
    spec = importlib.util.find_spec("resemblyzer")
    locations = list(spec.submodule_search_locations or []) if spec else []
    for folder in locations:
        candidate = Path(folder) / "pretrained.pt"
        if candidate.is_file():
            return candidate
    raise ModelError(
        "The voice encoder weights are missing; install them with "
        "`pip install --no-deps resemblyzer==0.1.4` (or run ./setup.sh)."
    )


# --- reading torch's legacy format without torch --------------------------------------------------


@dataclass
class _Storage:
    dtype: np.dtype[Any]
    numel: int
    data: npt.NDArray[Any] | None = None


@dataclass
class _TensorRef:
    storage: _Storage
    offset: int
    size: tuple[int, ...]
    stride: tuple[int, ...]

    def array(self) -> npt.NDArray[Any]:
        assert self.storage.data is not None
        if not self.size:
            return self.storage.data[self.offset : self.offset + 1].reshape(())
        item = self.storage.data.itemsize
        view = np.lib.stride_tricks.as_strided(
            self.storage.data[self.offset :],
            shape=self.size,
            strides=tuple(s * item for s in self.stride),
        )
        return np.array(view)


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype: np.dtype[Any] = _DTYPES[name]


def _rebuild_tensor(storage: _Storage, offset: int, size: Any, stride: Any, *_: Any) -> _TensorRef:
    return _TensorRef(storage, int(offset), tuple(size), tuple(stride))


def _rebuild_parameter(data: _TensorRef, *_: Any) -> _TensorRef:
    return data


class _Unpickler(pickle.Unpickler):
    """Builds only dicts, lists, numbers and tensor references; any other class is refused."""

    def __init__(self, file: io.BufferedIOBase, storages: dict[str, _Storage]) -> None:
        super().__init__(file)
        self._storages = storages

    def find_class(self, module: str, name: str) -> Any:
        if module == "collections" and name == "OrderedDict":
            return OrderedDict
        if module == "torch._utils" and name in ("_rebuild_tensor_v2", "_rebuild_tensor"):
            return _rebuild_tensor
        if module == "torch._utils" and name == "_rebuild_parameter":
            return _rebuild_parameter
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        raise pickle.UnpicklingError(f"unexpected {module}.{name} in the weights file")

    def persistent_load(self, pid: Any) -> Any:
        kind, storage_type, key, _location, numel = pid[:5]
        if kind != "storage" or not isinstance(storage_type, _StorageType):
            raise pickle.UnpicklingError(f"unexpected persistent id {pid!r}")
        if len(pid) > 5 and pid[5] is not None:
            raise pickle.UnpicklingError("storage views are not supported")
        if key not in self._storages:
            self._storages[key] = _Storage(storage_type.dtype, int(numel))
        return self._storages[key]


def read_legacy_checkpoint(raw: bytes) -> Any:
    """Load an object saved by ``torch.save`` in the legacy format, tensors as numpy arrays."""
    f = io.BytesIO(raw)
    if pickle.load(f) != _LEGACY_MAGIC:
        raise pickle.UnpicklingError("not a torch legacy checkpoint")
    pickle.load(f)  # protocol version
    pickle.load(f)  # system info (endianness, type sizes)
    storages: dict[str, _Storage] = {}
    obj = _Unpickler(f, storages).load()
    keys = pickle.load(f)
    for key in keys:
        storage = storages[key]
        (numel,) = struct.unpack("<q", f.read(8))
        nbytes = numel * storage.dtype.itemsize
        storage.data = np.frombuffer(f.read(nbytes), dtype=storage.dtype, count=numel)
    return _to_arrays(obj)


def _to_arrays(obj: Any) -> Any:
    if isinstance(obj, _TensorRef):
        return obj.array()
    if isinstance(obj, dict):
        return {k: _to_arrays(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return type(obj)(_to_arrays(v) for v in obj)
    return obj


# --- features --------------------------------------------------------------------------------------

# Slaney's mel scale (librosa's default): linear below 1 kHz, logarithmic above.
_F_SP = 200.0 / 3
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = float(np.log(6.4) / 27.0)


def _hz_to_mel(hz: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """Slaney's mel scale: linear below 1 kHz, logarithmic above (librosa's default)."""
    mel = hz / _F_SP
    high = hz >= _MIN_LOG_HZ
    mel[high] = _MIN_LOG_MEL + np.log(hz[high] / _MIN_LOG_HZ) / _LOGSTEP
    return mel


def _mel_to_hz(mel: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    hz = _F_SP * mel
    high = mel >= _MIN_LOG_MEL
    hz[high] = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel[high] - _MIN_LOG_MEL))
    return hz


def mel_filterbank(
    sr: int = SAMPLE_RATE, n_fft: int = N_FFT, n_mels: int = N_MELS
) -> npt.NDArray[np.float32]:
    """Triangular mel filters (n_mels x n_fft//2+1), Slaney-normalised, 0 Hz to Nyquist."""
    fft_hz = np.linspace(0.0, sr / 2.0, 1 + n_fft // 2)
    mel_pts = np.linspace(_hz_to_mel(np.array([0.0]))[0], _hz_to_mel(np.array([sr / 2.0]))[0], n_mels + 2)
    mel_hz = _mel_to_hz(mel_pts)
    fdiff = np.diff(mel_hz)
    ramps = mel_hz[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / fdiff[:-1, None]
    upper = ramps[2:] / fdiff[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (mel_hz[2 : n_mels + 2] - mel_hz[:n_mels]))[:, None]
    return weights.astype(np.float32)


_MEL_BASIS = mel_filterbank()
_WINDOW = (0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(N_FFT) / N_FFT)).astype(np.float32)


def mel_frames(audio: Audio) -> npt.NDArray[np.float32]:
    """Mel power frames (n_frames x 40) as resemblyzer computes them (librosa, centred, zero pad)."""
    pad = N_FFT // 2
    y = np.pad(np.asarray(audio, dtype=np.float32), (pad, pad), mode="constant")
    n_frames = 1 + (len(y) - N_FFT) // HOP
    frames = np.lib.stride_tricks.as_strided(
        y, shape=(n_frames, N_FFT), strides=(y.strides[0] * HOP, y.strides[0])
    )
    spectrum = np.fft.rfft(frames * _WINDOW, axis=1)
    power = (spectrum.real**2 + spectrum.imag**2).astype(np.float32)
    return np.asarray(power @ _MEL_BASIS.T, dtype=np.float32)


def normalize_volume(audio: Audio, target_dbfs: float = TARGET_DBFS) -> Audio:
    """Raise quiet audio to ``target_dbfs`` RMS (never lower it), as resemblyzer's preprocessing."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    if rms <= 0.0:
        return audio
    change_db = target_dbfs - 20.0 * np.log10(rms)
    if change_db < 0:
        return audio
    return (audio * np.float32(10.0 ** (change_db / 20.0))).astype(np.float32)


def partial_slices(n_samples: int) -> list[tuple[int, int]]:
    """Frame ranges of the 1.6 s partial windows covering ``n_samples`` (resemblyzer's layout)."""
    n_frames = int(np.ceil((n_samples + 1) / HOP))
    frame_step = int(np.round((SAMPLE_RATE / PARTIAL_RATE_HZ) / HOP))
    steps = max(1, n_frames - PARTIAL_FRAMES + frame_step + 1)
    slices = [(i, i + PARTIAL_FRAMES) for i in range(0, steps, frame_step)]
    last_start = slices[-1][0] * HOP
    coverage = (n_samples - last_start) / (PARTIAL_FRAMES * HOP)
    if coverage < MIN_COVERAGE and len(slices) > 1:
        slices = slices[:-1]
    return slices


def _unreadable(path: Path, exc: Exception) -> ModelError:
    return ModelError(f"Cannot read the voice encoder weights {path} ({exc}); reinstall resemblyzer.")


# --- the network -----------------------------------------------------------------------------------


def _sigmoid(x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    return np.asarray(0.5 * (np.tanh(0.5 * x) + 1.0), dtype=np.float32)


class GE2EEncoder:
    """Implements ``ports.Embedder``: audio at SAMPLE_RATE to a unit-length 256-d voice embedding."""

    def __init__(self, path: str | Path | None = None) -> None:
        """Load and check the weights (``path`` defaults to resemblyzer's ``pretrained.pt``).

        Raises:
            ModelError: the file is missing, is not the expected file, or cannot be read.
        """
        p = Path(path) if path is not None else weights_path()
        try:
            raw = p.read_bytes()
        except OSError as exc:
            raise _unreadable(p, exc) from exc
        digest = hashlib.sha256(raw).hexdigest()
        if digest != WEIGHTS_SHA256:
            raise ModelError(
                f"The voice encoder weights {p} are not the expected file (sha256 {digest[:12]}...); "
                "reinstall them with `pip install --force-reinstall --no-deps resemblyzer==0.1.4`."
            )
        try:
            checkpoint = read_legacy_checkpoint(raw)
            state = checkpoint["model_state"]
            self._layers = [
                (
                    np.ascontiguousarray(state[f"lstm.weight_ih_l{k}"].T, dtype=np.float32),
                    np.ascontiguousarray(state[f"lstm.weight_hh_l{k}"].T, dtype=np.float32),
                    (state[f"lstm.bias_ih_l{k}"] + state[f"lstm.bias_hh_l{k}"]).astype(np.float32),
                )
                for k in range(3)
            ]
            self._linear_w = np.ascontiguousarray(state["linear.weight"].T, dtype=np.float32)
            self._linear_b = np.asarray(state["linear.bias"], dtype=np.float32)
        except (pickle.UnpicklingError, KeyError, ValueError, EOFError, struct.error) as exc:
            raise _unreadable(p, exc) from exc

    @property
    def dim(self) -> int:
        """Embedding size."""
        return int(self._linear_b.shape[0])

    def forward(self, mels: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        """Embed a batch of mel windows (batch x frames x 40) to unit vectors (batch x 256)."""
        with _one_blas_thread():
            return self._forward(np.asarray(mels, dtype=np.float32))

    def _forward(self, x: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
        batch, steps, _ = x.shape
        h = np.zeros((batch, HIDDEN), dtype=np.float32)
        for w_ih, w_hh, bias in self._layers:
            # The input projection of every step at once; only h @ W_hh stays in the loop.
            gates_in = (x.reshape(batch * steps, -1) @ w_ih + bias).reshape(batch, steps, 4 * HIDDEN)
            h = np.zeros((batch, HIDDEN), dtype=np.float32)
            c = np.zeros((batch, HIDDEN), dtype=np.float32)
            out = np.empty((batch, steps, HIDDEN), dtype=np.float32)
            for t in range(steps):
                g = gates_in[:, t] + h @ w_hh
                i = _sigmoid(g[:, :HIDDEN])
                f = _sigmoid(g[:, HIDDEN : 2 * HIDDEN])
                cell = np.tanh(g[:, 2 * HIDDEN : 3 * HIDDEN])
                o = _sigmoid(g[:, 3 * HIDDEN :])
                c = f * c + i * cell
                h = o * np.tanh(c)
                out[:, t] = h
            x = out
        raw = np.maximum(h @ self._linear_w + self._linear_b, 0.0)
        norms = np.linalg.norm(raw, axis=1, keepdims=True)
        return np.asarray(raw / np.maximum(norms, 1e-12), dtype=np.float32)

    def embed_partials(self, audio: Audio) -> tuple[npt.NDArray[np.float32], npt.NDArray[np.float32]]:
        """The utterance embedding and those of its 1.6 s partial windows (n x 256)."""
        wav = normalize_volume(np.asarray(audio, dtype=np.float32))
        slices = partial_slices(len(wav))
        needed = slices[-1][1] * HOP
        if needed >= len(wav):
            wav = np.pad(wav, (0, needed - len(wav)))
        mel = mel_frames(wav)
        partials = self.forward(np.stack([mel[a:b] for a, b in slices]))
        mean = partials.mean(axis=0)
        return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32), partials

    def embed(self, audio: Audio) -> npt.NDArray[np.float32]:
        """Embed float32 mono audio at SAMPLE_RATE; returns a unit-length 256-d vector."""
        return self.embed_partials(audio)[0]


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run the LSTM on one BLAS thread: its small products are faster on one core than split on two.

    numpy's wheels bundle scipy-openblas, whose thread setter has a prefixed name; when it is not
    found (another BLAS) the products run with the library's own setting.
    """
    lib = _openblas()
    if lib is None:
        yield
        return
    before = int(lib.scipy_openblas_get_num_threads64_())
    lib.scipy_openblas_set_num_threads64_(1)
    try:
        yield
    finally:
        lib.scipy_openblas_set_num_threads64_(before)


@lru_cache(maxsize=1)
def _openblas() -> Any:
    import ctypes

    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    if not folder.is_dir():
        return None
    for name in sorted(os.listdir(folder)):
        if "openblas" not in name:
            continue
        try:
            lib = ctypes.CDLL(str(folder / name))
        except OSError:
            continue
        if hasattr(lib, "scipy_openblas_set_num_threads64_") and hasattr(
            lib, "scipy_openblas_get_num_threads64_"
        ):
            return lib
    return None
