"""Administration that runs outside the server (the `kinora admin` commands)."""

from __future__ import annotations

from kinora.app.bootstrap import bootstrap
from kinora.app.users import service as users
from kinora.config import Settings


async def create_key(settings: Settings, *, name: str, handle: str | None) -> tuple[list[str], str]:
    """Create a key for `handle` (default: the admin account, made on first use). Returns what to tell the
    operator and the key itself."""
    services = await bootstrap(settings)
    try:
        async with services.db.write() as session:
            user, created = await users.get_or_create(session, handle or settings.admin_handle, admin=handle is None)
            row, key = await users.create_api_key(session, user=user, name=name)
    finally:
        await services.db.dispose()
    lines = [f"created user @{user.handle}"] if created else []
    lines.append(f"API key {row.name!r} ({row.prefix}...) for @{user.handle}; it is shown once:")
    return lines, key
