"""The feed in a phone-sized Chromium (autoplay, sound, like, comments, report, see less, share, views, tabs), the
teen end card, and the signed-out welcome and share pages on a desktop.

    .venv/bin/python -m pytest tests/browser/test_feed.py
"""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import invite, ready_draft, sign_up

LIVE_SETTINGS = {"teen_feed_items_per_day": 2}
PLAYING = ("() => { const v = document.querySelector('.post.current video');"
           " return !!v && !v.paused && v.currentTime > 0; }")


def _posts(site: Any, handle: str, prompts: list[str]) -> list[int]:
    """A new member `handle` with a public post per prompt (captioned "Clip N"), newest last."""
    import httpx

    client = httpx.Client(base_url=site.url, timeout=60)
    joined = client.post("/api/auth/signup", json={
        "invite_code": invite(site), "handle": handle, "password": "correct horse battery",
        "email": f"{handle}@example.com", "birth_date": "1991-02-03"})
    assert joined.status_code == 201, joined.text
    ids = []
    for n, gen_id in enumerate(ready_draft(site, handle, prompt) for prompt in prompts):
        response = client.post("/api/posts", json={"generation_id": gen_id, "caption": f"Clip {n}"})
        assert response.status_code == 201, response.text
        ids.append(response.json()["id"])
    return ids


def test_watch_like_comment_report_and_share_on_a_phone(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    made = _posts(site, "maker", ["a red kite over green hills", "waves roll onto a sandy beach",
                                  "a paper lantern floats up at night"])
    page = browse(phone=True, permissions=["clipboard-read", "clipboard-write"])
    sign_up(page, site, "watcher")  # lands on For You, ranked now: all three posts are candidates
    first = page.locator("article.post").first
    expect(first).to_have_attribute("aria-label", "Post by @maker")
    page.wait_for_function(PLAYING)
    shot(page, "feed")

    sound = first.get_by_role("button", name="Sound")
    sound.click()
    expect(sound).to_have_attribute("aria-pressed", "true")
    with page.expect_response(lambda r: r.url.endswith("/view") and r.request.method == "POST") as viewed:
        page.wait_for_function(PLAYING)  # a 1 s clip loops: completing it reports a view
    assert viewed.value.status == 200 and viewed.value.json()["completed"] is True

    like = first.get_by_role("button", name="Like")
    like.click()
    expect(like).to_have_attribute("aria-pressed", "true")
    expect(like).to_contain_text("1")

    comments = first.get_by_role("button", name="Comments")
    comments.click()
    sheet = page.get_by_role("dialog")
    sheet.get_by_label("Add a comment").fill("What a <b>kite</b>!")
    sheet.get_by_role("button", name="Send").click()
    expect(sheet.locator(".comment-text").first).to_have_text("What a <b>kite</b>!")
    expect(sheet.get_by_label("Add a comment")).to_have_value("")
    expect(comments).to_contain_text("1")
    sheet.get_by_role("button", name="Reply to @watcher").click()
    expect(sheet.get_by_text("Replying to @watcher")).to_be_visible()
    expect(sheet.get_by_label("Add a comment")).to_be_focused()
    sheet.get_by_label("Add a comment").fill("and the hills!")
    sheet.get_by_role("button", name="Send").click()
    expect(sheet.get_by_role("list", name="Replies to @watcher")).to_contain_text("and the hills!")
    expect(sheet.get_by_text("Replying to @watcher")).to_be_hidden()
    expect(comments).to_contain_text("2")
    shot(page, "comments")
    page.keyboard.press("Escape")
    expect(sheet).to_be_hidden()
    expect(comments).to_be_focused()

    first.get_by_role("button", name="More options").click()
    shot(page, "more-options")
    first.get_by_role("button", name="Report").click()
    report = page.get_by_role("dialog")
    report.get_by_label("Reason").select_option("spam")
    report.get_by_role("button", name="Send report").click()
    expect(page.locator("#toast")).to_contain_text("Thanks for reporting")
    expect(report).to_be_hidden()

    first.get_by_role("button", name="Share").click()
    expect(page.locator("#toast")).to_contain_text("Link copied")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == f"{site.url}/p/{first.get_attribute('data-post-id')}"

    first.get_by_role("button", name="More options").click()
    first.get_by_role("button", name="See less like this").click()
    expect(page.locator("#toast")).to_contain_text("fewer posts like this")
    expect(first).to_have_class("post faded")
    second = page.locator("article.post").nth(1)
    expect(second).to_have_class("post current")  # the feed moves on to the next post, which plays
    page.wait_for_function(PLAYING)
    assert first.locator("video").evaluate("v => v.paused")
    shot(page, "next-post")
    marked = page.evaluate("fetch('/api/me/feed-data').then(r => r.json()).then(d => d.see_less)")
    assert marked == [int(first.get_attribute("data-post-id") or 0)] and marked[0] in made
    page.locator("#toast").get_by_role("button", name="Undo").click()
    expect(page.locator("#toast")).to_contain_text("Undone")
    expect(first).not_to_have_class(re.compile(r"\bfaded\b"))

    page.get_by_role("link", name="Following").click()
    expect(page.get_by_role("link", name="Following")).to_have_attribute("aria-current", "page")
    expect(page.get_by_role("heading", name="Nothing here yet")).to_be_visible()
    see_less = page.evaluate("fetch('/api/me/feed-data').then(r => r.json()).then(d => d.see_less)")
    assert see_less == []  # the undo took it back


def test_teens_reach_the_daily_end_card(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    page = browse(phone=True)
    sign_up(page, site, "young", birth_date="2012-03-04")
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    assert page.request.post("/api/users/maker/follow", headers={"x-csrf-token": token}).ok
    page.goto("/")  # two posts in all today (some may have shown on the first visit), then the end card
    assert page.locator("article.post").count() <= 2
    page.locator(".feed").evaluate("feed => feed.scrollTo(0, feed.scrollHeight)")
    card = page.get_by_role("heading", name="You're all caught up for today")
    expect(card).to_be_visible()
    expect(page.locator("time[data-local-time]")).not_to_contain_text("UTC")  # shown in the visitor's time
    shot(page, "daily-end")


def test_welcome_and_share_pages_signed_out(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    page = browse(phone=False)
    page.goto("/")
    expect(page.get_by_role("link", name="Join with an invite").first).to_be_visible()
    tiles = page.locator(".welcome-grid a")
    expect(tiles.first).to_be_visible()
    shot(page, "welcome")
    tiles.first.click()
    page.wait_for_url(f"{site.url}/p/*")
    expect(page.get_by_role("heading", name="@maker")).to_be_visible()
    video = page.locator("video[controls]")
    expect(video).to_have_attribute("aria-label", "a paper lantern floats up at night")
    shot(page, "share")
    phone = browse(phone=True)
    phone.goto(page.url)
    shot(phone, "share-phone")
    watch.allow(404, "/p/")
    missing = phone.goto("/p/424242")
    assert missing is not None and missing.status == 404
    expect(phone.get_by_role("alert")).to_contain_text("does not exist or is not public")
