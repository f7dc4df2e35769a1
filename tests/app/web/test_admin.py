"""The admin pages (kinora/app/web/routes/admin.py): only admins see them; every action changes the database and a
refused one answers with the service's message in the toast.

    .venv/bin/python -m pytest tests/app/web/test_admin.py -x -q
"""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
from sqlalchemy import select

from kinora.app.feed.models import CheckIn
from kinora.app.generations.models import COMPLETED, FAILED
from kinora.app.moderation.models import Appeal, ModerationEvent, RegistryEntry
from kinora.app.social.models import Post, Report
from kinora.app.users.models import Invite, User
from tests.app.moderation.helpers import files, generation, hold
from tests.app.social.helpers import make_admin
from tests.app.web.helpers import alerts, send
from tests.community import count, scalar

SECTIONS = ("invites", "queue", "reports", "appeals", "accounts", "registry", "wellbeing")


@pytest.fixture(scope="module")
def admin(community: Any) -> Any:
    client = community.join("web_boss")
    make_admin(community, "web_boss")
    return client


def act(client: Any, method: str, path: str, **data: Any) -> Any:
    """An htmx action from an admin page."""
    return send(client, method, path, page="/admin", data=data or None)


def toast(response: Any) -> str:
    """The message of an htmx action's answer: the error fragment it retargets at #toast, or the HX-Trigger one."""
    if response.status_code >= 400:
        assert response.headers["hx-retarget"] == "#toast", response.text
        return html.unescape(alerts(response.text)[0])
    return str(response.headers["hx-trigger"])


def test_admin_pages_are_for_admins_only(community: Any, admin: Any) -> None:
    member = community.join("web_plain")
    for path in ("/admin", *(f"/admin/{name}" for name in SECTIONS)):
        shown = admin.get(path)
        assert shown.status_code == 200, (path, shown.text)
        assert 'aria-label="Admin sections"' in shown.text
        refused = member.get(path)
        assert refused.status_code == 404 and "Not found" in refused.text, path
        assert community.client().get(path, follow_redirects=False).headers["location"].startswith("/login?next=")
    assert act(member, "POST", "/admin/invites", uses="5").status_code == 404
    assert count(community, Invite, Invite.uses_left == 5) == 0


def test_invites_are_made_and_listed(community: Any, admin: Any) -> None:
    made = act(admin, "POST", "/admin/invites", uses="3")
    assert made.status_code == 200, made.text
    code = re.search(r"<code>(KIN-[A-Z0-9-]+)</code>", made.text)
    assert code is not None and f"Invite {code.group(1)} created (3 uses)" in toast(made)
    assert scalar(community, select(Invite.uses_left).where(Invite.code == code.group(1))) == 3
    assert code.group(1) in admin.get("/admin/invites").text
    before = count(community, Invite)
    assert toast(act(admin, "POST", "/admin/invites", uses="0")) == "uses must be 1-100000; got 0"
    assert "uses" in toast(act(admin, "POST", "/admin/invites", uses="many"))
    assert count(community, Invite) == before


def test_the_queue_shows_held_generations_and_decides_them(community: Any, admin: Any) -> None:
    community.join("web_maker")
    shown_id, _ = hold(community, "web_maker", output=True, prompt="a knight duels a <dragon>")
    waiting_id, _ = hold(community, "web_maker", output=False, prompt="a storm over the harbour")
    page = admin.get("/admin/queue").text
    assert "a knight duels a &lt;dragon&gt;" in page and "a storm over the harbour" in page
    assert f'src="/admin/queue/{shown_id}/thumbnail"' in page and f"/admin/queue/{waiting_id}/thumbnail" not in page
    assert "classifier" in page and "violence 0.71" in page  # the layer and the reason that held it
    thumbnail = admin.get(f"/admin/queue/{shown_id}/thumbnail")
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/webp"
    assert admin.get(f"/admin/queue/{waiting_id}/thumbnail").status_code == 404

    assert toast(act(admin, "POST", f"/admin/queue/{shown_id}", action="delete")) \
        == "action must be one of approve, remove; got 'delete'"
    approved = act(admin, "POST", f"/admin/queue/{shown_id}", action="approve", note="a fairy tale")
    assert approved.status_code == 200 and approved.text == ""
    assert toast(approved) == '{"admin:done": "Approved: the generation is completed now"}'
    assert generation(community, shown_id).status == COMPLETED
    assert count(community, ModerationEvent, ModerationEvent.generation_id == shown_id,
                 ModerationEvent.outcome == "approve", ModerationEvent.note == "a fairy tale") == 1
    assert "not held for review" in toast(act(admin, "POST", f"/admin/queue/{shown_id}", action="remove"))

    other_id, _ = hold(community, "web_maker", output=True, prompt="a grim battlefield")
    assert act(admin, "POST", f"/admin/queue/{other_id}", action="remove").status_code == 200
    assert generation(community, other_id).status == FAILED and not files(community, other_id)
    assert toast(act(admin, "POST", f"/admin/queue/{waiting_id}", action="approve", note="x" * 2001)) \
        == "note must be at most 2000 characters; got 2001"
    assert shown_id not in admin.get("/admin/queue").text


def test_reports_are_resolved_or_dismissed(community: Any, admin: Any) -> None:
    community.join("web_author")
    reporter = community.join("web_reporter")
    post = community.post("web_author", "a cat on a skateboard", caption="my <b>cat</b>")
    first = reporter.post("/api/reports", json={"target_type": "post", "target_id": post["id"], "category": "spam",
                                                "details": "posted ten times today"}).json()
    second = reporter.post("/api/reports", json={"target_type": "user", "target_id": "web_author",
                                                 "category": "impersonation"}).json()
    page = admin.get("/admin/reports").text
    assert "posted ten times today" in page and "@web_reporter" in page and "my &lt;b&gt;cat&lt;/b&gt;" in page
    assert "a cat on a skateboard" in page and f'href="/p/{post["id"]}"' in page
    assert toast(act(admin, "POST", f"/admin/reports/{first['id']}", status="maybe")) \
        == "status must be resolved or dismissed; got 'maybe'"
    assert "remove goes with status resolved" in toast(act(admin, "POST", f"/admin/reports/{first['id']}",
                                                           status="dismissed", remove="true"))
    assert "accounts are not removed" in toast(act(admin, "POST", f"/admin/reports/{second['id']}",
                                                   status="resolved", remove="true"))
    resolved = act(admin, "POST", f"/admin/reports/{first['id']}", status="resolved", remove="true")
    assert resolved.status_code == 200 and "removed" in toast(resolved)
    assert count(community, Post, Post.id == post["id"]) == 0
    assert act(admin, "POST", f"/admin/reports/{second['id']}", status="dismissed").status_code == 200
    statuses = {row.id: row.status for row in _reports(community)}
    assert (statuses[first["id"]], statuses[second["id"]]) == ("resolved", "dismissed")
    assert "No open reports." in admin.get("/admin/reports").text
    assert "posted ten times today" in admin.get("/admin/reports", params={"status": "resolved"}).text
    refused = admin.get("/admin/reports", params={"status": "lost"})
    assert refused.status_code == 400 and "status must be one of open, resolved, dismissed" in refused.text


def _reports(community: Any) -> list[Report]:
    async def body() -> list[Report]:
        async with community.services.db.read() as session:
            return list(await session.scalars(select(Report)))

    found: list[Report] = community.run(body())
    return found


def test_appeals_are_granted_or_denied(community: Any, admin: Any) -> None:
    member = community.join("web_appealer")
    gen_id, event_id = hold(community, "web_appealer", output=True, prompt="a pirate ship at dawn")
    appeal = member.post("/api/appeals", json={"event_id": event_id, "message": "It is <i>fiction</i>."}).json()
    page = admin.get("/admin/appeals").text
    assert "It is &lt;i&gt;fiction&lt;/i&gt;." in page and "a pirate ship at dawn" in page and "@web_appealer" in page
    assert toast(act(admin, "POST", f"/admin/appeals/{appeal['id']}", decision="maybe")) \
        == "decision must be one of grant, deny; got 'maybe'"
    granted = act(admin, "POST", f"/admin/appeals/{appeal['id']}", decision="grant", note="fair enough")
    assert granted.status_code == 200 and f"Appeal {appeal['id']} granted" in toast(granted)
    assert generation(community, gen_id).status == COMPLETED
    assert scalar(community, select(Appeal.decision_note).where(Appeal.id == appeal["id"])) == "fair enough"
    assert "already granted" in toast(act(admin, "POST", f"/admin/appeals/{appeal['id']}", decision="deny"))
    assert "fair enough" in admin.get("/admin/appeals", params={"status": "granted"}).text
    assert act(admin, "POST", "/admin/appeals/99999", decision="deny").status_code == 404


def test_accounts_are_suspended_and_restored(community: Any, admin: Any) -> None:
    community.join("web_troll")
    suspended = act(admin, "POST", "/admin/accounts", handle="@web_troll", action="suspend", days="3", note="spam")
    assert suspended.status_code == 200 and "suspended until" in suspended.text and "@web_troll" in suspended.text
    assert scalar(community, select(User.suspended_until).where(User.handle == "web_troll")) is not None
    assert 'hx-swap-oob="true"' in suspended.text and "spam" in suspended.text  # the log, too
    assert "spam" in admin.get("/admin/accounts").text
    restored = act(admin, "POST", "/admin/accounts", handle="web_troll", action="unsuspend")
    assert restored.status_code == 200 and "not suspended" in restored.text
    assert scalar(community, select(User.suspended_until).where(User.handle == "web_troll")) is None
    assert toast(act(admin, "POST", "/admin/accounts", handle="web_troll", action="unsuspend")) \
        == "@web_troll is not suspended"
    assert toast(act(admin, "POST", "/admin/accounts", handle="nobody_here", action="warn")) \
        == "No user found with handle 'nobody_here'"
    assert "days must be a whole number" in toast(act(admin, "POST", "/admin/accounts", handle="web_troll",
                                                      action="suspend", days="soon"))
    assert toast(act(admin, "POST", "/admin/accounts", handle="web_troll", action="suspend")) \
        == "days must be 1-3650 to suspend; got None"
    assert "action must be one of warn, suspend, unsuspend" in toast(act(admin, "POST", "/admin/accounts",
                                                                         handle="web_troll", action="ban"))
    warned = act(admin, "POST", "/admin/accounts", handle="web_troll", action="warn", days="ignored")
    assert warned.status_code == 200 and "1 warning " in warned.text
    assert scalar(community, select(User.warnings).where(User.handle == "web_troll")) == 1


def test_the_registry_is_listed_added_changed_and_deleted(community: Any, admin: Any) -> None:
    added = act(admin, "POST", "/admin/registry", kind="rights", name="Space  Ranger Saga",
                aliases="Ranger Saga,\nSRS", allowed="true", holder="Orbit Studios", note="opted in by email")
    assert added.status_code == 200 and "Space Ranger Saga" in added.text, added.text
    entry_id = scalar(community, select(RegistryEntry.id).where(RegistryEntry.key == "space ranger saga"))
    row = _entry(community, entry_id)
    assert (row.aliases, row.allowed, row.holder) == (["Ranger Saga", "SRS"], True, "Orbit Studios")
    assert "Orbit Studios" in admin.get("/admin/registry").text
    assert "is already in the registry" in toast(act(admin, "POST", "/admin/registry", kind="rights",
                                                     name="space ranger saga"))
    assert toast(act(admin, "POST", "/admin/registry", kind="public_figure", name="Some Famous Person",
                     allowed="true")).startswith("allowed can be set only on rights entries")
    assert toast(act(admin, "POST", "/admin/registry", kind="brand", name="Fizz")) \
        == "kind must be one of public_figure, rights; got 'brand'"
    assert "name must be 2-120 characters" in toast(act(admin, "POST", "/admin/registry", kind="rights", name="x"))

    changed = act(admin, "POST", f"/admin/registry/{entry_id}", aliases="SRS", holder="Orbit", note="")
    assert changed.status_code == 200 and "Space Ranger Saga saved" in toast(changed)
    row = _entry(community, entry_id)
    assert (row.aliases, row.allowed, row.holder) == (["SRS"], False, "Orbit")
    assert "holder must be at most 200" in toast(act(admin, "POST", f"/admin/registry/{entry_id}", holder="h" * 201))
    deleted = act(admin, "DELETE", f"/admin/registry/{entry_id}")
    assert deleted.status_code == 200 and f"Entry {entry_id} deleted" in toast(deleted)
    assert count(community, RegistryEntry, RegistryEntry.id == entry_id) == 0
    assert act(admin, "DELETE", f"/admin/registry/{entry_id}").status_code == 404


def _entry(community: Any, entry_id: int) -> RegistryEntry:
    async def body() -> RegistryEntry | None:
        async with community.services.db.read() as session:
            found: RegistryEntry | None = await session.get(RegistryEntry, entry_id)
            return found

    found: RegistryEntry | None = community.run(body())
    assert found is not None
    return found


def test_the_wellbeing_report_is_a_table(community: Any, admin: Any) -> None:
    for handle, mood in (("web_happy", 5), ("web_glum", 2)):
        client = community.join(handle)
        assert client.post("/api/me/check-in", json={"mood": mood}).status_code == 201
    assert count(community, CheckIn) >= 2
    page = admin.get("/admin/wellbeing")
    assert page.status_code == 200 and "<table" in page.text and "Much better (5)" in page.text
    assert re.search(r'<th scope="row">\d{4}-W\d{2}</th><td>2</td><td>0</td>\s*<td>3.5</td>', page.text), page.text
    refused = admin.get("/admin/wellbeing", params={"weeks": 0})
    assert refused.status_code == 400 and "weeks" in alerts(refused.text)[0]


def test_without_htmx_an_action_goes_back_to_its_section(community: Any, admin: Any) -> None:
    response = send(admin, "POST", "/admin/invites", page="/admin", htmx=False, data={"uses": "2"},
                    follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/admin/invites"
    assert count(community, Invite, Invite.uses_left == 2) == 1
