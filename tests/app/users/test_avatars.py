"""Avatars: validated, size-capped, EXIF-rotated, square-cropped, re-encoded as WebP without metadata.

Run: .venv/bin/pytest tests/app/users/test_avatars.py -q"""

from __future__ import annotations

import io
import struct
import zlib
from typing import Any

import pytest
from PIL import Image, ImageCms

from kinora.app.errors import InvalidRequest
from kinora.app.users import avatars
from tests.app.users.helpers import block
from tests.community import error, user_id

RED, BLUE, GREEN = (220, 20, 20), (20, 20, 220), (20, 200, 20)


def _jpeg_with_metadata() -> bytes:
    """400x200, left half red and right half blue, EXIF-rotated a quarter turn, with EXIF, ICC and XMP."""
    image = Image.new("RGB", (400, 200), BLUE)
    image.paste(RED, (0, 0, 200, 200))
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: shown turned 90 degrees clockwise
    exif[0x010F] = "SecretCam"  # camera make
    exif[0x8825] = {1: "N", 2: (52.0, 22.0, 7.0)}  # GPS: where the photo was taken
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95, exif=exif.tobytes(), icc_profile=icc,
               xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">SecretXmp</x:xmpmeta>')
    return out.getvalue()


def _png_header(width: int, height: int) -> bytes:
    """A PNG that claims `width`x`height` pixels but holds almost no data: a decompression bomb's shape."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def _image(kind: str, size: tuple[int, int] = (64, 64), color: tuple[int, int, int] = GREEN) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, kind)
    return out.getvalue()


def _upload(client: Any, data: bytes, name: str = "me.jpg") -> Any:
    return client.put("/api/me/avatar", files={"file": (name, data, "application/octet-stream")})


def _close(pixel: Any, color: tuple[int, int, int]) -> bool:
    return all(abs(a - b) < 40 for a, b in zip(pixel[:3], color, strict=True))


def test_upload_rotates_crops_resizes_and_strips_metadata(community: Any) -> None:
    client = community.join("anna")
    source = _jpeg_with_metadata()
    assert b"SecretCam" in source and b"SecretXmp" in source
    response = _upload(client, source)
    assert response.status_code == 200, response.text
    url = response.json()["avatar_url"]
    assert url.startswith("/api/users/anna/avatar?v=")
    served = community.anonymous.get(url)
    assert served.status_code == 200 and served.headers["content-type"] == "image/webp"
    data = served.content
    for marker in (b"EXIF", b"ICCP", b"XMP ", b"SecretCam", b"SecretXmp", b"Exif"):
        assert marker not in data, marker
    with Image.open(io.BytesIO(data)) as avatar:
        assert avatar.format == "WEBP" and avatar.size == (256, 256)
        assert not {"exif", "icc_profile", "xmp"} & set(avatar.info) and len(avatar.getexif()) == 0
        rgb = avatar.convert("RGB")
        # Turned upright the picture is portrait, red above blue; the square crop keeps the middle of both.
        assert _close(rgb.getpixel((200, 30)), RED) and _close(rgb.getpixel((50, 220)), BLUE)
    key = f"avatars/{user_id(community, 'anna')}/{url.split('v=')[1]}.webp"
    assert community.services.storage.path(key).read_bytes() == data


def test_a_new_upload_replaces_the_old_file(community: Any) -> None:
    client = community.join("bert")
    first = _upload(client, _image("PNG")).json()["avatar_url"]
    second = _upload(client, _image("WEBP", (300, 500), BLUE), "b.webp").json()["avatar_url"]
    assert first != second
    folder = community.services.storage.path(f"avatars/{user_id(community, 'bert')}")
    assert [p.name for p in folder.iterdir()] == [f"{second.split('v=')[1]}.webp"]
    with Image.open(io.BytesIO(community.anonymous.get(second).content)) as avatar:
        assert _close(avatar.convert("RGB").getpixel((128, 128)), BLUE)
    assert community.anonymous.get("/api/users/bert").json()["avatar_url"] == second


def test_an_animated_gif_gives_its_first_frame(community: Any) -> None:
    client = community.join("cora")
    frames = [Image.new("RGB", (80, 80), color) for color in (GREEN, RED)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    url = _upload(client, out.getvalue(), "a.gif").json()["avatar_url"]
    with Image.open(io.BytesIO(community.anonymous.get(url).content)) as avatar:
        assert _close(avatar.convert("RGB").getpixel((40, 40)), GREEN)


def test_transparency_is_kept(community: Any) -> None:
    client = community.join("dino")
    out = io.BytesIO()
    Image.new("RGBA", (50, 50), (0, 0, 0, 0)).save(out, "PNG")
    url = _upload(client, out.getvalue(), "t.png").json()["avatar_url"]
    with Image.open(io.BytesIO(community.anonymous.get(url).content)) as avatar:
        assert avatar.mode == "RGBA" and avatar.getpixel((10, 10))[3] == 0


@pytest.mark.parametrize(("handle", "data", "words"), [
    ("text", b"this is not an image at all", "must be a JPEG, PNG, WebP or GIF"),
    ("bmp", _image("BMP"), "must be a JPEG, PNG, WebP or GIF"),
    ("cut", _image("JPEG")[:200], "not a readable image"),
    ("empty", b"", "empty"),
    ("big", _png_header(7000, 7000), "7000x7000 pixels; images may have at most 40 megapixels"),
    ("bomb", _png_header(30000, 30000), "too many pixels"),  # caught by Pillow's own guard first
])
def test_bad_uploads_are_refused(community: Any, handle: str, data: bytes, words: str) -> None:
    client = community.join(f"bad_{handle}")
    assert words in error(_upload(client, data), 400, "file")
    assert client.get("/api/me").json()["avatar_url"] is None
    assert not community.services.storage.path(f"avatars/{user_id(community, f'bad_{handle}')}").exists()


def test_size_cap(community: Any) -> None:
    client = community.join("ezra")
    limit = community.settings.avatar_max_bytes
    message = error(_upload(client, b"\xff" * (limit + 1)), 400, "file")
    assert f"at most {limit // 1024} KiB" in message
    error(client.put("/api/me/avatar", files={"other": ("x.png", _image("PNG"), "image/png")}), 400, "file")


def test_encode_refuses_before_decoding_large_images() -> None:
    with pytest.raises(InvalidRequest, match="megapixels"):
        avatars.encode(_png_header(8000, 5001))


def test_delete_and_serving_rules(community: Any) -> None:
    client, other = community.join("fern"), community.join("gus")
    url = _upload(client, _image("PNG")).json()["avatar_url"]
    block(community, "fern", "gus")
    assert other.get(url).status_code == 404  # fern blocked gus
    assert client.get(url).status_code == 200
    etag = client.get(url).headers["etag"]
    assert client.get(url, headers={"if-none-match": etag}).status_code == 304
    assert client.delete("/api/me/avatar").status_code == 204
    assert client.get("/api/me").json()["avatar_url"] is None
    assert "has no avatar" in error(community.anonymous.get("/api/users/fern/avatar"), 404, "handle")
    assert not community.services.storage.path(f"avatars/{user_id(community, 'fern')}").exists()
    error(community.anonymous.get("/api/users/nobody_at_all/avatar"), 404, "handle")
