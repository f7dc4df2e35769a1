"""Export of everything an account owns or did, as one zip: a JSON file per kind of thing, and its media."""

from __future__ import annotations

import asyncio
import contextlib
import os
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import orjson
from sqlalchemy import Column, Table, select
from sqlalchemy.ext.asyncio import AsyncSession

from kinora.app.cameos.models import Cameo, CameoAccess, CameoChallenge, CameoUse
from kinora.app.db import Database
from kinora.app.feed.models import CheckIn, FeedDay, FeedPreference, FeedSignal, View
from kinora.app.generations.models import Generation
from kinora.app.moderation.models import Appeal, ModerationEvent
from kinora.app.social.models import Block, Comment, Follow, Like, Notification, Post, Report
from kinora.app.storage import LocalStorage
from kinora.app.users.models import ApiKey, Invite, LoginSession, PasswordReset, User
from kinora.config import Settings


def _by(model: Any, column: str) -> tuple[Table, Column[Any]]:
    table: Table = model.__table__
    return table, table.c[column]


# file -> section -> (table, the column that names the account). Every users.id foreign key is listed here
# or in NOT_EXPORTED; tests/app/users/test_export.py checks that against the metadata.
FILES: dict[str, dict[str, tuple[Table, Column[Any]]]] = {
    "generations.json": {"generations": _by(Generation, "owner_id")},
    "posts.json": {"posts": _by(Post, "author_id")},
    "comments.json": {"comments": _by(Comment, "author_id")},
    "likes.json": {"likes": _by(Like, "user_id")},
    "follows.json": {"following": _by(Follow, "follower_id"), "followers": _by(Follow, "followee_id")},
    "blocks.json": {"blocks": _by(Block, "blocker_id")},
    "reports.json": {"reports": _by(Report, "reporter_id")},
    "notifications.json": {"notifications": _by(Notification, "user_id")},
    "feed.json": {"feed_preferences": _by(FeedPreference, "user_id"), "feed_signals": _by(FeedSignal, "user_id"),
                  "views": _by(View, "user_id"), "feed_days": _by(FeedDay, "user_id")},
    "checkins.json": {"checkins": _by(CheckIn, "user_id")},
    "invites.json": {"invites": _by(Invite, "created_by")},
    "tokens.json": {"tokens": _by(ApiKey, "user_id")},
    "sessions.json": {"sessions": _by(LoginSession, "user_id"), "password_resets": _by(PasswordReset, "user_id")},
    "cameos.json": {"cameos": _by(Cameo, "owner_id"), "access_asked": _by(CameoAccess, "user_id"),
                    "cameo_uses": _by(CameoUse, "user_id"), "challenges": _by(CameoChallenge, "user_id")},
    "moderation.json": {"decisions": _by(ModerationEvent, "user_id"), "appeals": _by(Appeal, "user_id")},
}
# Rows that name the account but belong to someone else (or to the instance), and why they stay out.
NOT_EXPORTED = {
    ("users", "invited_by"): "other people's accounts; invites.json lists their handles",
    ("blocks", "blocked_id"): "who blocked the account is theirs to know",
    ("reports", "target_user_id"): "reports about the account would name who filed them",
    ("reports", "resolved_by"): "moderation work belongs to the instance",
    ("notifications", "actor_id"): "notifications the account caused are other people's inboxes",
    ("moderation_events", "reviewer_id"): "moderation work belongs to the instance",
    ("appeals", "decided_by"): "moderation work belongs to the instance",
    ("safety_registry", "created_by"): "moderation work belongs to the instance",
}
STALE_SECONDS = 6 * 3600
# Secrets (only hashes, but still) and derived vectors never leave the server.
OMITTED = frozenset({"password_hash", "guardian_pin_hash", "key_hash", "token_hash", "more_vectors",
                     "less_vectors", "face_embedding", "voice_embedding"})


def record(row: Any) -> dict[str, Any]:
    return {key: value for key, value in dict(row).items() if key not in OMITTED}


async def _rows(session: AsyncSession, table: Table, column: Column[Any], user_id: int) -> list[dict[str, Any]]:
    result = await session.execute(select(table).where(column == user_id))
    return [record(row) for row in result.mappings()]


async def documents(session: AsyncSession, *, user_id: int) -> dict[str, Any]:
    """Every JSON file of the export, by name."""
    account = (await session.execute(select(User.__table__).where(User.id == user_id))).mappings().one()
    files: dict[str, Any] = {"account.json": {"account": record(account)}}
    for name, sections in FILES.items():
        files[name] = {section: await _rows(session, table, column, user_id)
                       for section, (table, column) in sections.items()}
    invited = await session.execute(select(User.handle, User.created_at).where(User.invited_by == user_id))
    files["invites.json"]["invited"] = [{"handle": handle, "joined_at": at} for handle, at in invited]
    return files


def media_keys(files: dict[str, Any]) -> list[str]:
    """The storage folders and files holding the account's media."""
    account = files["account.json"]["account"]
    keys = [f"{folder}/{gen['id']}" for gen in files["generations.json"]["generations"]
            for folder in ("videos", "inputs")]
    # A character's clip is plain video; a person's face data is sealed with the instance key, useless outside it.
    keys += [cameo["clip_key"] for cameo in files["cameos.json"]["cameos"]
             if cameo["kind"] == "character" and cameo["clip_key"]]
    if account["avatar_key"]:
        keys.append(account["avatar_key"])
    return keys


def write_zip(path: Path, files: dict[str, Any], storage: LocalStorage, keys: list[str]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in files.items():
            archive.writestr(name, orjson.dumps(content, option=orjson.OPT_INDENT_2))
        for key in keys:
            for file in _files(storage.path(key)):
                # Media is compressed already: stored as is, deflating it again would only cost time.
                archive.write(file, f"media/{file.relative_to(storage.root).as_posix()}", zipfile.ZIP_STORED)


def _sweep(folder: Path) -> None:
    """Remove exports left behind by downloads that broke off (the response removes the file when it completes)."""
    stale = time.time() - STALE_SECONDS
    for path in folder.glob("export-*.zip"):
        with contextlib.suppress(FileNotFoundError):
            if path.stat().st_mtime < stale:
                path.unlink()


def _files(root: Path) -> list[Path]:
    """The files at or under `root`, without half-written temp files (.name.part)."""
    found = [root] if root.is_file() else sorted(root.rglob("*")) if root.is_dir() else []
    return [path for path in found if path.is_file() and not path.name.startswith(".")]


async def build(db: Database, storage: LocalStorage, *, settings: Settings, user_id: int) -> Path:
    """The export as a temporary zip file under data_dir/tmp; the caller removes it once sent."""
    async with db.read() as session:
        files = await documents(session, user_id=user_id)
    folder = settings.data_dir / "tmp"
    folder.mkdir(parents=True, exist_ok=True)
    _sweep(folder)
    fd, name = tempfile.mkstemp(dir=folder, prefix="export-", suffix=".zip")
    os.close(fd)
    path = Path(name)
    try:
        await asyncio.to_thread(write_zip, path, files, storage, media_keys(files))
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
