"""Every address of the web app, on a phone and on a desktop: each loads without a console error, a failed request
or a CSP violation, and passes a small accessibility audit (labels, names, alt text, landmarks, unique ids).

    .venv/bin/python -m pytest tests/browser/test_pages.py
"""

from __future__ import annotations

from typing import Any

import pytest

from kinora.app.bootstrap import with_services
from tests.browser.conftest import ready_draft, run_async, sign_up

# What a screen reader needs from every page, checked in the page itself.
AUDIT = """() => {
  const problems = [];
  const named = (el) => (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')
    || el.getAttribute('title') || el.textContent.trim() || (el.querySelector('img[alt]:not([alt=""])') ? 'img' : '')
    || el.value || '').length > 0;
  const visible = (el) => el.getClientRects().length > 0 || el.closest('dialog, details, [hidden]');
  if (!document.documentElement.lang) problems.push('html has no lang');
  if (!document.title.trim()) problems.push('no <title>');
  if (document.querySelectorAll('main').length !== 1) problems.push('not exactly one <main>');
  if (document.querySelectorAll('h1').length < 1) problems.push('no <h1>');
  for (const img of document.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) problems.push('img without alt: ' + img.src);
  }
  for (const el of document.querySelectorAll('button, a[href], [role=button]')) {
    if (visible(el) && !named(el)) problems.push('unnamed control: ' + el.outerHTML.slice(0, 120));
  }
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || !visible(el)) continue;
    const labelled = el.getAttribute('aria-label') || el.getAttribute('aria-labelledby') || el.closest('label')
      || (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`));
    if (!labelled) problems.push('control without a label: ' + el.outerHTML.slice(0, 120));
  }
  for (const video of document.querySelectorAll('video')) {
    if (!video.getAttribute('aria-label') && !video.closest('figure')?.querySelector('figcaption')
        && !video.getAttribute('aria-labelledby')) {
      problems.push('video without a caption: ' + video.outerHTML.slice(0, 120));
    }
  }
  const ids = [...document.querySelectorAll('[id]')].map((el) => el.id);
  const twice = ids.filter((id, i) => ids.indexOf(id) !== i);
  if (twice.length) problems.push('duplicate ids: ' + [...new Set(twice)].join(', '));
  return problems;
}"""

PAGES = ["/", "/?tab=following", "/create", "/drafts", "/@pat", "/notifications", "/settings", "/cameo",
         "/cameo/uses", "/cameo/characters", "/verify", "/admin", "/admin/invites", "/admin/queue", "/admin/reports",
         "/admin/appeals", "/admin/accounts", "/admin/registry", "/admin/wellbeing"]
SIGNED_OUT = ["/", "/login", "/signup", "/verify", "/@pat"]


def _make_admin(site: Any, handle: str) -> None:
    from sqlalchemy import update

    from kinora.app.users.models import User

    async def body(services: Any) -> None:
        async with services.db.write() as session:
            await session.execute(update(User).where(User.handle == handle).values(is_admin=True))

    run_async(with_services(site.settings, body))


@pytest.mark.parametrize("phone", [True, False], ids=["phone", "desktop"])
def test_every_page_loads_cleanly_and_is_labelled(site: Any, browse: Any, shot: Any, phone: bool) -> None:
    page = browse(phone=phone)
    handle = "pat" if phone else "dee"
    sign_up(page, site, handle)
    visitor = browse(phone=phone)
    for path in SIGNED_OUT:
        visitor.goto(path.replace("@pat", f"@{handle}"))
        assert visitor.evaluate(AUDIT) == [], path
    _make_admin(site, handle)
    ready_draft(site, handle, "a blue ball rolls down a ramp")
    for path in PAGES:
        page.goto(path.replace("@pat", f"@{handle}"))
        page.wait_for_load_state("networkidle")
        assert page.evaluate(AUDIT) == [], path
        assert page.title().strip(), path
    shot(page, "last")


def test_keyboard_reaches_the_main_controls_in_order(site: Any, browse: Any) -> None:
    page = browse(phone=False)
    sign_up(page, site, "kay")
    page.goto("/create")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Skip to content"
    page.keyboard.press("Enter")
    seen = []
    for _ in range(12):
        page.keyboard.press("Tab")
        seen.append(page.evaluate("document.activeElement.labels?.[0]?.textContent.trim() "
                                  "|| document.activeElement.textContent.trim()"))
    assert seen.index("Prompt") < seen.index("Generate"), seen
