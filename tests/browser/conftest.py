"""Browser journeys: Playwright drives Debian's Chromium (never a downloaded browser) against a live server.

Every page a test opens is watched: a console error, an uncaught exception, a failed request, a 5xx answer or a
Content-Security-Policy violation fails the test. Screenshots land in test-artifacts/screenshots/<test>/."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import LiveServer, make_settings

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
HTMX_ERROR = re.compile(r"Response Status Error Code (\d+) from (\S+)")
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True, "has_touch": True}

pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="browser tests need Debian's chromium: "
                                "apt-get install -y chromium (.ci/run installs it)")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest) -> Iterator[LiveServer]:
    """A live server on SQLite (the browser checks pages, not the database; tests/app covers PostgreSQL)."""
    overrides = getattr(request.module, "LIVE_SETTINGS", {})
    with LiveServer(make_settings(tmp_path_factory.mktemp("site"), "sqlite", **overrides)) as server:
        yield server


@pytest.fixture(scope="module")
def chromium(request: pytest.FixtureRequest) -> Iterator[Any]:
    """A headless Chromium; a module may add launch flags with BROWSER_ARGS (a list, or a function returning one)."""
    from playwright.sync_api import sync_playwright

    extra = getattr(request.module, "BROWSER_ARGS", [])
    extra = extra() if callable(extra) else extra
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=[*FLAGS, *extra])
        yield browser
        browser.close()


class Watch:
    """What went wrong on the pages of one test."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.expected: list[tuple[int, str]] = []

    def allow(self, status: int, path: str) -> None:
        """A test that provokes an error answer (a refused form, a missing page) says so first."""
        self.expected.append((status, path))

    def attach(self, page: Any) -> Any:
        page.on("console", self._console)
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on("requestfailed", self._failed)
        page.on("response", self._response)
        # CSP violations also reach the console, but say so plainly even where a page silences its console.
        page.add_init_script("document.addEventListener('securitypolicyviolation', e => console.error("
                             "'CSP violation: ' + e.violatedDirective + ' ' + e.blockedURI))")
        return page

    def _console(self, message: Any) -> None:
        # Chromium logs every 4xx/5xx answer as "Failed to load resource", and htmx logs the ones it swaps in as
        # a toast as "Response Status Error Code 400 from /path"; _response judges those, by URL.
        text = message.text
        htmx = HTMX_ERROR.match(text)
        if htmx is not None and self._allowed(int(htmx.group(1)), htmx.group(2)):
            return
        if message.type == "error" and not text.startswith("Failed to load resource"):
            self.problems.append(f"console: {text}")

    def _response(self, response: Any) -> None:
        if response.status < 400:
            return
        path = "/" + response.url.split("://", 1)[-1].partition("/")[2]
        if not self._allowed(response.status, path):
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def _allowed(self, status: int, path: str) -> bool:
        return any(status == allowed and path.startswith(prefix) for allowed, prefix in self.expected)

    def _failed(self, request: Any) -> None:
        # ERR_ABORTED is the browser cancelling a request itself (a page left while its scripts still load, a video
        # scrolled away, an EventSource closed); a request the server failed shows up in _response instead.
        failure = request.failure or ""
        if "ERR_ABORTED" not in failure:
            self.problems.append(f"request failed: {request.method} {request.url} {failure}")


@pytest.fixture
def watch() -> Iterator[Watch]:
    found = Watch()
    yield found
    assert not found.problems, "\n".join(found.problems)


@pytest.fixture
def browse(chromium: Any, watch: Watch, site: LiveServer) -> Iterator[Any]:
    """browse(phone=True) → a new watched page in its own context (its own cookies), with base_url set."""
    contexts: list[Any] = []

    def open_page(phone: bool = True, **options: Any) -> Any:
        context = chromium.new_context(base_url=site.url, **(PHONE if phone else {"viewport": {"width": 1280,
                                                                                              "height": 860}}),
                                       **options)
        contexts.append(context)
        return watch.attach(context.new_page())

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Any:
    """shot(page, name): a full-size screenshot under test-artifacts/screenshots/<test>/<name>.png."""
    folder = ARTIFACTS / re.sub(r"[^\w.-]+", "_", request.node.name)
    folder.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str, full_page: bool = False) -> Path:
        path = folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def run_async(coro: Any) -> Any:
    """Run a coroutine to its end from a test (Playwright's sync API already runs a loop on this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def ready_draft(site: LiveServer, handle: str, prompt: str) -> str:
    """A finished draft of `handle`'s as the worker leaves one (the engine path has its own journeys)."""
    from kinora.app.bootstrap import with_services
    from tests.community import store_draft

    async def body(services: Any) -> str:
        return await store_draft(services, handle=handle, prompt=prompt)

    return str(run_async(with_services(site.settings, body)))


def invite(site: LiveServer, uses: int = 1) -> str:
    from kinora.app.users.admin import create_invite

    return str(run_async(create_invite(site.settings, uses=uses)))


def sign_up(page: Any, site: LiveServer, handle: str, birth_date: str = "1990-04-05") -> None:
    """Join through the /signup form with a fresh invite; the page ends signed in on the feed."""
    page.goto(f"/signup?invite={invite(site)}")
    page.get_by_label("Handle").fill(handle)
    page.get_by_label("Email").fill(f"{handle}@example.com")
    page.get_by_label("Password").fill("correct horse battery")
    page.get_by_label("Birth date").fill(birth_date)
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(f"{site.url}/")
