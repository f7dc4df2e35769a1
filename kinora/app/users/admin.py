"""Administration that runs outside the server (the `kinora admin` commands)."""

from __future__ import annotations

from kinora.app.bootstrap import Services, with_services
from kinora.app.errors import NotFound
from kinora.app.users import invites
from kinora.app.users import service as users
from kinora.config import Settings


async def create_key(settings: Settings, *, name: str, handle: str | None) -> tuple[list[str], str]:
    """Create a key for `handle` (default: the admin account, made on first use). Returns what to tell the
    operator and the key itself."""

    async def body(services: Services) -> tuple[list[str], str]:
        async with services.db.write() as session:
            user, created = await users.get_or_create(session, handle or settings.admin_handle, admin=handle is None)
            row, key = await users.create_api_key(session, user=user, name=name)
        lines = [f"created user @{user.handle}"] if created else []
        lines.append(f"API key {row.name!r} ({row.prefix}...) for @{user.handle}; it is shown once:")
        return lines, key

    return await with_services(settings, body)


async def set_admin(settings: Settings, *, handle: str, admin: bool) -> str:
    """Make a member an admin of the instance (the /admin pages, moderation over /api), or take it back."""

    async def body(services: Services) -> str:
        async with services.db.write() as session:
            user = await users.get_by_handle(session, handle.strip().lstrip("@").lower())
            if user is None:
                raise NotFound(f"No member with handle {handle!r}: they join first, with an invite", param="handle")
            user.is_admin = admin
        return f"@{user.handle} is {'now' if admin else 'no longer'} an admin (signed-in pages see it at once)"

    return await with_services(settings, body)


async def list_keys(settings: Settings) -> list[dict[str, object]]:
    async def body(services: Services) -> list[dict[str, object]]:
        async with services.db.read() as session:
            return [{"prefix": key.prefix, "name": key.name, "user": handle, "created_at": key.created_at,
                     "last_used_at": key.last_used_at, "revoked_at": key.revoked_at}
                    for key, handle in await users.list_keys(session)]

    return await with_services(settings, body)


async def revoke_key(settings: Settings, prefix: str) -> str:
    async def body(services: Services) -> str:
        async with services.db.write() as session:
            key = await users.revoke_key(session, prefix)
        return f"revoked API key {key.name!r} ({key.prefix}...); running servers stop accepting it within 30 s"

    return await with_services(settings, body)


async def create_invite(settings: Settings, *, uses: int) -> str:
    """A new admin invite code good for `uses` sign-ups."""

    async def body(services: Services) -> str:
        async with services.db.write() as session:
            return (await invites.create(session, created_by=None, uses=uses)).code

    return await with_services(settings, body)


async def list_invites(settings: Settings) -> list[dict[str, object]]:
    """Every invite code, newest first, with who made it (None: an admin command) and the uses left."""

    async def body(services: Services) -> list[dict[str, object]]:
        async with services.db.read() as session:
            return [{"code": invite.code, "uses_left": invite.uses_left, "created_by": handle,
                     "created_at": invite.created_at} for invite, handle in await invites.list_all(session)]

    return await with_services(settings, body)
