"""Profiles, notifications and settings in a phone-sized Chromium: following someone reaches their open inbox
live, blocking goes through a dialog, the avatar uploads with a preview, and the settings forms show the API's
errors by their fields.

    .venv/bin/python -m pytest tests/browser/test_people.py
"""

from __future__ import annotations

import io
import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import run_async, sign_up


def _post(site: Any, handle: str, caption: str) -> int:
    """A public post of `handle`'s made as tests/community.py makes one: a finished draft's row and media."""
    from sqlalchemy import select

    from kinora.app.bootstrap import with_services
    from kinora.app.generations.models import COMPLETED, Generation
    from kinora.app.generations.service import new_id
    from kinora.app.social import posts
    from kinora.app.users.models import User
    from tests.community import _tiny_media

    async def body(services: Any) -> int:
        gen_id, now = new_id(), time.time()
        for name, data in _tiny_media().items():
            services.storage.put(f"videos/{gen_id}/1/{name}", data)
        async with services.db.write() as session:
            author = await session.scalar(select(User).where(User.handle == handle))
            session.add(Generation(
                id=gen_id, owner_id=author.id, kind="create", model="sora-2", engine="world",
                prompt="a red cube bounces on a wooden table", seconds=4, total_seconds=4, width=64, height=64,
                fps=12, characters=[], options={}, status=COMPLETED, progress=100, attempt=1, created_at=now,
                started_at=now, completed_at=now, output_key=f"videos/{gen_id}/1", output={"seed": 1}))
            await session.flush()
            post, _ = await posts.publish(session, author=author, generation_id=gen_id, caption=caption,
                                          visibility="public", allow_remix=True)
            return int(post.id)

    return int(run_async(with_services(site.settings, body)))


def _png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (120, 80), (60, 140, 250)).save(out, "PNG")
    return out.getvalue()


def test_follow_reaches_the_inbox_live_then_block_and_avatar(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    ana = browse()
    sign_up(ana, site, "ana")
    for n in range(4):
        _post(site, "ana", f"cube take {n}")
    ben = browse()
    sign_up(ben, site, "ben")

    ana.goto("/notifications")
    ana.locator('[data-module="notifications"][data-ready]').wait_for()
    ben.goto("/@ana")
    ben.locator('[data-module="profile"][data-ready]').wait_for()
    follow = ben.get_by_role("button", name="Follow", exact=True)
    follow.click()
    following = ben.get_by_role("button", name="Following")
    expect(following).to_have_attribute("aria-pressed", "true")
    expect(ben.locator('[data-count="followers"]')).to_have_text("1")
    shot(ben, "profile-following")

    item = ana.locator('li.notification[data-type="follow"]')
    item.wait_for(timeout=15000)  # arrives over the notification stream, no reload
    assert "@ben followed you" in item.inner_text()
    ana.locator("[data-unread]").first.wait_for(state="hidden")
    shot(ana, "notifications-live")

    # Block through the menu's dialog: cancelling keeps things, confirming reloads with Unblock.
    ben.get_by_label("More actions for @ana").click()
    ben.get_by_role("button", name="Block @ana").click()
    dialog = ben.get_by_role("dialog", name="Block @ana?")
    expect(dialog).to_be_visible()
    shot(ben, "block-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    menu = ben.get_by_label("More actions for @ana")
    assert ben.evaluate("document.activeElement.tagName") == "SUMMARY"  # focus went back to the menu
    menu.click()
    ben.get_by_role("button", name="Block @ana").click()
    dialog.get_by_role("button", name="Block", exact=True).click()
    ben.get_by_role("button", name="Unblock @ana").wait_for()

    # Her own profile: an avatar upload shows at once; a bad file is refused next to the field.
    ana.goto("/@ana")
    ana.locator('[data-module="profile"][data-ready]').wait_for()
    watch.allow(400, "/api/me/avatar")
    ana.get_by_label("Avatar").set_input_files({"name": "notes.txt", "mimeType": "text/plain", "buffer": b"nope"})
    expect(ana.locator("#avatar-error")).to_contain_text("must be a JPEG, PNG, WebP or GIF")
    ana.get_by_label("Avatar").set_input_files({"name": "me.png", "mimeType": "image/png", "buffer": _png()})
    expect(ana.locator("img[data-avatar]")).to_have_attribute("src", re.compile(r"^/api/users/ana/avatar\?v="))
    ana.locator("summary", has_text="Edit profile").click()
    ana.get_by_label("Display name").fill("Ana A.")
    ana.get_by_label("Bio").fill("Cubes, mostly.")
    ana.get_by_role("button", name="Save profile").click()
    ana.get_by_role("heading", name="Ana A.").wait_for()
    assert ana.locator(".profile-grid li").count() == 4
    shot(ana, "own-profile", full_page=True)


def test_settings_forms_talk_to_the_api(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    watch.allow(400, "/api/me/guardian")
    watch.allow(400, "/api/me")
    page = browse()
    sign_up(page, site, "sam")
    page.goto("/settings")
    page.locator('[data-module="settings"][data-ready]').wait_for()
    shot(page, "settings-top")

    page.get_by_label("Tell your feed what you want").fill("more cooking and animals, less sports")
    page.get_by_role("button", name="Save what I want").click()
    page.locator("#feed dd", has_text="cooking").wait_for()
    assert page.get_by_label("Tell your feed what you want").input_value() == "more cooking and animals, less sports"

    page.get_by_label("Guardian PIN").fill("12")
    page.get_by_role("button", name="Save scrolling settings").click()
    expect(page.locator("#guard-pin-error")).to_have_text("pin must be 4-8 digits")
    assert page.get_by_label("Guardian PIN").get_attribute("aria-invalid") == "true"

    page.get_by_label("Token name").fill("my script")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_label("New token")
    token.wait_for()
    assert token.input_value().startswith("kin_")
    page.locator("#tokens-list", has_text="my script").wait_for()
    page.get_by_role("button", name="Create an invite").click()
    page.locator("#invites code").first.wait_for()
    shot(page, "settings-tokens", full_page=True)

    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    dialog.get_by_label("Your password").fill("not my password")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.locator("[data-error-for=password]")).to_have_text("password does not match your password")
    shot(page, "delete-refused")
    dialog.get_by_label("Your password").fill("correct horse battery")
    dialog.get_by_role("button", name="Delete my account").click()
    page.wait_for_url(f"{site.url}/")
    page.goto("/settings")
    assert "/login" in page.url
