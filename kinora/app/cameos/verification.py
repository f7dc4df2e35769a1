"""Verification: a one-time live challenge, the clip's checks (kinora/cameos/verify.py), then whose face it is.

A challenge is spent the moment a clip is offered for it, pass or fail, so a recording can never be replayed; the
checks run off the event loop; nothing is stored unless every check passed.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos import service
from kinora.app.cameos.models import KINDS, Cameo, CameoChallenge
from kinora.app.cameos.vault import Vault, from_settings
from kinora.app.db import Database
from kinora.app.errors import DomainError, InvalidRequest, InvalidState, NotFound
from kinora.app.storage import LocalStorage
from kinora.app.users.models import User
from kinora.cameos.faces import distance
from kinora.config import Settings

if TYPE_CHECKING:  # the checks (dlib, pocketsphinx, torch) load only when a clip is checked
    from kinora.cameos.verify import Verification

DIGITS = 6
TURNS = ("left", "right")
MAX_UPLOAD = 64 * 1024 * 1024


class VerificationFailed(DomainError):
    """The clip did not pass; `report` says what each check found."""

    status = 422
    default_code = "verification_failed"

    def __init__(self, message: str, report: dict[str, object]) -> None:
        super().__init__(message, param="video")
        self.report = report

    def body(self) -> dict[str, dict[str, object]]:
        body = super().body()
        body["error"]["report"] = self.report
        return body


def instructions(digits: str) -> str:
    return (f"Look at the camera, turn your head slowly to your left, then to your right, then back, and read "
            f"these digits aloud one by one: {' '.join(digits)}. Record 3 to 15 seconds, alone, in good light.")


def challenge_json(row: CameoChallenge) -> dict[str, object]:
    """A challenge as /api/cameos/challenges answers it (and the /cameo page shows it)."""
    return {"id": row.id, "digits": row.digits, "turns": list(TURNS), "instructions": instructions(row.digits),
            "expires_at": int(row.expires_at)}


async def new_challenge(session: AsyncSession, *, settings: Settings, user: User, kind: object) -> CameoChallenge:
    if kind != "person":
        raise InvalidRequest(f"kind must be 'person' (characters need no challenge: POST /api/cameos/characters); "
                             f"got {kind!r}", param="kind")
    now = time.time()
    row = CameoChallenge(id="chal_" + secrets.token_hex(16), user_id=user.id, kind="person",
                         digits="".join(str(secrets.randbelow(10)) for _ in range(DIGITS)), created_at=now,
                         expires_at=now + settings.cameo_challenge_seconds)
    session.add(row)
    await session.flush()
    return row


async def open_challenge(session: AsyncSession, *, user: User) -> CameoChallenge | None:
    """The user's newest challenge that is neither used nor expired (a reloaded page shows it again), if any."""
    row: CameoChallenge | None = await session.scalar(
        select(CameoChallenge).where(CameoChallenge.user_id == user.id, CameoChallenge.used_at.is_(None),
                                     CameoChallenge.expires_at > time.time())
        .order_by(CameoChallenge.created_at.desc()).limit(1))
    return row


async def spend_challenge(session: AsyncSession, *, user: User, challenge_id: object) -> CameoChallenge:
    """The user's challenge, marked used. Unknown, someone else's, used and expired challenges each say so."""
    if not isinstance(challenge_id, str) or not challenge_id:
        raise InvalidRequest("challenge_id is required: ask for one with POST /api/cameos/challenges",
                             param="challenge_id", code="missing_required_parameter")
    row: CameoChallenge | None = await session.get(CameoChallenge, challenge_id)
    if row is None or row.user_id != user.id:
        raise NotFound(f"No challenge found with id {challenge_id!r}", param="challenge_id")
    now = time.time()
    if row.used_at is not None:
        raise InvalidState(f"challenge {challenge_id} was already used at {_clock(row.used_at)}; each recording "
                           "needs a new challenge (POST /api/cameos/challenges)", param="challenge_id",
                           code="challenge_used")
    if now > row.expires_at:
        raise InvalidState(f"challenge {challenge_id} expired at {_clock(row.expires_at)} (challenges last "
                           f"{round((row.expires_at - row.created_at) / 60)} minutes); ask for a new one",
                           param="challenge_id", code="challenge_expired")
    row.used_at = now
    return row


def _clock(moment: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(moment))


def check_upload(data: bytes | None, *, param: str = "video") -> bytes:
    if not data:
        raise InvalidRequest(f"{param} is required: a 3-15 s video file (MP4, WebM or MOV)", param=param,
                             code="missing_required_parameter")
    if len(data) > MAX_UPLOAD:
        raise InvalidRequest(f"{param} must be at most {MAX_UPLOAD // 2**20} MiB; got {len(data) / 2**20:.1f} MiB",
                             param=param)
    return data


async def analyse(data: bytes, *, kind: str, digits: str, settings: Settings) -> Verification:
    """Run the clip's checks in a thread; a file that is not a video is a 400 that says so."""
    assert kind in KINDS
    with tempfile.TemporaryDirectory(prefix="kinora-cameo-") as folder:
        path = Path(folder) / "clip"
        path.write_bytes(data)
        try:
            return await asyncio.to_thread(_run, path, kind, digits, settings)
        except ValueError as e:
            raise InvalidRequest(f"video: {e}", param="video") from e


def _run(path: Path, kind: str, digits: str, settings: Settings) -> Verification:
    from kinora.cameos import faces, speech, voice
    from kinora.cameos.verify import verify_clip

    models = faces.load(settings.face_models)

    def embed_voice(audio: npt.NDArray[np.float32], rate: int) -> npt.NDArray[np.float32]:
        return voice.voice_embedding(audio, rate, weights=settings.voice_encoder)

    return verify_clip(path, kind="person" if kind == "person" else "character", digits=digits, faces=models,
                       verifier=speech.verifier(settings), voice=embed_voice)


def require_pass(result: Verification) -> None:
    if not result.passed:
        reasons = "; ".join(f.message for f in result.failures)
        raise VerificationFailed(f"verification failed: {reasons}", result.report())


async def check_identity(session: AsyncSession, *, settings: Settings, vault: Vault, user: User,
                         face: npt.NDArray[np.float32]) -> None:
    """Refuse a face that another account verified, and a re-recording that is not the face verified before."""
    limit = settings.cameo_face_distance
    rows = (await session.execute(select(Cameo.id, Cameo.owner_id, Cameo.face_embedding).where(
        Cameo.kind == "person", Cameo.face_embedding.is_not(None)))).all()
    gaps = [(owner_id, distance(face, vault.open_array(blob, context=f"{cameo_id}:face").astype(np.float32)))
            for cameo_id, owner_id, blob in rows if blob is not None]
    if any(owner_id != user.id and gap < limit for owner_id, gap in gaps):
        raise VerificationFailed("verification failed: this face is already verified by another account; a person "
                                 "can have one cameo, recorded by themselves",
                                 _refusal("face_taken", "this face belongs to another account's cameo"))
    for owner_id, gap in gaps:
        if owner_id == user.id and gap >= limit:
            raise VerificationFailed(f"verification failed: this is not the face you verified before (distance "
                                     f"{gap:.2f}, at most {limit:g}); re-record yourself, or delete your cameo first",
                                     _refusal("face_mismatch", "not the face verified before"))


def _refusal(code: str, message: str) -> dict[str, object]:
    return {"passed": False, "failures": [{"code": code, "message": message}]}


async def make_character(user: User, db: Database, settings: Settings, storage: LocalStorage, *, data: bytes | None,
                         name: object, handle: object, appearance: object, prefix: str = "cameo_") -> Cameo:
    """A character cameo from its clip; shared by /api/cameos/characters and /v1/videos/characters (ids char_)."""
    clip = check_upload(data)
    service.check_name(name)  # before the analysis: a missing name should not cost a decode
    result = await analyse(clip, kind="character", digits="", settings=settings)
    require_pass(result)
    async with db.write() as session:
        return await service.save_character(session, storage=storage, vault=from_settings(settings), user=user,
                                            result=result, name=name, handle=handle, appearance=appearance,
                                            clip=clip, size=result.size, prefix=prefix)
