"""`kinora admin invite create|list`: the code alone on the last line, and it signs someone up; `kinora admin grant`.

Run: .venv/bin/pytest tests/test_cli_invite.py -q"""

from __future__ import annotations

import re
from typing import Any

from typer.testing import CliRunner

from kinora.app.users.invites import ALPHABET
from kinora.cli import app

runner = CliRunner()
CODE = re.compile(f"KIN-[{ALPHABET}]{{4}}-[{ALPHABET}]{{4}}")


def _env(settings: Any) -> dict[str, str]:
    return {"KINORA_DATA_DIR": str(settings.data_dir), "KINORA_DATABASE_URL": settings.db_url}


def _signup(community: Any, code: str, handle: str) -> Any:
    return community.client().post("/api/auth/signup", json={
        "invite_code": code, "handle": handle, "email": f"{handle}@example.com", "password": "correct horse battery",
        "birth_date": "1988-08-08"})


def test_create_prints_the_code_alone_on_its_last_line(community: Any) -> None:
    made = runner.invoke(app, ["admin", "invite", "create"], env=_env(community.settings))
    assert made.exit_code == 0, made.output
    code = made.output.strip().splitlines()[-1]
    assert CODE.fullmatch(code), made.output
    assert _signup(community, code, "cli_first").status_code == 201
    assert _signup(community, code, "cli_second").json()["error"]["param"] == "invite_code"


def test_create_with_several_uses_and_list(community: Any) -> None:
    env = _env(community.settings)
    made = runner.invoke(app, ["admin", "invite", "create", "--uses", "3"], env=env)
    assert made.exit_code == 0 and "3 sign-ups" in made.output
    code = made.output.strip().splitlines()[-1]
    for handle in ("cli_a", "cli_b"):
        assert _signup(community, code, handle).status_code == 201
    member = community.join("cli_member")
    mine = member.post("/api/me/invites").json()["code"]
    listed = runner.invoke(app, ["admin", "invite", "list"], env=env, terminal_width=200)
    assert listed.exit_code == 0, listed.output
    cells = [[cell.strip() for cell in line.split("│")[1:-1]] for line in listed.output.splitlines()
             if CODE.search(line)]
    rows = {row[0]: row[1:3] for row in cells}
    assert rows[code] == ["1", "admin"] and rows[mine] == ["1", "@cli_member"]


def test_bad_uses_is_explained(community: Any) -> None:
    result = runner.invoke(app, ["admin", "invite", "create", "--uses", "0"], env=_env(community.settings))
    assert result.exit_code == 2 and "uses must be 1-100000; got 0" in result.output


def test_grant_makes_a_member_an_admin_and_revoke_takes_it_back(community: Any) -> None:
    member = community.join("cli_boss")
    env = _env(community.settings)
    assert member.get("/admin").status_code == 404
    granted = runner.invoke(app, ["admin", "grant", "@cli_boss"], env=env)
    assert granted.exit_code == 0 and "@cli_boss is now an admin" in granted.output
    assert member.get("/admin").status_code == 200 and member.get("/api/me").json()["is_admin"] is True
    revoked = runner.invoke(app, ["admin", "grant", "cli_boss", "--revoke"], env=env)
    assert revoked.exit_code == 0 and "no longer an admin" in revoked.output
    assert member.get("/admin").status_code == 404
    unknown = runner.invoke(app, ["admin", "grant", "nobody_here"], env=env)
    assert unknown.exit_code != 0 and "No member with handle 'nobody_here'" in unknown.output
