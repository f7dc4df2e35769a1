"""Export (/api/me/export) misses nothing: every row of every table that names the account, and all its media.

Run: .venv/bin/pytest tests/app/users/test_export.py -q"""

from __future__ import annotations

import datetime
import io
import json
import os
import time
import zipfile
from typing import Any

import pytest
from sqlalchemy import select

from kinora.app.tables import Base
from kinora.app.users import export
from tests.app.users.helpers import populate, user_columns

# Rows that name the account but are other people's (or the instance's): see export.NOT_EXPORTED.
NOT_EXPORTED = {("users", "invited_by"), ("blocks", "blocked_id"), ("reports", "target_user_id"),
                ("reports", "resolved_by"), ("notifications", "actor_id"), ("moderation_events", "reviewer_id"),
                ("appeals", "decided_by"), ("safety_registry", "created_by")}
FILES = {"account.json", "generations.json", "posts.json", "comments.json", "likes.json", "follows.json",
         "blocks.json", "reports.json", "notifications.json", "feed.json", "checkins.json", "invites.json",
         "tokens.json", "sessions.json", "cameos.json", "moderation.json"}


@pytest.fixture(scope="module")
def exported(community: Any) -> dict[str, Any]:
    made = populate(community, "olga", "olgas_friend", "olgas_stranger")
    response = made["client"].get("/api/me/export")
    assert response.status_code == 200, response.text
    return {**made, "response": response, "zip": zipfile.ZipFile(io.BytesIO(response.content))}


def _records(archive: zipfile.ZipFile) -> list[dict[str, Any]]:
    """Every JSON object anywhere in the export's JSON files."""
    found: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            found.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for name in archive.namelist():
        if name.endswith(".json"):
            walk(json.loads(archive.read(name)))
    return found


def _db_rows(community: Any, table_name: str, column: str, user_id: int) -> list[dict[str, Any]]:
    table = Base.metadata.tables[table_name]

    async def body() -> list[dict[str, Any]]:
        async with community.services.db.read() as session:
            result = await session.execute(select(table).where(table.c[column] == user_id))
            return [dict(row) for row in result.mappings()]

    rows: list[dict[str, Any]] = community.run(body())
    return [{k: v.isoformat() if isinstance(v, datetime.date) else v for k, v in row.items()
             if k not in export.OMITTED} for row in rows]


def test_the_zip_is_an_attachment_and_leaves_no_temp_file(community: Any, exported: dict[str, Any]) -> None:
    response = exported["response"]
    assert response.headers["content-type"] == "application/zip"
    assert response.headers["content-disposition"] == 'attachment; filename="kinora-olga.zip"'
    assert set(exported["zip"].namelist()) >= FILES
    assert list((community.settings.data_dir / "tmp").iterdir()) == []


def test_every_row_naming_the_account_is_in_the_export(community: Any, exported: dict[str, Any]) -> None:
    columns = user_columns()
    assert set(columns) >= NOT_EXPORTED
    assert set(export.NOT_EXPORTED) == NOT_EXPORTED
    records = _records(exported["zip"])
    for table, column in sorted(set(columns) - NOT_EXPORTED):
        rows = _db_rows(community, table, column, exported["user_id"])
        assert rows, f"the test community has no {table}.{column} row for the account: extend populate()"
        for row in rows:
            assert any(row.items() <= record.items() for record in records), (table, column, row)


def test_the_account_itself_without_secrets(community: Any, exported: dict[str, Any]) -> None:
    account = json.loads(exported["zip"].read("account.json"))["account"]
    (row,) = _db_rows(community, "users", "id", exported["user_id"])
    assert account == row and account["handle"] == "olga" and account["birth_date"] == "1990-01-01"
    text = b"".join(exported["zip"].read(name) for name in exported["zip"].namelist() if name.endswith(".json"))
    for secret in (b"$argon2", b"password_hash", b"key_hash", b"token_hash", b"guardian_pin_hash", b"vectors"):
        assert secret not in text, secret
    invited = json.loads(exported["zip"].read("invites.json"))["invited"]
    assert [person["handle"] for person in invited] == ["olga_guest"]
    follows = json.loads(exported["zip"].read("follows.json"))
    assert len(follows["following"]) == 1 and len(follows["followers"]) == 2


def test_all_media_and_only_the_accounts(community: Any, exported: dict[str, Any]) -> None:
    storage = community.services.storage
    names = {name for name in exported["zip"].namelist() if name.startswith("media/")}
    generations = json.loads(exported["zip"].read("generations.json"))["generations"]
    expected = set()
    for gen in generations:
        for file in storage.path(f"videos/{gen['id']}").rglob("*.*"):
            expected.add(f"media/{file.relative_to(storage.root).as_posix()}")
    expected |= {f"media/inputs/{exported['draft']}/reference.png",
                 f"media/cameos/{exported['character']}/clip.mp4",
                 f"media/{json.loads(exported['zip'].read('account.json'))['account']['avatar_key']}"}
    assert len(generations) == 3 and len(expected) == 3 * 3 + 3
    assert names == expected
    for name in names:
        assert exported["zip"].read(name) == storage.path(name.removeprefix("media/")).read_bytes()


def test_exports_left_by_broken_downloads_are_swept(community: Any, exported: dict[str, Any]) -> None:
    folder = community.settings.data_dir / "tmp"
    stale, fresh = folder / "export-stale.zip", folder / "export-fresh.zip"
    for path in (stale, fresh):
        path.write_bytes(b"PK")
    old = time.time() - export.STALE_SECONDS - 60
    os.utime(stale, (old, old))
    assert exported["client"].get("/api/me/export").status_code == 200
    assert sorted(p.name for p in folder.iterdir()) == ["export-fresh.zip"]
    fresh.unlink()


def test_another_member_exports_only_their_own(community: Any, exported: dict[str, Any]) -> None:
    other = community.join("olgas_neighbour")
    archive = zipfile.ZipFile(io.BytesIO(other.get("/api/me/export").content))
    assert json.loads(archive.read("account.json"))["account"]["handle"] == "olgas_neighbour"
    assert json.loads(archive.read("posts.json")) == {"posts": []}
    assert not [name for name in archive.namelist() if name.startswith("media/")]
