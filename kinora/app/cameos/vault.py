"""Cameo face and voice data at rest: AES-256-GCM under a key derived from the instance key, each blob bound to its
cameo and purpose (a ciphertext copied onto another cameo's row does not open)."""

from __future__ import annotations

import base64
import io
import os
import secrets
from pathlib import Path

import numpy as np
import numpy.typing as npt
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from kinora.config import Settings

VERSION = b"k1"
NONCE = 12


def instance_key(settings: Settings) -> bytes:
    """`secret_key`, or the key made at first start in data_dir/keys/instance.key (only this user may read it)."""
    if settings.secret_key is not None:
        return settings.secret_key.get_secret_value().encode()
    path = settings.data_dir / "keys" / "instance.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        _create_private(path, base64.b64encode(secrets.token_bytes(32)))
    return path.read_bytes().strip()


def _create_private(path: Path, data: bytes) -> None:
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return  # another process made it first: use theirs
    with os.fdopen(fd, "wb") as f:
        f.write(data)


class Vault:
    def __init__(self, key: bytes) -> None:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"kinora cameo data v1").derive(key)
        self._aead = AESGCM(derived)

    def seal(self, data: bytes, *, context: str) -> bytes:
        nonce = secrets.token_bytes(NONCE)
        return VERSION + nonce + self._aead.encrypt(nonce, data, context.encode())

    def open(self, blob: bytes, *, context: str) -> bytes:
        if blob[:2] != VERSION:
            raise ValueError(f"{context}: not a Kinora cameo blob (version {blob[:2]!r})")
        try:
            return self._aead.decrypt(blob[2:2 + NONCE], blob[2 + NONCE:], context.encode())
        except InvalidTag as e:
            raise ValueError(f"{context}: the data does not open with this instance's key") from e

    def seal_array(self, array: npt.NDArray[np.generic], *, context: str) -> bytes:
        buffer = io.BytesIO()
        np.save(buffer, array, allow_pickle=False)
        return self.seal(buffer.getvalue(), context=context)

    def open_array(self, blob: bytes, *, context: str) -> npt.NDArray[np.generic]:
        return np.asarray(np.load(io.BytesIO(self.open(blob, context=context)), allow_pickle=False))


def from_settings(settings: Settings) -> Vault:
    return Vault(instance_key(settings))
