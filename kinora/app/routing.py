"""A route FastAPI documents but does not drive, for the hottest GETs."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response


class PlainRoute(APIRoute):
    """The endpoint is called as `endpoint(request, **path_params)` and returns a Response itself: no dependency
    solving or validation per request. FastAPI's machinery costs more than a keyed read (benchmarks/api.py),
    and pollers hit these routes far more often than any other. The signature still feeds the OpenAPI schema."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        endpoint = self.endpoint

        async def handle(request: Request) -> Response:
            response: Response = await endpoint(request, **request.path_params)
            return response

        return handle
