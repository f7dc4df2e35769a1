"""Embeddings with the packaged model, and post vectors: written on publish and caption edits, cached, evicted,
and never an error for the caller.

Run: .venv/bin/pytest tests/app/feed/test_index.py -q
"""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import numpy as np
from sqlalchemy import select

from kinora.app.feed import embed, index
from kinora.app.feed.models import PostEmbedding
from tests.community import count, scalar


def test_embed_gives_unit_rows_and_caches_phrases() -> None:
    vectors = embed.embed(["a puppy plays in the snow", "a chef bakes bread", "a puppy plays in the snow"])
    assert vectors.shape == (3, 384) and vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1, atol=1e-4)
    assert np.array_equal(vectors[0], vectors[2])
    related = embed.embed(["dogs"])[0]
    assert related @ vectors[0] > related @ vectors[1]
    assert embed.embed([]).shape == (0, 384)


def test_blob_round_trip() -> None:
    vectors = embed.embed(["one", "two"])
    back = embed.from_blob(embed.to_blob(vectors))
    assert back.shape == (2, 384) and np.allclose(back, vectors, atol=1e-3)
    assert embed.from_blob(None).shape == (0, 384)


def test_feed_modules_import_no_model_code() -> None:
    check = ("import sys, kinora.app.feed.router, kinora.app.feed.index; "
             "print([m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", check], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def _vector(community: Any, post_id: int) -> np.ndarray:
    blob: bytes = scalar(community, select(PostEmbedding.vector).where(PostEmbedding.post_id == post_id))
    vector: np.ndarray = embed.from_blob(blob)[0]
    return vector


def test_publishing_and_recaptioning_index_the_post(community: Any) -> None:
    community.join("ida")
    post = community.post("ida", "a kitten sleeps on a pillow", caption="nap time")
    stored = _vector(community, post["id"])
    expected = embed.embed([index.post_text("a kitten sleeps on a pillow", "nap time")])[0]
    assert np.allclose(stored, expected, atol=1e-2)

    async def cached() -> np.ndarray:
        return (await index.vectors(community.services.db, [post["id"]]))[post["id"]]

    assert np.allclose(community.run(cached()), expected, atol=1e-2)
    edited = community.clients["ida"].patch(f"/api/posts/{post['id']}", json={"caption": "rocket launch"})
    assert edited.status_code == 200, edited.text
    renewed = embed.embed([index.post_text("a kitten sleeps on a pillow", "rocket launch")])[0]
    assert np.allclose(_vector(community, post["id"]), renewed, atol=1e-2)
    assert np.allclose(community.run(cached()), renewed, atol=1e-2)  # index_post evicted the cached vector
    assert count(community, PostEmbedding, PostEmbedding.post_id == post["id"]) == 1


def test_index_post_never_raises(community: Any, caplog: Any) -> None:
    community.run(index.index_post(community.services.db, post_id=987654, text="no such post"))
    assert count(community, PostEmbedding, PostEmbedding.post_id == 987654) == 0
    assert "could not index post 987654" in caplog.text


def test_vectors_skip_posts_without_one(community: Any) -> None:
    community.join("ivo")
    post = community.post("ivo", "waves crash on rocks")["id"]

    async def both() -> dict[int, np.ndarray]:
        return await index.vectors(community.services.db, [post, 987655])

    assert list(community.run(both())) == [post]
    assert index.post_text("a prompt ", "  ") == "a prompt"
