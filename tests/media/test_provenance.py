"""Payloads, instance ids and mark keys: what the web process and the worker must agree on."""

from __future__ import annotations

from pathlib import Path

import pytest

from kinora.media import watermark
from kinora.media.certs import ensure_instance_certificate
from kinora.media.provenance import MAX_SEQ, instance_id, payload, read_payload, watermark_key


def test_payload_round_trips_and_names_its_parts() -> None:
    data = payload(0xDEADBEEF, 42)
    assert len(data) == watermark.PAYLOAD_BYTES
    assert read_payload(data) == (0xDEADBEEF, 42)
    assert read_payload(payload(0, MAX_SEQ)) == (0, MAX_SEQ)


def test_bad_payload_parts_are_named() -> None:
    with pytest.raises(ValueError, match=r"instance_id must fit in 32 bits; got 4294967296"):
        payload(2**32, 1)
    with pytest.raises(ValueError, match=r"seq must fit in 32 bits; got -1"):
        payload(1, -1)
    with pytest.raises(ValueError, match=r"payload must be 8 bytes; got 3"):
        read_payload(b"abc")


def test_instance_id_follows_the_ca_not_the_leaf(tmp_path: Path) -> None:
    first = ensure_instance_certificate(tmp_path / "a", instance_name="a")
    again = ensure_instance_certificate(tmp_path / "a", instance_name="a")
    other = ensure_instance_certificate(tmp_path / "b", instance_name="b")
    assert instance_id(first) == instance_id(again) != instance_id(other)
    assert 0 <= instance_id(first) < 2**32


def test_watermark_key_is_shared_unless_the_operator_sets_one() -> None:
    assert watermark_key(None) is None
    key = watermark_key("a long private secret")
    assert key == watermark_key("a long private secret") != watermark_key("another long secret")
    assert key is not None and 0 <= key < 2**63
    with pytest.raises(ValueError, match=r"watermark_key must be at least 16 characters; got 5"):
        watermark_key("short")
