"""/api: Sign-up, sign-in, the signed-in account and profiles."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, BackgroundTasks, File, Request, Response, UploadFile
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from kinora.app.deps import DbDep, MaybeViewer, SettingsDep, StorageDep, Viewer
from kinora.app.errors import NotFound
from kinora.app.files import file_response
from kinora.app.pages import Page, PageDep
from kinora.app.users import avatars, deletion, export, guardian, invites, passwords, profiles, sessions
from kinora.app.users import service as users
from kinora.app.users.models import ApiKey, Invite, User
from kinora.app.users.schemas import (
    Guardian,
    GuardianIn,
    InviteOut,
    LoginIn,
    Me,
    MePatch,
    PasswordChangeIn,
    PasswordIn,
    PinIn,
    Profile,
    ResetConfirmIn,
    ResetIn,
    SignupIn,
    TokenCreated,
    TokenIn,
    TokenOut,
)

router = APIRouter(prefix="/api", tags=["accounts"])


# Signing up, in and out


@router.post("/auth/signup", status_code=201, response_model=Me)
async def signup(body: SignupIn, request: Request, response: Response, db: DbDep,
                 settings: SettingsDep) -> dict[str, Any]:
    """Create an account with an invite code; the response signs the new member in (session cookie)."""
    form = users.check_signup(**body.model_dump(), reserved=[settings.admin_handle])
    password_hash = await passwords.hash_password(form.password)
    async with db.write() as session:
        user = await users.signup(session, settings=settings, form=form, password_hash=password_hash)
        await sessions.set_cookie(session, request, response, settings, user)
    return users.me(user)


@router.post("/auth/login", response_model=Me)
async def login(body: LoginIn, request: Request, response: Response, db: DbDep,
                settings: SettingsDep) -> dict[str, Any]:
    """Sign in with a handle or email and the password; sets the session cookie."""
    user = await passwords.authenticate(db, login=body.login, password=body.password)
    await sessions.sign_in(db, request, response, settings, user)
    return users.me(user)


@router.post("/auth/logout", status_code=204)
async def logout(request: Request, response: Response, db: DbDep, settings: SettingsDep) -> None:
    """End this browser session (the cookie is cleared; signing out twice is fine)."""
    token = request.cookies.get(sessions.COOKIE)
    if token:
        async with db.write() as session:
            await sessions.end(session, token)
    response.delete_cookie(**sessions.cookie_args(request, settings))


@router.post("/auth/password-reset", status_code=202)
async def password_reset(body: ResetIn, request: Request, tasks: BackgroundTasks, db: DbDep,
                         settings: SettingsDep) -> dict[str, str]:
    """Email a reset link valid for an hour. The answer is the same whether or not the address has an account."""
    async with db.write() as session:
        found = await passwords.request_reset(session, email=body.email)
    if found is not None:
        tasks.add_task(passwords.send_reset, settings, base_url=str(request.base_url), to=found[0], token=found[1])
    return {"status": "sent if the address belongs to an account"}


@router.post("/auth/password-reset/confirm", status_code=204)
async def password_reset_confirm(body: ResetConfirmIn, db: DbDep) -> None:
    """Set a new password with the token from a reset link; every session of the account ends."""
    password_hash = await passwords.hash_password(users.check_password(body.password))
    async with db.write() as session:
        await passwords.confirm_reset(session, token=body.token, password_hash=password_hash)


# The signed-in account


@router.get("/me", response_model=Me)
async def get_me(viewer: Viewer) -> dict[str, Any]:
    """The signed-in account."""
    return users.me(viewer)


@router.patch("/me", response_model=Me)
async def patch_me(body: MePatch, viewer: Viewer, db: DbDep, settings: SettingsDep) -> dict[str, Any]:
    """Change the display name, bio or handle (only the fields sent)."""
    async with db.write() as session:
        user = await users.update_profile(session, settings=settings, user_id=viewer.id, **body.model_dump())
    return users.me(user)


@router.delete("/me", status_code=204)
async def delete_me(body: PasswordIn, request: Request, response: Response, viewer: Viewer, db: DbDep,
                    storage: StorageDep, settings: SettingsDep) -> None:
    """Delete the account and everything it owns: posts, drafts, media, comments, likes, cameo data."""
    await deletion.delete_account(db, storage, settings=settings, user=viewer, password=body.password)
    response.delete_cookie(**sessions.cookie_args(request, settings))


@router.post("/me/password", status_code=204)
async def change_password(body: PasswordChangeIn, request: Request, response: Response, viewer: Viewer,
                          db: DbDep, settings: SettingsDep) -> None:
    """Change the password: every other session ends, this one gets a fresh cookie."""
    await passwords.change(db, user=viewer, current=body.current_password, new=body.new_password)
    await sessions.sign_in(db, request, response, settings, viewer)


@router.get("/me/export")
async def export_me(viewer: Viewer, db: DbDep, storage: StorageDep, settings: SettingsDep) -> FileResponse:
    """Everything the account owns or did, as a zip of JSON files and media."""
    path = await export.build(db, storage, settings=settings, user_id=viewer.id)
    return FileResponse(path, media_type="application/zip", filename=f"kinora-{viewer.handle}.zip",
                        background=BackgroundTask(Path.unlink, path, missing_ok=True))


# Invites and personal tokens


def _invite(invite: Invite) -> InviteOut:
    return InviteOut(code=invite.code, uses_left=invite.uses_left, created_at=int(invite.created_at))


@router.get("/me/invites", response_model=Page[InviteOut])
async def list_invites(viewer: Viewer, db: DbDep, page: PageDep) -> Page[InviteOut]:
    """The invite codes this account made, newest first."""
    async with db.read() as session:
        rows, cursor = await invites.list_page(session, user_id=viewer.id, page=page)
    return Page(items=[_invite(row) for row in rows], next_cursor=cursor)


@router.post("/me/invites", status_code=201, response_model=InviteOut)
async def create_invite(viewer: Viewer, db: DbDep) -> InviteOut:
    """Make a one-use invite code from the account's allowance."""
    async with db.write() as session:
        return _invite(await invites.create_for_member(session, user_id=viewer.id))


def _token(key: ApiKey) -> dict[str, Any]:
    return {"prefix": key.prefix, "name": key.name, "created_at": int(key.created_at),
            "last_used_at": None if key.last_used_at is None else int(key.last_used_at)}


@router.get("/me/tokens", response_model=Page[TokenOut])
async def list_tokens(viewer: Viewer, db: DbDep, page: PageDep) -> Page[TokenOut]:
    """The account's personal tokens (never the tokens themselves), newest first."""
    async with db.read() as session:
        rows, cursor = await users.list_tokens(session, user_id=viewer.id, page=page)
    return Page(items=[TokenOut(**_token(row)) for row in rows], next_cursor=cursor)


@router.post("/me/tokens", status_code=201, response_model=TokenCreated)
async def create_token(body: TokenIn, viewer: Viewer, db: DbDep) -> TokenCreated:
    """A personal token for scripts ('Authorization: Bearer <token>' on /api and /v1); shown this once."""
    async with db.write() as session:
        row, token = await users.create_api_key(session, user=viewer, name=body.name.strip())
    return TokenCreated(**_token(row), token=token)


@router.delete("/me/tokens/{prefix}", status_code=204)
async def delete_token(prefix: str, viewer: Viewer, db: DbDep) -> None:
    """Delete one of the account's tokens by its prefix; it stops working at once."""
    async with db.write() as session:
        await users.delete_token(session, user_id=viewer.id, prefix=prefix)


# Guardian setting and avatar


def _guardian(user: User) -> Guardian:
    return Guardian(locked=user.guardian_pin_hash is not None, personalization=user.personalized,
                    continuous_scroll=user.continuous_scroll)


@router.put("/me/guardian", response_model=Guardian)
async def set_guardian(body: GuardianIn, viewer: Viewer, db: DbDep) -> Guardian:
    """Lock personalization and continuous scroll behind a PIN (the first call sets it; later ones need it)."""
    return _guardian(await guardian.configure(db, user=viewer, pin=body.pin, personalization=body.personalization,
                                              continuous_scroll=body.continuous_scroll))


@router.delete("/me/guardian", response_model=Guardian)
async def remove_guardian(body: PinIn, viewer: Viewer, db: DbDep) -> Guardian:
    """Remove the guardian PIN (the settings stay until changed)."""
    return _guardian(await guardian.unlock(db, user=viewer, pin=body.pin))


@router.put("/me/avatar", response_model=Me)
async def put_avatar(file: Annotated[UploadFile, File(description="JPEG, PNG, WebP or GIF.")], viewer: Viewer,
                     db: DbDep, storage: StorageDep, settings: SettingsDep) -> dict[str, Any]:
    """Upload an avatar: cropped to a square, 256x256, re-encoded as WebP without metadata."""
    data = await file.read(settings.avatar_max_bytes + 1)
    user = await avatars.replace(db, storage, user=viewer, data=data, max_bytes=settings.avatar_max_bytes)
    return users.me(user)


@router.delete("/me/avatar", status_code=204)
async def delete_avatar(viewer: Viewer, db: DbDep, storage: StorageDep) -> None:
    """Remove the avatar."""
    await avatars.remove(db, storage, user=viewer)


# Profiles


@router.get("/users/{handle}", response_model=Profile)
async def get_profile(handle: str, viewer: MaybeViewer, db: DbDep) -> dict[str, Any]:
    """A member's profile: who they are, their counts, and how they relate to you."""
    async with db.read() as session:
        return await profiles.profile(session, handle=handle, viewer_id=viewer.id if viewer else None)


@router.get("/users/{handle}/avatar")
async def get_avatar(handle: str, request: Request, viewer: MaybeViewer, db: DbDep, storage: StorageDep) -> Response:
    """A member's avatar image (WebP)."""
    async with db.read() as session:
        user = await profiles.find(session, handle=handle, viewer_id=viewer.id if viewer else None)
    if user.avatar_key is None:
        raise NotFound(f"@{user.handle} has no avatar", param="handle")
    try:
        return file_response(request, storage.path(user.avatar_key), media_type="image/webp")
    except FileNotFoundError:
        raise NotFound(f"@{user.handle} has no avatar", param="handle") from None
