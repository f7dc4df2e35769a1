"""/api/verify: anyone may ask where a clip came from."""

from __future__ import annotations

import asyncio
import secrets
import shutil
from pathlib import Path

from fastapi import APIRouter, Request
from starlette.datastructures import UploadFile
from starlette.responses import Response

from kinora.app.deps import DbDep, MaybeViewer, SettingsDep, services
from kinora.app.errors import InvalidRequest, TooLarge
from kinora.app.provenance import service
from kinora.app.provenance.schemas import VerifyReport
from kinora.app.responses import Json

router = APIRouter(prefix="/api", tags=["provenance"])
FORM_OVERHEAD = 64 * 1024  # multipart boundaries and headers around the file


@router.post("/verify", response_model=VerifyReport, openapi_extra={"requestBody": {"required": True, "content": {
    "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
        "file": {"type": "string", "format": "binary", "description": "The video to check (MP4, MOV, WebM...)."}}}}}}})
async def verify(request: Request, viewer: MaybeViewer, db: DbDep, settings: SettingsDep) -> Response:
    """Where did this clip come from? Its C2PA manifest (valid / invalid / absent, and the signer), its invisible
    watermark (the generation and post it names on this instance, or another Kinora instance's id), the nearest
    fingerprint matches here, and a plain-language verdict."""
    path = await _receive(request, settings.verify_max_bytes, settings.data_dir / "tmp")
    try:
        report = await service.verify(path, db=db, inst=services(request).provenance,
                                      viewer_id=viewer.id if viewer else None)
    except ValueError as e:
        # The reason, not the message: FFmpeg's message names the server's temporary file.
        reason = str(e).replace(str(path), "the upload")
        raise InvalidRequest(f"file is not a video this instance can read ({reason}); send an MP4, MOV or WebM",
                             param="file") from e
    finally:
        path.unlink(missing_ok=True)
    return Json(report)


async def _receive(request: Request, max_bytes: int, folder: Path) -> Path:
    """The upload's `file` part, copied to a private temporary file (the caller deletes it)."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "multipart/form-data":
        raise InvalidRequest(f"Content-Type must be multipart/form-data with a 'file' part; got {kind or 'none'!r}",
                             param="file")
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        raise InvalidRequest("Content-Length is required: send the file as a sized multipart upload", param="file")
    if int(length) > max_bytes + FORM_OVERHEAD:
        raise TooLarge(f"file may be at most {_size(max_bytes)}; got {_size(int(length))}", param="file")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"verify-{secrets.token_hex(8)}"
    async with request.form(max_files=1, max_fields=4) as form:
        upload = form.get("file")
        if not isinstance(upload, UploadFile):
            raise InvalidRequest("file is required: a multipart part named 'file' holding the video", param="file",
                                 code="missing_required_parameter")
        if upload.size is not None and upload.size > max_bytes:
            raise TooLarge(f"file may be at most {_size(max_bytes)}; got {_size(upload.size)}", param="file")
        await asyncio.to_thread(_copy, upload, path)
    if path.stat().st_size == 0:
        path.unlink()
        raise InvalidRequest("file is empty", param="file")
    return path


def _copy(upload: UploadFile, path: Path) -> None:
    with open(path, "wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)


def _size(n: int) -> str:
    return f"{n / 2**20:.1f} MiB" if n >= 2**20 else f"{n / 2**10:.0f} KiB"
