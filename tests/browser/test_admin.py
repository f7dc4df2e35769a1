"""Admin pages and the Verify page in Chromium: an admin makes an invite, decides the moderation queue and a
report; a visitor verifies a clip made here and a file that is no video.

    .venv/bin/python -m pytest tests/browser/test_admin.py -x -q
"""

from __future__ import annotations

import re
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import select

from kinora.app.bootstrap import with_services
from kinora.app.generations.models import COMPLETED, FAILED, HELD, Generation
from kinora.app.generations.service import new_id
from kinora.app.moderation import service as moderation
from kinora.app.social import posts, reports
from kinora.app.social.models import Post, Report
from kinora.app.social.schemas import ReportCreate
from kinora.app.users import invites, passwords
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.safety.policy import Verdict
from tests.app.web.test_verify import signed_clip
from tests.browser.conftest import run_async
from tests.community import _tiny_media

PASSWORD = "correct horse battery"


def seed(site: Any, body: Any) -> Any:
    return run_async(with_services(site.settings, body))


def admin_page(site: Any, page: Any, handle: str, landing: str) -> Any:
    """`page` signed in through the login form as a new admin @handle, on `landing`."""

    async def make(services: Any) -> None:
        form = users.check_signup(invite_code="unused", handle=handle, email=f"{handle}@example.com",
                                  password=PASSWORD, birth_date="1985-03-04")
        async with services.db.write() as session:
            code = (await invites.create(session, created_by=None, uses=1)).code
            user = await users.signup(session, settings=services.settings, form=replace(form, invite_code=code),
                                      password_hash=await passwords.hash_password(PASSWORD))
            user.is_admin = True

    seed(site, make)
    page.goto(f"/login?next={landing}")
    page.get_by_label("Handle or email").fill(handle)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{site.url}{landing}")
    return page


async def _generation(services: Any, owner: User, prompt: str, status: str = COMPLETED) -> Generation:
    """A finished generation with its media files, as the worker leaves one (no engine run)."""
    now, gen_id = time.time(), new_id()
    async with services.db.write() as session:
        gen = Generation(id=gen_id, owner_id=owner.id, kind="create", model="sora-2", engine="world", prompt=prompt,
                         seconds=4, total_seconds=4, width=64, height=64, fps=12, characters=[], options={},
                         status=status, progress=100, attempt=1, created_at=now, started_at=now, completed_at=now,
                         output_key=f"videos/{gen_id}/1", output={"seed": 1})
        session.add(gen)
    for name, data in _tiny_media().items():
        services.storage.put(f"videos/{gen_id}/1/{name}", data)
    return gen


async def _held_and_reported(services: Any) -> tuple[str, int]:
    """A generation of @sam's held by the output classifier, and @sam's post that @ria reported."""
    async with services.db.write() as session:
        sam, _ = await users.get_or_create(session, "sam")
        ria, _ = await users.get_or_create(session, "ria")
    held = await _generation(services, sam, "a knight swings a sword at a dragon", status=HELD)
    shown = await _generation(services, sam, "a cat rides a skateboard down a hill")
    async with services.db.write() as session:
        await moderation.record(session, stage="output", verdict=Verdict(
            "review", "violence", layer="frame classifier", reason="violence 0.71", scores={"violence": 0.71}),
            user_id=sam.id, generation_id=held.id)
        author = await session.get_one(User, sam.id)
        post, _ = await posts.publish(session, author=author, generation_id=shown.id, caption="my cat",
                                      visibility="public", allow_remix=True)
        report = await reports.create(session, reporter_id=ria.id, body=ReportCreate(
            target_type="post", target_id=post.id, category="spam", details="the same video ten times today"))
        return held.id, report.id


def test_an_admin_makes_an_invite_and_decides_the_queue_and_a_report(site: Any, browse: Any, shot: Any,
                                                                      watch: Any) -> None:
    watch.allow(404, "/admin/accounts")
    held_id, report_id = seed(site, _held_and_reported)
    page = admin_page(site, browse(), "boss", "/admin")
    assert page.get_by_role("heading", name="Admin", exact=True).is_visible()
    shot(page, "overview", full_page=True)

    page.get_by_role("navigation", name="Admin sections").get_by_role("link", name="Invites").click()
    page.get_by_label("Uses").fill("5")
    page.get_by_role("button", name="Create invite").click()
    toast = page.locator("#toast .toast-ok")
    toast.wait_for()
    code = re.search(r"KIN-\w{4}-\w{4}", toast.inner_text())
    assert code is not None and "(5 uses)" in toast.inner_text()
    row = page.get_by_role("row").filter(has_text=code.group(0))
    assert row.get_by_role("cell").nth(1).inner_text() == "5"
    shot(page, "invites")

    page.goto("/admin/queue")
    item = page.get_by_role("article", name="a knight swings a sword at a dragon")
    assert item.get_by_role("img").get_attribute("alt") == "Thumbnail of the held video: a knight swings a sword " \
                                                            "at a dragon"
    assert item.get_by_role("img").evaluate("img => img.complete && img.naturalWidth > 0")
    item.get_by_label("Note").fill("too graphic")
    item.get_by_role("button", name="Reject").click()
    dialog = page.get_by_role("dialog")
    assert "Its files are deleted" in dialog.inner_text()
    shot(page, "queue-confirm")
    dialog.get_by_role("button", name="Cancel").click()
    assert item.get_by_role("button", name="Reject").evaluate("b => b === document.activeElement")
    item.get_by_role("button", name="Reject").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    page.get_by_text("Nothing is held for review.").wait_for()
    assert _value(site, select(Generation.status).where(Generation.id == held_id)) == FAILED
    shot(page, "queue-empty")

    page.get_by_role("link", name="Reports").click()
    report = page.get_by_role("article", name=re.compile(f"Report {report_id}"))
    assert "the same video ten times today" in report.inner_text() and "@ria" in report.inner_text()
    shot(page, "reports", full_page=True)
    report.get_by_label("Remove the reported post when resolving").check()
    report.get_by_role("button", name="Resolve").click()
    page.get_by_text("No open reports.").wait_for()
    assert _value(site, select(Report.status).where(Report.id == report_id)) == "resolved"
    assert _value(site, select(Post.id).where(Post.caption == "my cat")) is None

    page.get_by_role("link", name="Accounts").click()
    page.get_by_label("Handle").fill("nobody_at_all")
    page.get_by_label("Action").select_option("warn")
    page.get_by_role("button", name="Apply").click()
    assert page.locator("#toast .toast-error").inner_text() == "No user found with handle 'nobody_at_all'"
    page.get_by_label("Handle").fill("sam")
    page.get_by_label("Action").select_option("suspend")
    page.get_by_label("Days").fill("3")
    page.get_by_role("button", name="Apply").click()
    page.locator("#account-result").get_by_text("suspended until").wait_for()
    history = page.get_by_role("region", name="Account history")
    assert "@sam" in history.inner_text() and "suspend" in history.inner_text()
    shot(page, "accounts")


def test_an_admin_keeps_the_rights_registry(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    watch.allow(400, "/admin/registry")
    page = admin_page(site, browse(phone=False), "keeper", "/admin/registry")
    page.get_by_text("Add an entry").click()
    page.get_by_label("Name").fill("Space Ranger Saga")
    page.get_by_label("Aliases", exact=True).fill("Ranger Saga, SRS")
    page.get_by_label("Rights holder", exact=True).fill("Orbit Studios")
    page.get_by_role("button", name="Add entry").click()
    entry = page.get_by_role("article", name=re.compile("Space Ranger Saga"))
    entry.wait_for()
    assert "Ranger Saga, SRS" in entry.inner_text()
    assert page.get_by_label("Name").input_value() == ""  # the form was reset for the next entry
    page.get_by_label("Name").fill("Space Ranger Saga")
    page.get_by_role("button", name="Add entry").click()
    assert "already in the registry" in page.locator("#toast .toast-error").inner_text()
    entry.get_by_text("Edit").click()
    entry.get_by_label("Rights holder of Space Ranger Saga").fill("Orbit Pictures")
    entry.get_by_role("button", name="Save Space Ranger Saga").click()
    page.get_by_text("Orbit Pictures", exact=True).wait_for()
    shot(page, "registry", full_page=True)
    page.get_by_role("button", name="Delete Space Ranger Saga").click()
    page.get_by_role("dialog").get_by_role("button", name="Confirm").click()
    page.get_by_text("No entries on this instance yet").wait_for()
    page.goto("/admin/wellbeing")
    shot(page, "wellbeing")


def _value(site: Any, query: Any) -> Any:
    async def body(services: Any) -> Any:
        async with services.db.read() as session:
            return await session.scalar(query)

    return seed(site, body)


def test_a_visitor_verifies_a_clip(site: Any, browse: Any, shot: Any, watch: Any, tmp_path: Path) -> None:
    watch.allow(400, "/api/verify")

    async def made(services: Any) -> tuple[int, bytes]:
        async with services.db.write() as session:
            maker, _ = await users.get_or_create(session, "vic")
        gen = await _generation(services, maker, "a paper boat drifts down a gutter")
        async with services.db.write() as session:
            author = await session.get_one(User, maker.id)
            post, _ = await posts.publish(session, author=author, generation_id=gen.id, caption="",
                                          visibility="public", allow_remix=True)
            seq = (await session.scalar(select(Generation.seq).where(Generation.id == gen.id))) or 0
        return post.id, signed_clip(services, gen.id, seq)

    post_id, clip = seed(site, made)
    (tmp_path / "boat.mp4").write_bytes(clip)
    (tmp_path / "notes.mp4").write_bytes(b"these are my shopping notes\n" * 40)
    page = browse()
    page.goto("/verify")
    shot(page, "verify-empty")
    page.get_by_label("Video file").set_input_files(tmp_path / "boat.mp4")
    page.get_by_role("button", name="Check").click()
    report = page.get_by_role("region", name="Made with Kinora, here on Kinora")
    report.wait_for(timeout=60_000)
    text = report.inner_text()
    assert "Valid" in text and "trusted here" in text and "Found in the pictures and the sound" in text
    assert report.get_by_role("link", name=f"Open post {post_id}").get_attribute("href") == f"/p/{post_id}"
    assert report.evaluate("r => r === document.activeElement")
    shot(page, "verify-report", full_page=True)

    page.get_by_label("Video file").set_input_files(tmp_path / "notes.mp4")
    page.get_by_role("button", name="Check").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert alert.inner_text() == "notes.mp4 is not a video this instance can read. Choose an MP4, MOV or WebM file."
    assert page.get_by_label("Video file").get_attribute("aria-invalid") == "true"
    assert report.is_hidden()
    shot(page, "verify-not-a-video")
