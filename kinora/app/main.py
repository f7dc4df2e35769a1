"""The app factory: routers, error handlers, and the lifespan that runs migrations, the job runner and
the webhook sender."""

from __future__ import annotations

import asyncio
import contextlib
import gc
import itertools
import logging
import secrets
from collections.abc import AsyncIterator

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinora.app.bootstrap import bootstrap
from kinora.app.cameos import router as cameos
from kinora.app.errors import DomainError, InvalidRequest, NotFound
from kinora.app.feed import embed
from kinora.app.feed import router as feed
from kinora.app.generations import router as generations
from kinora.app.moderation import router as moderation
from kinora.app.openai_api import router as openai_api
from kinora.app.provenance import router as provenance
from kinora.app.responses import Json
from kinora.app.social import router as social
from kinora.app.users import router as users
from kinora.app.web import router as web
from kinora.app.webhooks.service import WebhookSender
from kinora.config import Settings
from kinora.jobs.runner import EmbeddedRunner

log = logging.getLogger("kinora.app")


def serve_app() -> FastAPI:
    """The app as `kinora serve` runs it: settings from the environment, and the feed's embedding model loaded
    in the background at start, so the first post published does not wait seconds for it."""
    return create_app(Settings(), warm=True)


def create_app(settings: Settings | None = None, *, run_jobs: bool = True, warm: bool = False) -> FastAPI:
    """The web app. With `run_jobs`, this process also runs the job runner and its worker subprocesses."""
    settings = settings or Settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = await bootstrap(settings)
        app.state.services, app.state.key_cache, app.state.runner = services, {}, None
        stop, tasks = asyncio.Event(), []
        sender = None
        if settings.webhook_urls and settings.webhook_secret is not None:
            sender = WebhookSender(services.db, settings.webhook_secret.get_secret_value())
            tasks.append(asyncio.create_task(sender.run(stop)))
        if warm:
            tasks.append(asyncio.create_task(_warm_up()))
        if run_jobs:
            app.state.runner = EmbeddedRunner(settings, services.db, services.storage, services.provenance,
                                              on_finished=sender.nudge if sender else None)
            await app.state.runner.start()
        # What startup made lives as long as the process: keep it out of the collector's full passes, which
        # otherwise stall every request in flight for ~100 ms (benchmarks/feed.py).
        gc.freeze()
        try:
            yield
        finally:
            stop.set()
            if app.state.runner is not None:
                await app.state.runner.stop()
            await asyncio.gather(*tasks, return_exceptions=True)
            await services.db.dispose()

    enabled = settings.telemetry
    app = FastAPI(title="Kinora", version="0.1.0", lifespan=lifespan,
                  telemetry={"tracing": enabled, "metrics": enabled, "logs": enabled})
    app.include_router(openai_api.hot)  # first: the most requested routes match without trying the others
    app.include_router(openai_api.router)
    for domain in (users, generations, social, feed, provenance, moderation, cameos):
        app.include_router(domain.router)
    web.install(app, settings)
    app.add_exception_handler(DomainError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(HTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _internal_error)
    app.add_middleware(RequestId)
    return app


async def _warm_up() -> None:
    try:
        await asyncio.to_thread(embed.embed, ["warm up"])
    except Exception:  # the feed ranks posts without embeddings neutrally; say why they are missing
        log.exception("the feed's embedding model (%s) could not be loaded", embed.model_path())


async def _domain_error(request: Request, error: DomainError) -> Response:
    if web.is_page(request):
        return await web.error_response(request, error)
    headers = {"x-should-retry": "false", **error.headers} if error.status != 429 else error.headers
    return Json(error.body(), status_code=error.status, headers=headers)


async def _validation_error(request: Request, error: RequestValidationError) -> Response:
    first = error.errors()[0]
    # The field's name, not a list index: ("body", "ids", 0) names "ids".
    param = next((str(part) for part in reversed(first.get("loc", ())) if isinstance(part, str)), None)
    given = first.get("input")
    message = f"Invalid value for {param}: {given!r} ({first['msg']})" if param else first["msg"]
    if web.is_page(request):
        return await web.error_response(request, InvalidRequest(message, param=param))
    return Json({"error": {"message": message, "type": "invalid_request_error", "param": param,
                           "code": "invalid_value"}}, status_code=400, headers={"x-should-retry": "false"})


async def _http_error(request: Request, error: HTTPException) -> Response:
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    if web.is_page(request) and error.status_code in (404, 405):
        message = f"No page at {request.url.path}" if error.status_code == 404 else str(error.detail)
        return await web.error_response(request, NotFound(message) if error.status_code == 404
                                        else InvalidRequest(message))
    return Json({"error": {"message": str(error.detail), "type": "invalid_request_error", "param": None,
                           "code": code}}, status_code=error.status_code, headers=error.headers)


async def _internal_error(request: Request, error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=error)
    # A retried POST could create a second job; GETs are safe to retry.
    retry = "true" if request.method in ("GET", "HEAD") else "false"
    return Json({"error": {"message": f"internal error: {type(error).__name__}", "type": "server_error",
                           "param": None, "code": "internal_error"}}, status_code=500,
                headers={"x-should-retry": retry})


class RequestId:
    """Pure ASGI middleware (cheaper than BaseHTTPMiddleware): every response carries a unique x-request-id,
    a random per-process prefix and a counter (a random token per request costs a tenth of a poll)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.prefix = f"req_{secrets.token_hex(6)}".encode()
        self.counter = itertools.count(1)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        header = (b"x-request-id", b"%s%08x" % (self.prefix, next(self.counter)))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        await self.app(scope, receive, send_with_id)
