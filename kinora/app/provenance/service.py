"""Verify: where did a clip come from? Its C2PA manifest, its invisible marks (pictures and sound) and the
nearest fingerprints on this instance, summed up in one plain-language verdict."""

from __future__ import annotations

import asyncio
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.db import Database
from kinora.app.generations.models import Generation
from kinora.app.provenance import lookup
from kinora.app.social.models import Post
from kinora.app.social.visibility import visible_to
from kinora.config import Settings
from kinora.media import c2pa
from kinora.media.certs import ensure_instance_certificate
from kinora.media.provenance import InstanceProvenance, instance_id, read_payload, watermark_key

if TYPE_CHECKING:
    from kinora.media import audiomark, watermark

WINDOW_SECONDS = 4.0  # the watermark is read from windows this long (it needs >= 2 s)
ANALYSE_SECONDS = 20.0  # of a file: marks and fingerprints come from its start
MAX_SIDE = 1280  # larger uploads are scaled down to this before analysis (the mark survives 0.5x)
_ANALYSES = threading.BoundedSemaphore(2)  # each holds a core for seconds: more at once only starve the server


def instance_provenance(settings: Settings) -> InstanceProvenance:
    """This instance's signing identity (made at first start unless the operator gave one) and mark keys."""
    identity = ensure_instance_certificate(settings.data_dir / "provenance", instance_name=settings.instance_name,
                                           chain_path=settings.signing_chain, key_path=settings.signing_key)
    secret = settings.watermark_key.get_secret_value() if settings.watermark_key else None
    return InstanceProvenance(name=settings.instance_name, instance_id=instance_id(identity), identity=identity,
                              watermark_key=watermark_key(secret), tsa_url=settings.tsa_url)


@dataclass(frozen=True)
class Analysis:
    """What the file itself says, before the database is asked."""

    media: dict[str, Any]
    c2pa: c2pa.C2paReport
    video_mark: watermark.Detection | None
    audio_mark: audiomark.Detection | None
    prints: lookup.Prints


def analyse(path: Path, inst: InstanceProvenance) -> Analysis:
    """Read the manifest, the marks and the fingerprints of the file at `path`. ValueError (naming the file)
    when it is not a video FFmpeg can read."""
    # Imported here: the marks and fingerprints need scipy, which the web process loads only once asked.
    from kinora.media import audiomark, fingerprint, marking, watermark
    from kinora.media.probe import probe, read_audio, video_windows

    info = probe(path)
    try:
        manifest = c2pa.read(path, trust_anchors_pem=inst.identity.anchor_pem)
    except ValueError:  # not an ISO-BMFF file (WebM, MKV, ...): it cannot hold our kind of manifest
        manifest = c2pa.C2paReport(status="absent")
    video_mark, hashes = None, []
    for frames, fps in video_windows(path, seconds=WINDOW_SECONDS, max_seconds=ANALYSE_SECONDS, max_side=MAX_SIDE):
        hashes += fingerprint.video_hashes(frames, fps)
        if (video_mark is None or not video_mark.found) and len(frames) >= 2:
            detection = watermark.detect(frames, keys=marking.keys(inst))
            if video_mark is None or detection.found or detection.score > video_mark.score:
                video_mark = detection
    audio, _, rate = read_audio(path, max_seconds=ANALYSE_SECONDS)
    audio_mark, words = None, np.zeros(0, np.uint32)
    if audio is not None and len(audio) and rate >= audiomark.MIN_SAMPLE_RATE:
        audio_mark = audiomark.detect(audio, rate)
        words = fingerprint.audio_fingerprint(audio, rate)
    media = {"seconds": round(info.duration, 3), "width": info.width, "height": info.height,
             "has_audio": info.audio_codec is not None}
    return Analysis(media, manifest, video_mark, audio_mark, lookup.Prints(hashes, words))


def _analyse_in_turn(path: Path, inst: InstanceProvenance) -> Analysis:
    with _ANALYSES:
        return analyse(path, inst)


async def verify(path: Path, *, db: Database, inst: InstanceProvenance, viewer_id: int | None,
                 operator: bool = False) -> dict[str, Any]:
    """The full report on the file at `path` (see schemas.VerifyReport). Posts are named when `viewer_id` may
    see them, or always for the `operator` (the CLI)."""
    found = await asyncio.to_thread(_analyse_in_turn, path, inst)
    data = _payload(found)
    detections = {"video": found.video_mark, "audio": found.audio_mark}
    mark: dict[str, Any] = {"found": data is not None, "payload": data.hex() if data else None,
                            "read_from": [name for name, d in detections.items() if d is not None and d.found],
                            "instance_id": None, "this_instance": False, "generation_id": None, "post_id": None}
    async with db.read() as session:
        if data is not None:
            origin, seq = read_payload(data)
            mark["instance_id"] = f"{origin:08x}"
            if origin == inst.instance_id:
                mark["this_instance"] = True
                mark["generation_id"], mark["post_id"] = await _named(session, seq, viewer_id, operator)
        matches = []
        for seq, score in await lookup.nearest(session, found.prints):
            gen_id, post_id = await _named(session, seq, viewer_id, operator)
            if gen_id is not None:
                matches.append({"generation_id": gen_id, "post_id": post_id, "similarity": round(score, 3)})
    report = {"media": found.media, "c2pa": _c2pa_json(found.c2pa), "watermark": mark, "matches": matches}
    report["verdict"] = verdict(report, inst.name)
    return report


def _payload(found: Analysis) -> bytes | None:
    """The payload the marks carry: the pictures' first (the stronger mark), else the sound's."""
    for detection in (found.video_mark, found.audio_mark):
        if detection is not None and detection.found and detection.payload is not None:
            return detection.payload
    return None


async def _named(session: AsyncSession, seq: int, viewer_id: int | None,
                 operator: bool) -> tuple[str | None, int | None]:
    """The API id of generation `seq` on this instance (None once deleted) and the post that published it,
    when the viewer may see that post."""
    gen_id: str | None = await session.scalar(select(Generation.id).where(Generation.seq == seq))
    if gen_id is None:
        return None, None
    query = select(Post.id).where(Post.generation_id == gen_id)
    post_id: int | None = await session.scalar(query if operator else query.where(visible_to(viewer_id)))
    return gen_id, post_id


def _c2pa_json(report: c2pa.C2paReport) -> dict[str, Any]:
    signer = report.signer
    return {"status": report.status, "ai_generated": report.ai_generated, "trusted": report.trusted,
            "signer": {"subject": signer.subject, "issuer": signer.issuer, "algorithm": signer.algorithm}
            if signer else None,
            "generator": report.generator, "title": report.title,
            "soft_binding": report.soft_binding["value"] if report.soft_binding else None,
            "errors": report.errors, "warnings": report.warnings}


def verdict(report: dict[str, Any], instance: str) -> str:
    """One or two sentences a person can act on."""
    manifest, mark, matches = report["c2pa"], report["watermark"], report["matches"]
    parts = []
    if mark["found"] and mark["this_instance"] and mark["generation_id"]:
        parts.append(f"AI-generated on this {instance} instance: its invisible watermark names generation "
                     f"{mark['generation_id']}" + (f" (post {mark['post_id']})" if mark["post_id"] else "") + ".")
    elif mark["found"] and mark["this_instance"]:
        parts.append(f"AI-generated on this {instance} instance (its watermark names a generation that has "
                     "since been deleted).")
    elif mark["found"]:
        parts.append(f"AI-generated on another Kinora instance: its invisible watermark names instance id "
                     f"{mark['instance_id']}.")
    elif matches:
        best = matches[0]
        parts.append(f"Probably a copy of generation {best['generation_id']} on this instance "
                     f"({best['similarity']:.0%} similar), though it carries no readable watermark.")
    if manifest["status"] == "valid":
        who = manifest["signer"]["subject"] if manifest["signer"] else "an unknown signer"
        kind = "says it is AI-generated" if manifest["ai_generated"] else "makes no AI-generation claim"
        trust = "a signer this instance trusts" if manifest["trusted"] else "a signer this instance does not know"
        parts.append(f"Its C2PA manifest is intact and {kind}; signed by {who}, {trust}.")
    elif manifest["status"] == "invalid":
        parts.append("Its C2PA manifest has been tampered with or damaged: the file changed after it was signed.")
    else:
        parts.append("It carries no C2PA manifest.")
    if not mark["found"] and not matches and manifest["status"] == "absent":
        parts.insert(0, "No sign that this clip came from Kinora: no watermark, no manifest, and nothing like it "
                        "on this instance.")
    return " ".join(parts)
