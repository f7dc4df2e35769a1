"""Provenance identities and payloads: what the web process and the worker share (light imports only; the
marking itself is in `kinora.media.marking`, which the worker loads).

The invisible payload is 8 bytes: the instance id (4 bytes, from the signing CA's public key, so every
machine of one instance agrees without coordination) and the generation's `seq` (4 bytes). The same
payload goes into the pictures, the soundtrack and the manifest's soft-binding assertion.
"""

from __future__ import annotations

import hashlib
import struct
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from kinora.media.certs import SigningIdentity

SOFT_BINDING_ALG = "org.kinora.watermark.1"  # names our mark in the manifest's soft-binding assertion
_PAYLOAD = struct.Struct(">II")  # instance id, generation seq
MAX_SEQ = 2**32 - 1


@dataclass(frozen=True)
class InstanceProvenance:
    """What every job needs to mark and sign its outputs (picklable: it crosses the pipe in each JobSpec)."""

    name: str  # shown in the visible mark
    instance_id: int  # 32 bits
    identity: SigningIdentity
    watermark_key: int | None  # the instance's private key; None: the key every Kinora instance shares
    tsa_url: str | None = None


@dataclass(frozen=True)
class Stamp:
    """One generation's marks: who made it where."""

    seq: int
    handle: str | None  # the creator's @handle, in the visible mark
    generator: dict[str, Any]  # version, engine, model (+ generation id) for the manifest
    title: str


def payload(instance_id: int, seq: int) -> bytes:
    if not 0 <= instance_id < 2**32:
        raise ValueError(f"instance_id must fit in 32 bits; got {instance_id}")
    if not 0 <= seq <= MAX_SEQ:
        raise ValueError(f"seq must fit in 32 bits; got {seq}")
    return _PAYLOAD.pack(instance_id, seq)


def read_payload(data: bytes) -> tuple[int, int]:
    """(instance id, generation seq) of an 8-byte payload."""
    if len(data) != _PAYLOAD.size:
        raise ValueError(f"payload must be {_PAYLOAD.size} bytes; got {len(data)}")
    instance_id, seq = _PAYLOAD.unpack(data)
    return instance_id, seq


def instance_id(identity: SigningIdentity) -> int:
    """32 bits of the SHA-256 of the trust anchor's public key (the leaf's when there is no anchor): stable
    for the life of the CA, the same on every worker, different between instances."""
    cert = x509.load_pem_x509_certificate(identity.anchor_pem) if identity.anchor_pem else identity.leaf
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return int.from_bytes(hashlib.sha256(spki).digest()[:4], "big")


def watermark_key(secret: str | None) -> int | None:
    """The invisible-mark key derived from the operator's secret (63 bits), or None for the shared one."""
    if secret is None:
        return None
    if len(secret) < 16:
        raise ValueError(f"watermark_key must be at least 16 characters; got {len(secret)}")
    return int.from_bytes(hashlib.sha256(secret.encode()).digest()[:8], "big") >> 1
