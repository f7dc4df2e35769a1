"""Who may put a cameo in a video. One rule table, read by the app API, /v1 and the job runner alike.

| permission | owner | approved | mutual | follower / stranger | blocked (either way) | teen (not approved) |
|---|---|---|---|---|---|---|
| only_me    | yes   | no       | no     | no                  | no                   | no                  |
| approved   | yes   | yes      | no     | no                  | no                   | no                  |
| mutuals    | yes   | yes      | yes    | no                  | no                   | no                  |
| everyone   | yes   | yes      | yes    | yes                 | no                   | no                  |

A teen may use someone else's cameo only when its owner approved them by name: "mutuals" and "everyone" were
chosen with adults in mind, and a likeness must not reach minors' videos by a setting made for a crowd. A denied
(or revoked) person is refused at every level but "everyone", where the owner chose to let anyone in.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos.models import ACCESS, Cameo, CameoAccess
from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.social import notifications
from kinora.app.social.visibility import blocked, follows
from kinora.app.users import ages
from kinora.app.users.models import User

LEVEL_WORDS = {"only_me": "only its owner", "approved": "only people its owner approved",
               "mutuals": "only people its owner follows who follow them back, and approved people",
               "everyone": "everyone"}


@dataclass(frozen=True)
class Relation:
    owner: bool = False
    approved: bool = False
    mutual: bool = False
    blocked: bool = False
    teen: bool = False


def may_use(permission: str, rel: Relation) -> bool:
    if rel.owner:
        return True
    if rel.blocked or permission == "only_me":
        return False
    if rel.approved:
        return True
    if rel.teen:
        return False
    return permission == "everyone" or (permission == "mutuals" and rel.mutual)


async def relation(session: AsyncSession, cameo: Cameo, user: User) -> Relation:
    if cameo.owner_id == user.id:
        return Relation(owner=True)
    status = await session.scalar(select(CameoAccess.status).where(CameoAccess.cameo_id == cameo.id,
                                                                   CameoAccess.user_id == user.id))
    mutual = await session.scalar(select(follows(user.id, cameo.owner_id) & follows(cameo.owner_id, user.id)))
    return Relation(approved=status == "approved", mutual=bool(mutual),
                    blocked=bool(await session.scalar(select(blocked(user.id, cameo.owner_id)))),
                    teen=ages.is_teen(user))


def refusal(cameo: Cameo, rel: Relation) -> str:
    """Why `rel` may not use `cameo`, in words that say what would change it (never more than the user may know)."""
    who = f"@{cameo.handle}"
    if rel.blocked:
        return f"you cannot use {who}'s cameo"
    if rel.teen and cameo.permission in ("mutuals", "everyone"):
        return (f"{who}'s cameo needs its owner's approval for teen accounts; ask for access "
                f"(POST /api/cameos/{cameo.handle}/requests)")
    if cameo.permission == "only_me":
        return f"{who}'s cameo may be used by its owner only"
    return (f"{who}'s cameo may be used by {LEVEL_WORDS[cameo.permission]}; ask for access "
            f"(POST /api/cameos/{cameo.handle}/requests)")


# --- requests and the owner's answers --------------------------------------------------------------------------


async def request(session: AsyncSession, *, cameo: Cameo, user: User) -> CameoAccess:
    """Ask the owner for access; the owner is notified. Asking again after a refusal changes nothing."""
    if cameo.owner_id == user.id:
        raise InvalidRequest("you own this cameo; no access to ask for", param="handle")
    if await session.scalar(select(blocked(user.id, cameo.owner_id))):
        raise NotFound(f"No cameo found with handle {cameo.handle!r}", param="handle")
    row: CameoAccess | None = await session.get(CameoAccess, (cameo.id, user.id))
    if row is None:
        row = CameoAccess(cameo_id=cameo.id, user_id=user.id, status="requested", created_at=time.time())
        session.add(row)
        await notifications.notify(session, user_id=cameo.owner_id, actor_id=user.id, type="cameo_request")
        await session.flush()
    return row


async def decide(session: AsyncSession, *, cameo: Cameo, handle: str, action: str) -> CameoAccess:
    """Approve or deny a request, or revoke (deny) anyone at any time, asked or not."""
    user: User | None = await session.scalar(select(User).where(User.handle == handle.lower().lstrip("@")))
    if user is None or user.id == cameo.owner_id:
        raise NotFound(f"No one else has handle {handle!r}", param="user_handle")
    row: CameoAccess | None = await session.get(CameoAccess, (cameo.id, user.id))
    if row is None:
        if action == "deny":
            raise NotFound(f"@{user.handle} has not asked to use @{cameo.handle}", param="user_handle")
        row = CameoAccess(cameo_id=cameo.id, user_id=user.id, status="requested", created_at=time.time())
        session.add(row)
    row.status, row.decided_at = ("approved" if action == "approve" else "denied"), time.time()
    if action == "approve":
        await notifications.notify(session, user_id=user.id, actor_id=cameo.owner_id, type="cameo_approved")
    await session.flush()
    return row


async def listing(session: AsyncSession, *, cameo: Cameo, status: str | None) -> list[tuple[CameoAccess, User]]:
    query = (select(CameoAccess, User).join(User, User.id == CameoAccess.user_id)
             .where(CameoAccess.cameo_id == cameo.id).order_by(CameoAccess.created_at.desc()))
    if status is not None:
        if status not in ACCESS:
            raise InvalidRequest(f"status must be one of {', '.join(ACCESS)}; got {status!r}", param="status")
        query = query.where(CameoAccess.status == status)
    return [(row, user) for row, user in (await session.execute(query)).all()]


async def status_of(session: AsyncSession, *, cameo: Cameo, user: User) -> str | None:
    found: str | None = await session.scalar(select(CameoAccess.status).where(
        CameoAccess.cameo_id == cameo.id, CameoAccess.user_id == user.id))
    return found
