"""`kinora admin moderation ...`: the same decisions from the command line; errors exit 2 with the message.

Run: .venv/bin/pytest tests/app/moderation/test_cli.py -q"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from typer.testing import CliRunner

from kinora.app.generations.models import COMPLETED, FAILED, QUEUED
from kinora.cli import app
from tests.app.moderation.helpers import generation, hold

runner = CliRunner()


def _run(community: Any, *args: str) -> Any:
    env = {"KINORA_DATA_DIR": str(community.settings.data_dir), "KINORA_DATABASE_URL": community.settings.db_url,
           "COLUMNS": "300"}  # rich wraps tables to the terminal: long ids stay whole
    return runner.invoke(app, ["admin", "moderation", *args], env=env, terminal_width=250)


def _ok(community: Any, *args: str) -> str:
    result = _run(community, *args)
    assert result.exit_code == 0, result.output
    output: str = result.output
    return output


def _fails(community: Any, *args: str) -> str:
    result = _run(community, *args)
    assert result.exit_code == 2, result.output
    output: str = result.output
    return output


def test_queue_approve_remove(community: Any) -> None:
    community.join("cli_ann")
    waiting, _ = hold(community, "cli_ann", output=False)
    shown, _ = hold(community, "cli_ann", output=True)
    gone, _ = hold(community, "cli_ann", output=True)
    listed = _ok(community, "queue")
    assert waiting in listed and gone in listed and "@cli_ann" in listed and "violence" in listed
    assert "now queued" in _ok(community, "approve", waiting)
    assert "now completed" in _ok(community, "approve", shown, "--note", "fine")
    assert "files are deleted" in _ok(community, "remove", gone, "--note", "gore")
    assert [generation(community, g).status for g in (waiting, shown, gone)] == [QUEUED, COMPLETED, FAILED]
    assert not community.services.storage.path(f"videos/{gone}").exists()
    assert "not held" in _fails(community, "approve", shown)
    assert "video_nope" in _fails(community, "remove", "video_nope")


def test_accounts_and_events(community: Any) -> None:
    community.join("cli_bob")
    assert "1 warning" in _ok(community, "warn", "cli_bob")
    assert "suspended until" in _ok(community, "suspend", "cli_bob", "--days", "3")
    assert "no longer suspended" in _ok(community, "unsuspend", "cli_bob")
    assert "days must be 1-3650" in _fails(community, "suspend", "cli_bob", "--days", "0")
    assert "not suspended" in _fails(community, "unsuspend", "cli_bob")
    assert "nobody_x" in _fails(community, "warn", "nobody_x")
    lines = _ok(community, "events", "--user", "cli_bob", "--json").splitlines()
    assert [json.loads(line)["outcome"] for line in lines] == ["unsuspend", "suspend", "warn"]
    assert len(_ok(community, "events", "--user", "cli_bob", "--json", "--limit", "1").splitlines()) == 1
    table = _ok(community, "events", "--limit", "5")
    assert "unsuspend" in table and "@cli_bob" in table


def test_registry(community: Any) -> None:
    made = _ok(community, "registry", "add", "rights", "Captain Comet", "--alias", "Comet", "--alias", "The Comet",
               "--allowed", "--holder", "Comet Studios")
    assert "added rights entry" in made
    entry_id = made.split("entry ")[1].split(":")[0]
    _ok(community, "registry", "add", "public_figure", "Jane Q Mayor")
    listed = _ok(community, "registry", "list", "--kind", "rights")
    assert "Captain Comet" in listed and "Comet, The Comet" in listed and "Jane" not in listed
    assert "allowed" in _fails(community, "registry", "add", "public_figure", "Sam Senator", "--allowed")
    assert "kind must be one of" in _fails(community, "registry", "add", "celebrity", "Sam Senator")
    assert "deleted" in _ok(community, "registry", "remove", entry_id)
    assert "Captain Comet" not in _ok(community, "registry", "list")
    assert "No registry entry" in _fails(community, "registry", "remove", entry_id)


def test_appeals_and_export(community: Any, tmp_path: Path) -> None:
    member = community.join("cli_cal")
    gen_id, event_id = hold(community, "cli_cal", output=True, prompt="a pirate duel at sea")
    _, other_event = hold(community, "cli_cal", output=False, prompt="a dragon burns a town")
    granted = member.post("/api/appeals", json={"event_id": event_id, "message": "it is a cartoon"}).json()["id"]
    denied = member.post("/api/appeals", json={"event_id": other_event, "message": "please"}).json()["id"]
    listed = _ok(community, "appeals")
    assert "@cli_cal" in listed and "it is a cartoon" in listed and "a pirate duel at sea" in listed
    assert "granted" in _ok(community, "appeal", "grant", str(granted), "--note", "ok")
    assert "denied" in _ok(community, "appeal", "deny", str(denied))
    assert generation(community, gen_id).status == COMPLETED
    assert "already granted" in _fails(community, "appeal", "deny", str(granted))
    out = tmp_path / "labels.jsonl"
    assert "labelled prompt" in _ok(community, "export", str(out))
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert {"prompt": "a pirate duel at sea", "label": "allow", "category": "violence"} in lines
    assert {"prompt": "a dragon burns a town", "label": "block", "category": "violence"} in lines
