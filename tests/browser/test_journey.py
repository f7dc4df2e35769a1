"""The whole app in a phone-sized Chromium: two members join with invites; one makes a clip and watches its
progress to the end, then publishes it; the other finds it in For You, likes it, comments and remixes it; the first
sees the notifications arrive; a private post never shows for the second.

    .venv/bin/python -m pytest tests/browser/test_journey.py
"""

from __future__ import annotations

import re
import time
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import ready_draft, sign_up

GENERATION_SECONDS = 180_000  # ms: a 4 s world clip on a busy 2-core machine


def _generate(page: Any, prompt: str, seconds: str | None = None) -> None:
    page.get_by_label("Prompt").fill(prompt)
    if seconds is not None:
        page.get_by_label("Duration").select_option(seconds)
    page.get_by_role("button", name="Generate").click()
    # The first prompt of a fresh server also loads the moderation models: allow it a minute.
    expect(page.get_by_label("Progress")).to_be_visible(timeout=60_000)


def _status(page: Any) -> Any:
    return page.locator("[data-progress] [role=status]")


def _publish(page: Any, prompt: str, caption: str, who: str) -> None:
    draft = page.locator("article.draft", has_text=prompt).first
    draft.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Caption").fill(caption)
    dialog.get_by_label("Who can see it").select_option(label=who)
    dialog.get_by_role("button", name="Publish").click()
    expect(page.locator("article.draft", has_text=prompt)).to_have_count(0)


def test_two_members_make_watch_like_comment_remix(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    ann, ben = browse(), browse()
    sign_up(ann, site, "ann")
    sign_up(ben, site, "ben")

    # Ann makes a clip and watches it to the end.
    ann.goto("/create")
    _generate(ann, "three red rubber balls bounce on a wooden floor", seconds="8")
    # Progress is written at most once a second, so a quick clip may go from 0 % to done between two writes.
    expect(_status(ann)).to_contain_text(re.compile(r"Generating… [1-9]|Done"), timeout=GENERATION_SECONDS)
    shot(ann, "create-progress")
    expect(_status(ann)).to_contain_text("Done", timeout=GENERATION_SECONDS)
    expect(ann.locator("video")).to_be_visible()
    shot(ann, "create-done")

    ann.goto("/drafts")
    shot(ann, "drafts")
    _publish(ann, "three red rubber balls", "Bouncing balls", "Everyone")
    ready_draft(site, "ann", "a secret green cube slides on ice")
    ann.reload()
    _publish(ann, "a secret green cube", "only for me", "Only me")
    ann.goto("/")  # Ann stays on her feed: notifications must arrive live

    # Ben finds it in For You (the shared candidate pool is rebuilt at most every 30 s: look again until then).
    post = ben.locator("article.post", has_text="Bouncing balls").first
    deadline = time.monotonic() + 60
    while True:
        ben.goto("/")
        if post.count() or time.monotonic() > deadline:
            break
        ben.wait_for_timeout(3000)
    expect(post).to_be_visible()
    expect(ben.locator("article.post", has_text="only for me")).to_have_count(0)
    ben.wait_for_timeout(500)  # let the visible video start before the screenshot
    shot(ben, "feed")
    like = post.get_by_role("button", name="Like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    post.get_by_role("button", name="Comments").click()
    sheet = ben.get_by_role("dialog")
    sheet.get_by_label("Add a comment").fill("Nice bounce!")
    sheet.get_by_role("button", name="Send").click()
    expect(sheet).to_contain_text("Nice bounce!")
    shot(ben, "comments")
    ben.keyboard.press("Escape")
    post.get_by_role("link", name="Remix").click()
    ben.wait_for_url(re.compile(r"/create\?remix=\d+"))
    _generate(ben, "the same balls, but blue")
    expect(_status(ben)).to_contain_text("Done", timeout=GENERATION_SECONDS)
    ben.get_by_role("link", name="Open in drafts").click()
    _publish(ben, "the same balls, but blue", "Blue now", "Everyone")  # a published remix tells its source

    # Ann's badge counts them without a reload; the inbox says who did what.
    expect(ann.locator(".tabbar [data-unread]")).to_have_text(re.compile(r"[1-9]"))
    ann.goto("/notifications")
    items = ann.locator("li.notification")
    for kind in ("like", "comment", "remix"):
        expect(items.and_(ann.locator(f"[data-type={kind}]")).first).to_contain_text("@ben")
    shot(ann, "notifications")

    # The private post is nowhere for Ben, not even by its address.
    private_id = ann.evaluate("fetch('/api/users/ann/posts').then(r => r.json())"
                              ".then(p => p.items.find(i => i.caption === 'only for me').id)")
    watch.allow(404, f"/p/{private_id}")
    response = ben.goto(f"/p/{private_id}")
    assert response is not None and response.status == 404
    ben.goto("/@ann")
    expect(ben.locator("main")).not_to_contain_text("only for me")
