"""Making a character cameo in Chromium: upload its clip, share it, delete it.

    .venv/bin/python -m pytest tests/browser/test_characters.py
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import sign_up
from tests.cameos import clips


def test_make_share_and_delete_a_character(site: Any, browse: Any, shot: Any, tmp_path: Path) -> None:
    clip = tmp_path / "pet.mp4"
    clip.write_bytes(clips.make(tmp_path / "made.mp4", (), None, seconds=4.0))
    page = browse()
    sign_up(page, site, "petlover")
    page.goto("/cameo/characters")
    page.get_by_role("button", name="Make character").click()
    expect(page.get_by_role("alert")).to_have_text("Choose a clip of your character first.")
    page.get_by_label("Clip of your character").set_input_files(str(clip))
    page.get_by_label("Name", exact=True).fill("Biscuit the dog")
    page.get_by_label("Appearance (optional)").fill("a small brown dog")
    page.get_by_role("button", name="Make character").click()
    expect(page.get_by_text("@biscuit_the_dog is ready")).to_be_visible(timeout=60_000)
    who = page.get_by_label("Who can use @biscuit_the_dog")
    who.select_option(label="Everyone")
    page.locator("#character-biscuit_the_dog").get_by_role("button", name="Save").click()
    expect(page.locator("#character-biscuit_the_dog")).to_contain_text("Saved")
    shot(page, "characters", full_page=True)
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Delete @biscuit_the_dog").click()
    expect(page.get_by_text("No characters yet.")).to_be_visible()
