"""Browser safety for every response: a CSRF check on state-changing requests, and a strict Content-Security-Policy
(no inline script or style) with the other hardening headers on pages.

CSRF tokens are double-submit: a random `kinora_csrf` cookie (HttpOnly, SameSite=Strict) and, in each page, an
HMAC of it under the instance key, sent back as the `x-csrf-token` header (htmx, fetch) or a `csrf_token` form
field. Web pages always need it. /api needs it when a browser sends the session cookie (a browser says so with
Origin or Sec-Fetch-Site); scripts with a bearer key or no browser headers cannot be forged into a request."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from kinora.app.users import sessions

COOKIE = "kinora_csrf"
HEADER = b"x-csrf-token"
FIELD = "csrf_token"
API_DOCS = ("/docs", "/redoc")  # FastAPI's own pages load Swagger UI from a CDN with inline script
SAFE = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_FORM = 256 * 1024  # a url-encoded form larger than this is no form of ours
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")
PAGE_HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-frame-options", b"DENY"),
                (b"referrer-policy", b"same-origin"), (b"cross-origin-opener-policy", b"same-origin"),
                (b"permissions-policy", b"camera=(self), microphone=(self), geolocation=()")]


def token_for(key: bytes, cookie: str) -> str:
    """The page token that goes with a `kinora_csrf` cookie value."""
    digest = hmac.new(key, b"kinora csrf v1:" + cookie.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def csrf_cookie(scope: Scope) -> str:
    """This page request's CSRF cookie value: the browser's, or the one this response sets."""
    found: str | None = scope["state"]["csrf_cookie"]
    assert found is not None, "pages (not /api) get a CSRF cookie"
    return found


class WebSecurity:
    """Pure ASGI middleware (see kinora.app.main.RequestId for why not BaseHTTPMiddleware)."""

    def __init__(self, app: ASGIApp, *, key: bytes, secure: bool) -> None:
        self.app = app
        self.key = key
        self.secure = secure

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)  # API keys only there: the session cookie signs nobody in
            return
        headers = dict(scope["headers"])
        cookies = _cookies(headers) if b"cookie" in headers else {}
        api = scope["path"].startswith("/api/")
        cookie, fresh = cookies.get(COOKIE), False
        if not api and (not cookie or len(cookie) > 100):
            cookie, fresh = secrets.token_urlsafe(24), True
        scope.setdefault("state", {})["csrf_cookie"] = cookie
        if scope["method"] not in SAFE and (not api or _from_browser_session(headers, cookies)):
            receive, refusal = await self._check(scope, receive, headers, cookie if not fresh else None)
            if refusal is not None:
                await _refuse(scope, send, refusal)
                return
        set_cookie = self._set_cookie(cookie) if fresh and cookie else None

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                extra = [(b"x-content-type-options", b"nosniff")]
                content_type = dict(message.get("headers", [])).get(b"content-type", b"")
                if content_type.startswith(b"text/html") and not scope["path"].startswith(API_DOCS):
                    extra += PAGE_HEADERS
                    if set_cookie is not None:  # only pages hand out tokens, so only pages need the cookie
                        extra.append((b"set-cookie", set_cookie))
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)

    def _set_cookie(self, value: str) -> bytes:
        secure = "; Secure" if self.secure else ""
        return f"{COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict{secure}".encode()

    async def _check(self, scope: Scope, receive: Receive, headers: dict[bytes, bytes],
                     cookie: str | None) -> tuple[Receive, str | None]:
        """The receive channel to go on with (a form body read here is replayed) and why the request is refused."""
        sent = headers.get(HEADER, b"").decode(errors="replace")
        content_type = headers.get(b"content-type", b"").split(b";")[0].strip()
        if not sent and content_type == b"application/x-www-form-urlencoded":
            body, receive = await _buffer(receive)
            if body is None:
                return receive, f"the form is larger than {MAX_FORM // 1024} KiB"
            sent = parse_qs(body.decode(errors="replace")).get(FIELD, [""])[0]
        if cookie is None:
            return receive, "this browser has no kinora_csrf cookie yet; reload the page and try again"
        if not sent:
            return receive, (f"{FIELD} is missing: send the page's token as the x-csrf-token header "
                             f"or a {FIELD} form field")
        if not hmac.compare_digest(sent, token_for(self.key, cookie)):
            return receive, f"{FIELD} does not match this browser's session; reload the page and try again"
        return receive, None


def _from_browser_session(headers: dict[bytes, bytes], cookies: dict[str, str]) -> bool:
    """An /api request a browser sent with the session cookie (browsers say so with Origin or Sec-Fetch-Site)."""
    from_browser = b"origin" in headers or b"sec-fetch-site" in headers
    bearer = headers.get(b"authorization", b"").lower().startswith(b"bearer ")
    return sessions.COOKIE in cookies and from_browser and not bearer


def _cookies(headers: dict[bytes, bytes]) -> dict[str, str]:
    jar: SimpleCookie = SimpleCookie()
    try:
        jar.load(headers.get(b"cookie", b"").decode("latin-1"))
    except Exception:  # a malformed cookie header is no cookie at all
        return {}
    return {name: morsel.value for name, morsel in jar.items()}


async def _buffer(receive: Receive) -> tuple[bytes | None, Receive]:
    chunks: list[bytes] = []
    size, more = 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > MAX_FORM:
            return None, receive
    body = b"".join(chunks)
    replayed = False

    async def replay() -> Message:
        nonlocal replayed
        if not replayed:
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _refuse(scope: Scope, send: Send, reason: str) -> None:
    message = f"csrf_token: {reason}"
    if scope["path"].startswith("/api/"):
        body = orjson.dumps({"error": {"message": message, "type": "invalid_request_error", "param": FIELD,
                                       "code": "csrf_failed"}})
        content_type = b"application/json"
    else:
        body = f"<!doctype html><title>Refused</title><p role=alert>{message}</p>".encode()
        content_type = b"text/html; charset=utf-8"
    headers = [(b"content-type", content_type), (b"content-length", str(len(body)).encode()),
               (b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff")]
    await send({"type": "http.response.start", "status": 403, "headers": headers})
    await send({"type": "http.response.body", "body": body})
