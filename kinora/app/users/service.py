"""Users and API keys (random, shown once, stored only as a SHA-256 hash); sign-up and the account's settings."""

from __future__ import annotations

import datetime
import hashlib
import re
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.errors import InvalidRequest, NotFound
from kinora.app.pages import PageParams, cursor_int, encode_cursor
from kinora.app.social import service as social
from kinora.app.users import ages, invites
from kinora.app.users.models import ApiKey, User
from kinora.config import Settings

KEY_PREFIX = "kin_"
HANDLE_RE = re.compile(r"[a-z0-9_][a-z0-9_.]{1,39}")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def check_handle(handle: str) -> str:
    if not HANDLE_RE.fullmatch(handle):
        raise InvalidRequest(f"handle must be 2-40 lowercase letters, digits, '_' or '.'; got {handle!r}",
                             param="handle")
    return handle


async def get_by_handle(session: AsyncSession, handle: str) -> User | None:
    result: User | None = await session.scalar(select(User).where(User.handle == handle))
    return result


async def get_or_create(session: AsyncSession, handle: str, *, admin: bool = False) -> tuple[User, bool]:
    """The user called `handle`, created when missing; the flag says whether it was created."""
    user = await get_by_handle(session, check_handle(handle))
    if user is not None:
        return user, False
    user = User(handle=handle, is_admin=admin, created_at=time.time())
    session.add(user)
    await session.flush()
    return user, True


async def create_api_key(session: AsyncSession, *, user: User, name: str) -> tuple[ApiKey, str]:
    """A new key for `user`: the row, and the key itself (never stored, so never shown again)."""
    if not 1 <= len(name) <= 80:
        raise InvalidRequest(f"name must be 1-80 characters; got {len(name)}", param="name")
    key = KEY_PREFIX + secrets.token_urlsafe(30)
    row = ApiKey(user_id=user.id, name=name, prefix=key[:10], key_hash=hash_key(key), created_at=time.time())
    session.add(row)
    await session.flush()
    return row, key


async def user_for_key(session: AsyncSession, key: str) -> User | None:
    """The owner of a valid, unrevoked key, or None."""
    query = (select(User).join(ApiKey, ApiKey.user_id == User.id)
             .where(ApiKey.key_hash == hash_key(key), ApiKey.revoked_at.is_(None)))
    result: User | None = await session.scalar(query)
    return result


async def list_keys(session: AsyncSession) -> list[tuple[ApiKey, str]]:
    """Every key with its owner's handle, oldest first."""
    rows = await session.execute(select(ApiKey, User.handle).join(User, ApiKey.user_id == User.id)
                                 .order_by(ApiKey.id))
    return [(key, handle) for key, handle in rows]


async def revoke_key(session: AsyncSession, prefix: str) -> ApiKey:
    """Revoke the one unrevoked key whose shown prefix starts with `prefix`."""
    found = list(await session.scalars(select(ApiKey).where(ApiKey.prefix.startswith(prefix, autoescape=True),
                                                            ApiKey.revoked_at.is_(None))))
    if not found:
        raise NotFound(f"no active API key starts with {prefix!r}", param="prefix")
    if len(found) > 1:
        raise InvalidRequest(f"{len(found)} active keys start with {prefix!r}; give more of the prefix",
                             param="prefix")
    found[0].revoked_at = time.time()
    return found[0]


async def touch_key(session: AsyncSession, key: str) -> None:
    """Record that `key` was used (callers do it once per auth-cache period, not per request)."""
    await session.execute(update(ApiKey).where(ApiKey.key_hash == hash_key(key)).values(last_used_at=time.time()))


# Accounts of the social app: sign-up, sign-in, the account's own settings.

RESERVED_HANDLES = frozenset({
    "admin", "administrator", "api", "app", "auth", "drafts", "explore", "feed", "help", "kinora", "login",
    "logout", "me", "moderator", "new", "notifications", "p", "posts", "root", "search", "settings", "signup",
    "support", "system", "u", "user", "users", "v1", "www",
})
EMAIL_RE = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
MAX_DISPLAY_NAME, MAX_BIO = 80, 500
MIN_PASSWORD, MAX_PASSWORD = 10, 200


def new_handle(handle: str, *, reserved: Iterable[str] = ()) -> str:
    """A handle a person may choose: stored lowercase, so 'Ann' and 'ann' are the same handle."""
    lowered = handle.strip().lower()
    if not HANDLE_RE.fullmatch(lowered):
        raise InvalidRequest("handle must be 2-40 letters, digits, '_' or '.', not starting with '.'; "
                             f"got {handle!r}", param="handle")
    if lowered in RESERVED_HANDLES or lowered in set(reserved):
        raise InvalidRequest(f"handle {lowered!r} is reserved; choose another", param="handle")
    return lowered


def check_password(password: str, *, param: str = "password") -> str:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidRequest(f"{param} must be {MIN_PASSWORD}-{MAX_PASSWORD} characters; got {len(password)}",
                             param=param)
    return password


def check_email(email: str) -> str:
    lowered = email.strip().lower()
    if len(lowered) > 254 or not EMAIL_RE.fullmatch(lowered):
        raise InvalidRequest(f"email must look like name@example.com; got {email[:80]!r}", param="email")
    return lowered


def check_birth_date(value: str, today: datetime.date | None = None) -> datetime.date:
    """A birth date of someone old enough to join (MIN_AGE)."""
    try:
        born = datetime.date.fromisoformat(value.strip())
    except ValueError:
        raise InvalidRequest(f"birth_date must be an ISO date (YYYY-MM-DD); got {value[:40]!r}",
                             param="birth_date") from None
    today = today or datetime.datetime.now(datetime.UTC).date()
    if born > today:
        raise InvalidRequest(f"birth_date must not be in the future; got {born.isoformat()}", param="birth_date")
    if born.year < 1900:
        raise InvalidRequest(f"birth_date must be after 1900; got {born.isoformat()}", param="birth_date")
    if ages.age_on(born, today) < ages.MIN_AGE:
        raise InvalidRequest(f"you must be at least {ages.MIN_AGE} to join Kinora", param="birth_date")
    return born


async def ensure_handle_free(session: AsyncSession, handle: str, *, user_id: int | None = None) -> None:
    found = await session.scalar(select(User.id).where(User.handle == handle))
    if found is not None and found != user_id:
        raise InvalidRequest(f"handle {handle!r} is taken; choose another", param="handle")


async def ensure_email_free(session: AsyncSession, email: str) -> None:
    if await session.scalar(select(User.id).where(User.email == email)) is not None:
        raise InvalidRequest("email is already registered; sign in or reset the password", param="email")


@dataclass
class Signup:
    """A sign-up whose fields passed the checks that need no database (see `check_signup`)."""

    invite_code: str
    handle: str
    email: str
    birth_date: datetime.date
    password: str


def check_signup(*, invite_code: str, handle: str, email: str, password: str, birth_date: str,
                 reserved: Iterable[str] = ()) -> Signup:
    if not invite_code.strip():
        raise InvalidRequest("invite_code is required: Kinora is invite-only", param="invite_code")
    return Signup(invite_code=invite_code, handle=new_handle(handle, reserved=reserved), email=check_email(email),
                  birth_date=check_birth_date(birth_date), password=check_password(password))


async def signup(session: AsyncSession, *, settings: Settings, form: Signup, password_hash: str) -> User:
    """Create the account; the invite is spent in the same transaction, so a refused sign-up spends nothing."""
    await invites.check(session, form.invite_code)
    await ensure_handle_free(session, form.handle)
    await ensure_email_free(session, form.email)
    invite = await invites.redeem(session, form.invite_code)
    user = User(handle=form.handle, email=form.email, password_hash=password_hash, birth_date=form.birth_date,
                created_at=time.time(), invites_left=settings.invites_per_user, invited_by=invite.created_by,
                personalized=True, continuous_scroll=True, tier="free")
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:  # another sign-up took the handle or email since the checks above
        raise InvalidRequest(f"handle {form.handle!r} or this email was just taken; try again",
                             param="handle") from None
    return user


async def find_login(session: AsyncSession, login: str) -> User | None:
    """The account a sign-in names: by email when it has an '@', otherwise by handle."""
    lowered = login.strip().lower()
    column = User.email if "@" in lowered else User.handle
    found: User | None = await session.scalar(select(User).where(column == lowered))
    return found


def me(user: User) -> dict[str, Any]:
    """The signed-in account as its owner sees it."""
    return {
        "handle": user.handle, "email": user.email, "display_name": user.display_name, "bio": user.bio,
        "avatar_url": social.avatar_url(user.handle, user.avatar_key),
        "birth_date": user.birth_date.isoformat() if user.birth_date else None, "is_teen": ages.is_teen(user),
        "tier": user.tier, "is_admin": user.is_admin, "invites_left": user.invites_left,
        "created_at": int(user.created_at),
        "guardian": {"locked": user.guardian_pin_hash is not None, "personalization": user.personalized,
                     "continuous_scroll": user.continuous_scroll},
    }


async def update_profile(session: AsyncSession, *, settings: Settings, user_id: int, display_name: str | None,
                         bio: str | None, handle: str | None) -> User:
    user = await session.get(User, user_id)
    assert user is not None, user_id
    if display_name is not None:
        user.display_name = _bounded(display_name.strip(), MAX_DISPLAY_NAME, "display_name")
    if bio is not None:
        user.bio = _bounded(bio.strip(), MAX_BIO, "bio")
    if handle is not None and handle.strip().lower() != user.handle:
        chosen = new_handle(handle, reserved=[settings.admin_handle])
        await ensure_handle_free(session, chosen, user_id=user.id)
        user.handle = chosen
    await session.flush()
    return user


def _bounded(value: str, limit: int, param: str) -> str:
    if len(value) > limit:
        raise InvalidRequest(f"{param} must be at most {limit} characters; got {len(value)}", param=param)
    return value


async def list_tokens(session: AsyncSession, *, user_id: int, page: PageParams) -> tuple[list[ApiKey], str | None]:
    """The account's active personal tokens, newest first."""
    query = select(ApiKey).where(ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))
    after = cursor_int(page)
    if after is not None:
        query = query.where(ApiKey.id < after)
    rows = list(await session.scalars(query.order_by(ApiKey.id.desc()).limit(page.limit + 1)))
    more = len(rows) > page.limit
    return rows[:page.limit], encode_cursor({"id": rows[page.limit - 1].id}) if more else None


async def delete_token(session: AsyncSession, *, user_id: int, prefix: str) -> None:
    """Delete one of the account's own tokens by its shown prefix; anyone else's is as good as missing."""
    found = list(await session.scalars(select(ApiKey).where(ApiKey.user_id == user_id,
                                                            ApiKey.prefix == prefix.removesuffix("..."))))
    if not found:
        raise NotFound(f"No token of yours has the prefix {prefix!r}", param="prefix")
    for key in found:  # 36 random bits each: two of one account's tokens sharing a prefix is not a real case
        await session.delete(key)
