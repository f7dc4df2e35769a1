"""Request bodies as the OpenAI SDK sends them: multipart (always, from typed calls) or JSON (extra_body /
client.post), with nested multipart names such as input_reference[image_url] and characters[][id]."""

from __future__ import annotations

import base64
import binascii
import re
from typing import Any

import orjson
from fastapi import Request
from starlette.datastructures import UploadFile

from kinora.app.errors import InvalidRequest
from kinora.app.generations.schemas import CreateParams, Upload, VideoRef

MAX_UPLOAD_BYTES = 100 * 1024 * 1024
KEY_PART = re.compile(r"\[([^\]]*)\]")


async def read_body(request: Request) -> dict[str, Any]:
    """The body as a dict, whatever its encoding; files become `Upload`s."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind == "application/json":
        try:
            body = orjson.loads(await request.body())
        except orjson.JSONDecodeError as e:
            raise InvalidRequest(f"the JSON body is not valid JSON: {e}") from e
        if not isinstance(body, dict):
            raise InvalidRequest(f"the JSON body must be an object; got {type(body).__name__}")
        return body
    if kind in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return await _form(request)
    raise InvalidRequest(f"Content-Type must be multipart/form-data or application/json; got {kind or 'none'!r}")


async def _form(request: Request) -> dict[str, Any]:
    body: dict[str, Any] = {}
    async with request.form(max_files=4, max_fields=100) as form:
        for name, value in form.multi_items():
            item: Any = await _upload(name, value) if isinstance(value, UploadFile) else value
            _put(body, name, item)
    return body


async def _upload(name: str, file: UploadFile) -> Upload:
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(data) > MAX_UPLOAD_BYTES:
        raise InvalidRequest(f"{name}: uploads may be at most {MAX_UPLOAD_BYTES // 2**20} MiB", param=name)
    return Upload(data=data, filename=file.filename, content_type=file.content_type)


def _put(body: dict[str, Any], name: str, value: Any) -> None:
    """Place `characters[][id]=x` as body["characters"] = [{"id": x}], `a[b]=x` as body["a"]["b"] = x."""
    head = name.split("[", 1)[0]
    parts = KEY_PART.findall(name[len(head):])
    if not parts:
        body[head] = value
    elif parts[0] == "" and len(parts) == 2:
        items = body.setdefault(head, [])
        if not items or parts[1] in items[-1]:
            items.append({})
        items[-1][parts[1]] = value
    elif parts[0] == "":
        body.setdefault(head, []).append(value)
    else:
        nested = body.setdefault(head, {})
        if isinstance(nested, dict):
            nested[parts[0]] = value


def create_params(body: dict[str, Any]) -> CreateParams:
    params = CreateParams(prompt=body.get("prompt"), model=body.get("model"), seconds=body.get("seconds"),
                          size=body.get("size"), characters=_character_ids(body.get("characters")))
    ref = body.get("input_reference")
    if isinstance(ref, Upload):
        params.image = ref
    elif isinstance(ref, dict):
        url, file_id = ref.get("image_url"), ref.get("file_id")
        if (url is None) == (file_id is None):
            raise InvalidRequest("input_reference must have exactly one of image_url or file_id",
                                 param="input_reference")
        params.file_id = file_id
        if url is not None:
            params.image = image_from_url(url)
    elif ref not in (None, ""):
        raise InvalidRequest("input_reference must be an uploaded image or {\"image_url\": ...}",
                             param="input_reference")
    return params


def image_from_url(url: Any) -> Upload:
    """Decode a data: URL. Fetching remote URLs is left to the client: a server that fetches arbitrary
    URLs for anonymous callers is a request-forgery hazard."""
    if not isinstance(url, str) or not url.startswith("data:"):
        raise InvalidRequest("input_reference.image_url must be a data: URL (data:image/png;base64,...); "
                             "upload remote images as a file instead", param="input_reference")
    header, _, payload = url.partition(",")
    try:
        data = base64.b64decode(payload, validate=True) if header.endswith(";base64") else payload.encode()
    except (binascii.Error, ValueError) as e:
        raise InvalidRequest("input_reference.image_url: the data URL is not valid base64",
                             param="input_reference") from e
    return Upload(data=data, content_type=header[5:].split(";")[0] or None)


def _character_ids(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    items = value if isinstance(value, list) else [value]
    ids = [item.get("id") if isinstance(item, dict) else item for item in items]
    if not all(isinstance(i, str) and i for i in ids):
        raise InvalidRequest("characters must be a list of {\"id\": \"char_...\"}", param="characters")
    return [str(i) for i in ids]


def video_ref(body: dict[str, Any]) -> VideoRef:
    video = body.get("video")
    if isinstance(video, Upload):
        return VideoRef(upload=video)
    if isinstance(video, dict) and isinstance(video.get("id"), str):
        return VideoRef(id=video["id"])
    if isinstance(video, str) and video:
        return VideoRef(id=video)
    raise InvalidRequest("video is required: an uploaded video file or {\"id\": \"video_...\"}", param="video",
                         code="missing_required_parameter")
