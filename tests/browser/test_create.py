"""Making a video in a phone-sized Chromium: a real `world` generation on the live site followed to the end over
server-sent events, another one cancelled, @cameo suggestions, then publishing the draft from /drafts.

    .venv/bin/python -m pytest tests/browser/test_create.py
"""

from __future__ import annotations

import json
import re
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import sign_up

PROMPT = "a red ball bounces across a wooden floor"
CAMEOS = {"items": [{"id": "cameo_1", "handle": "maya_cat", "name": "Maya's cat", "kind": "character",
                     "appearance": "", "permission": "only_me", "verified": True, "created_at": 0}],
          "next_cursor": None}


RECORD = """() => {
  const status = document.querySelector('[data-progress] [role=status]');
  window.statuses = [];
  new MutationObserver(() => window.statuses.push(status.textContent))
    .observe(status, { childList: true, characterData: true, subtree: true });
}"""


def settled(page: Any) -> None:
    """Wait until the page's modules are loaded: leaving before would abort their requests (a watched failure)."""
    page.wait_for_function("() => [...document.querySelectorAll('[data-module]')].every(el => performance"
                           ".getEntriesByType('resource').some(e => e.name.includes(`/js/${el.dataset.module}.js`)))")


def test_create_follow_cancel_and_publish(site: Any, browse: Any, shot: Any) -> None:
    page = browse()
    sign_up(page, site, "maya")
    settled(page)
    page.goto("/create")
    expect(page.get_by_text("1000 of 1000 left today")).to_be_visible()
    page.get_by_label("Prompt").fill(PROMPT)
    page.get_by_label("Duration").select_option("8")
    page.get_by_role("radio", name="Portrait").check()
    status = page.locator("[data-progress] [role=status]")
    page.evaluate(RECORD)
    page.get_by_role("button", name="Generate").click()
    page.wait_for_function("() => /Generating|Done/.test(document.querySelector('[data-progress] "
                           "[role=status]').textContent)", polling="raf", timeout=90_000)
    shot(page, "create-progress")
    expect(status).to_have_text("Done", timeout=120_000)
    seen = page.evaluate("() => window.statuses")
    assert seen[0] in ("Queued", "Generating… 0 %") and seen[-1] == "Done", seen
    percents = [int(text.split()[1]) for text in seen if text.startswith("Generating")]
    assert percents == sorted(percents), seen
    assert page.get_by_label("Progress").get_attribute("value") == "100"
    video = page.locator("[data-progress] video")
    expect(video).to_have_attribute("aria-label", PROMPT)
    expect(page.get_by_role("link", name="Open in drafts")).to_be_visible()
    expect(page.get_by_text("999 of 1000 left today")).to_be_visible()
    video.evaluate("v => v.pause()")  # a still frame for the screenshot
    shot(page, "create-done", full_page=True)

    page.get_by_label("Prompt").fill("a blue cube slides down a long ramp")
    page.get_by_role("button", name="Generate").click()
    expect(page.get_by_role("button", name="Cancel")).to_be_visible()
    page.get_by_role("button", name="Cancel").click()
    expect(status).to_have_text("Cancelled", timeout=60_000)
    expect(page.get_by_role("button", name="Cancel")).to_be_hidden()

    page.get_by_label("Prompt").fill("")  # the @ suggestions (the cameo list itself is another page's test)
    page.route("**/api/cameos/usable*", lambda route: route.fulfill(
        status=200, content_type="application/json", body=json.dumps(CAMEOS)))
    page.get_by_label("Prompt").press_sequentially("a dance with @ma")
    option = page.get_by_role("listbox", name="Cameo suggestions").get_by_role("option", name="@maya_cat")
    expect(option).to_have_attribute("aria-selected", "true")
    page.get_by_label("Prompt").press("Enter")
    expect(page.get_by_label("Prompt")).to_have_value("a dance with @maya_cat ")
    expect(page.get_by_role("listbox", name="Cameo suggestions")).to_be_hidden()

    page.get_by_role("link", name="Drafts").click()
    card = page.get_by_role("article", name=f"Draft: {PROMPT}")
    expect(card).to_be_visible()
    expect(page.locator("article.draft")).to_have_count(1)  # the cancelled one is no draft
    shot(page, "drafts")
    card.get_by_role("button", name="Publish").click()
    dialog = page.get_by_role("dialog", name="Publish draft")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Caption").fill("my first bounce @maya")
    dialog.get_by_label("Who can see it").select_option(label="Followers")
    shot(page, "publish-dialog")
    dialog.get_by_role("button", name="Publish").click()
    expect(dialog).to_be_hidden()
    toast = page.locator("#toast")
    expect(toast).to_contain_text("Published")
    link = toast.get_by_role("link", name="View post")
    assert re.fullmatch(r"/p/\d+", link.get_attribute("href") or "")
    expect(card).to_have_count(0)
    expect(page.get_by_text("No drafts yet.")).to_be_visible()
    expect(page.locator("#drafts-title")).to_be_focused()
    shot(page, "published")
