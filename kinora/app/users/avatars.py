"""Avatars: any common image in, a 256x256 WebP out, re-encoded from pixels so no metadata (EXIF location,
ICC, XMP) survives. Stored as avatars/<user id>/<n>.webp; n changes with each upload, so URLs bust caches."""

from __future__ import annotations

import asyncio
import io
import time
import warnings
from pathlib import PurePosixPath

from PIL import Image, ImageOps, UnidentifiedImageError

from kinora.app.db import Database
from kinora.app.errors import InvalidRequest
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User

SIZE = 256
MAX_PIXELS = 40_000_000  # decoded, a 40 Mpx RGBA image is 160 MB: larger ones are refused before decoding
FORMATS = ("JPEG", "PNG", "WEBP", "GIF")


def encode(data: bytes) -> bytes:
    """The avatar made from an uploaded image (its first frame when animated), as WebP bytes."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=FORMATS) as source:
                width, height = source.size
                if width * height > MAX_PIXELS:
                    raise InvalidRequest(f"file is {width}x{height} pixels; images may have at most "
                                         f"{MAX_PIXELS // 1_000_000} megapixels", param="file")
                source.seek(0)
                image = ImageOps.exif_transpose(source)
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
    except UnidentifiedImageError as e:
        raise InvalidRequest("file must be a JPEG, PNG, WebP or GIF image", param="file") from e
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as e:
        raise InvalidRequest(f"file has too many pixels; images may have at most {MAX_PIXELS // 1_000_000} "
                             "megapixels", param="file") from e
    except (OSError, SyntaxError, ValueError) as e:  # truncated or corrupt image data
        raise InvalidRequest(f"file is not a readable image: {e}", param="file") from e
    square = ImageOps.fit(image, (SIZE, SIZE), Image.Resampling.LANCZOS)
    # A new image from the pixels alone: nothing of the source's info (exif, icc_profile, xmp) can carry over.
    clean = Image.frombytes(square.mode, square.size, square.tobytes())
    out = io.BytesIO()
    clean.save(out, "WEBP", quality=85, method=4)
    return out.getvalue()


async def replace(db: Database, storage: LocalStorage, *, user: User, data: bytes, max_bytes: int) -> User:
    """Set the account's avatar from uploaded bytes; the previous file is removed."""
    if len(data) > max_bytes:
        raise InvalidRequest(f"file may be at most {max_bytes // 1024} KiB; this one is larger", param="file")
    if not data:
        raise InvalidRequest("file is empty; upload a JPEG, PNG, WebP or GIF image", param="file")
    webp = await asyncio.to_thread(encode, data)
    key = f"avatars/{user.id}/{_next_number(user.avatar_key)}.webp"
    storage.put(key, webp)
    try:
        row = await _set_key(db, user_id=user.id, key=key)
    except BaseException:
        storage.delete(key)
        raise
    if user.avatar_key is not None and user.avatar_key != key:
        storage.delete(user.avatar_key)
    return row


async def remove(db: Database, storage: LocalStorage, *, user: User) -> User:
    row = await _set_key(db, user_id=user.id, key=None)
    storage.delete(f"avatars/{user.id}")
    return row


async def _set_key(db: Database, *, user_id: int, key: str | None) -> User:
    async with db.write() as session:
        row = await session.get(User, user_id)
        assert row is not None, user_id
        row.avatar_key = key
        return row


def _next_number(previous: str | None) -> int:
    # Milliseconds keep numbers growing across remove + upload; +1 keeps two uploads in one ms apart.
    last = int(PurePosixPath(previous).stem) if previous else 0
    return max(int(time.time() * 1000), last + 1)
