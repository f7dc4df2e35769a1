"""The web app: pages under /, static files under /static, and the browser safety middleware."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI, Request
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

from kinora.app.cameos.vault import instance_key
from kinora.app.errors import DomainError
from kinora.app.web import deps, render
from kinora.app.web.routes import admin, auth, cameo, characters, create, drafts, feed, notifications, profile, verify
from kinora.app.web.routes import settings as settings_pages
from kinora.app.web.security import WebSecurity
from kinora.config import Settings

router = APIRouter(include_in_schema=False)
for module in (auth, feed, create, drafts, profile, cameo, characters, notifications, settings_pages, admin,
               verify):
    router.include_router(module.router)
NOT_PAGES = ("/api/", "/v1/", "/static/", "/docs", "/redoc", "/openapi.json")


class Static(StaticFiles):
    """Versioned URLs (render.static_url adds ?v=HASH) are cached for a year; others are revalidated."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        versioned = b"v=" in scope.get("query_string", b"")
        response.headers["cache-control"] = "public, max-age=31536000, immutable" if versioned else "no-cache"
        return response


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(router)
    app.mount("/static", Static(directory=render.STATIC), name="static")
    secure = (settings.public_url or "").startswith("https://")
    app.state.csrf_key = instance_key(settings)
    app.add_middleware(WebSecurity, key=app.state.csrf_key, secure=secure)
    app.add_exception_handler(render.SignInFirst, _sign_in_first)  # type: ignore[arg-type]


def is_page(request: Request) -> bool:
    return not request.url.path.startswith(NOT_PAGES)


async def error_response(request: Request, error: DomainError) -> Response:
    """A domain error raised while answering a page: an error page or an htmx toast, not JSON."""
    return await render.error_page(request, error, await deps.page_viewer(request))


async def _sign_in_first(request: Request, _error: render.SignInFirst) -> Response:
    return render.sign_in_redirect(request)
