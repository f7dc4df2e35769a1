"""Domain errors raised by services, turned into OpenAI-shaped JSON at the edge by one handler."""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """An error a client can act on. Rendered as {"error": {"message", "type", "param", "code"}}."""

    status: ClassVar[int] = 400
    type: ClassVar[str] = "invalid_request_error"
    default_code: ClassVar[str] = "invalid_value"

    def __init__(self, message: str, *, param: str | None = None, code: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.param = param
        self.code = code or self.default_code
        self.headers = headers or {}

    def __str__(self) -> str:
        return f"{self.param}: {self.message}" if self.param else self.message

    def body(self) -> dict[str, dict[str, object]]:
        return {"error": {"message": self.message, "type": self.type, "param": self.param, "code": self.code}}


class InvalidRequest(DomainError):
    pass


class InvalidState(DomainError):
    """The resource exists but is in the wrong state for the action (e.g. remixing a queued video)."""

    default_code = "invalid_state"


class NotFound(DomainError):
    status = 404
    default_code = "not_found"


class Unauthorized(DomainError):
    status = 401
    default_code = "invalid_api_key"


class Forbidden(DomainError):
    """The caller is known and the thing exists, but this instance does not allow the action."""

    status = 403
    default_code = "forbidden"


class RateLimited(DomainError):
    status = 429
    type = "rate_limit_error"
    default_code = "rate_limit_exceeded"

    def __init__(self, message: str, *, retry_after: float, param: str | None = None) -> None:
        seconds = max(1, round(retry_after))
        super().__init__(message, param=param, headers={"retry-after": str(seconds),
                                                        "retry-after-ms": str(seconds * 1000)})


class Unavailable(DomainError):
    """The instance cannot serve this now (e.g. a model whose weights are not installed)."""

    status = 503
    type = "server_error"
    default_code = "unavailable"


class TooLarge(DomainError):
    status = 413
    default_code = "too_large"
