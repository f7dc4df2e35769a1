"""What POST /api/verify and `kinora verify --json` answer."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel


class MediaFacts(BaseModel):
    seconds: float
    width: int
    height: int
    has_audio: bool


class SignerOut(BaseModel):
    subject: str
    issuer: str
    algorithm: str


class C2paOut(BaseModel):
    status: Literal["valid", "invalid", "absent"]  # invalid: the file changed after signing
    ai_generated: bool
    trusted: bool  # signed by this instance's CA (or the operator's)
    signer: SignerOut | None
    generator: dict[str, Any] | None  # Kinora version, engine, model, generation, instance
    title: str | None
    soft_binding: str | None  # the watermark payload the manifest claims, hex
    errors: list[str]
    warnings: list[str]


class WatermarkOut(BaseModel):
    found: bool
    payload: str | None  # 16 hex digits: instance id, then the generation's number there
    read_from: list[Literal["video", "audio"]]  # which marks carried it
    instance_id: str | None
    this_instance: bool
    generation_id: str | None  # the id the API shows for that video, when it was made here
    post_id: int | None  # its post, when the viewer may see it


class Match(BaseModel):
    generation_id: str
    post_id: int | None
    similarity: float  # 0..1 of pictures (or sound); 0.5 is the least reported


class VerifyReport(BaseModel):
    media: MediaFacts
    c2pa: C2paOut
    watermark: WatermarkOut
    matches: list[Match]
    verdict: str
