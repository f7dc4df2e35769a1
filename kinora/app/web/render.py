"""Rendering pages: one Jinja2 environment (autoescaped), the context every page gets, and the few responses the
web routes share (sign-in redirects, error pages, htmx error fragments)."""

from __future__ import annotations

import hashlib
import html
import time
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from kinora.app.deps import services
from kinora.app.errors import DomainError
from kinora.app.social import notifications
from kinora.app.users import service as users
from kinora.app.users.models import User
from kinora.app.web import security

HERE = Path(__file__).parent
STATIC = HERE / "static"


class SignInFirst(Exception):
    """A page that needs a signed-in visitor was asked for without one: answered with a redirect to /login."""


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.globals["static"] = static_url
    env.filters["ago"] = ago
    return env


@cache
def static_url(name: str) -> str:
    """/static/NAME?v=HASH: the hash changes with the file, so browsers may cache it for a year."""
    digest = hashlib.sha256((STATIC / name).read_bytes()).hexdigest()[:10]
    return f"/static/{name}?v={digest}"


def ago(seconds: float, now: float | None = None) -> str:
    """A short relative time: "now", "5m", "3h", "2d", "6w"."""
    delta = max(0.0, (now or time.time()) - seconds)
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if delta >= size:
            return f"{int(delta // size)}{unit}"
    return "now"


def csrf_token(request: Request) -> str:
    return security.token_for(request.app.state.csrf_key, security.csrf_cookie(request.scope))


async def page(request: Request, template: str, viewer: User | None, status_code: int = 200,
               **context: Any) -> HTMLResponse:
    """A whole page (or, for an htmx request that names a block, that fragment) with the shared context."""
    found = services(request)
    unread = await notifications.unread_count(found.db, user_id=viewer.id) if viewer is not None else 0
    shared = {"request": request, "viewer": viewer, "me": users.me(viewer) if viewer is not None else None,
              "csrf": csrf_token(request), "site": found.settings.instance_name, "unread": unread,
              "path": request.url.path}
    body = environment().get_template(template).render({**shared, **context})
    return HTMLResponse(body, status_code=status_code, headers={"cache-control": "no-store"})


def fragment(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A piece of a page for htmx to swap in."""
    body = environment().get_template(template).render({"csrf": csrf_token(request), **context})
    return HTMLResponse(body, status_code=status_code, headers={"cache-control": "no-store"})


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def sign_in_redirect(request: Request) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    location = f"/login?next={quote(target, safe='')}"
    if is_htmx(request):
        return Response(status_code=204, headers={"hx-redirect": location})
    return RedirectResponse(location, status_code=303)


async def error_page(request: Request, error: DomainError, viewer: User | None) -> Response:
    """A domain error on a web route: a toast for htmx requests, an error page otherwise."""
    if is_htmx(request):
        body = f'<p class="toast-error" role="alert">{html.escape(error.message)}</p>'
        return HTMLResponse(body, status_code=error.status,
                            headers={"hx-retarget": "#toast", "hx-reswap": "innerHTML", **error.headers})
    return await page(request, "error.html", viewer, status_code=error.status, error=error)
