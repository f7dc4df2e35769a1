"""Web page tests over TestClient: members of a `community` (tests/community.py) fetch pages and send forms with
the CSRF token a page gave them, as a browser would."""

from __future__ import annotations

import re
from typing import Any

from fastapi.testclient import TestClient

TOKEN = re.compile(r'<meta name="csrf-token" content="([^"]+)">')


def token(client: TestClient, path: str = "/login") -> str:
    """The CSRF token of the page at `path` for this client (its kinora_csrf cookie is set on the way)."""
    response = client.get(path)
    found = TOKEN.search(response.text)
    assert found is not None, f"{path} has no csrf-token meta tag ({response.status_code})"
    return found.group(1)


def send(client: TestClient, method: str, path: str, *, page: str = "/", htmx: bool = True,
         **kwargs: Any) -> Any:
    """A state-changing request as the web app sends it: the page's token in x-csrf-token (and HX-Request)."""
    headers = {"x-csrf-token": token(client, page), **({"hx-request": "true"} if htmx else {}),
               **kwargs.pop("headers", {})}
    return client.request(method, path, headers=headers, **kwargs)


def alerts(html: str) -> list[str]:
    """The texts of role=alert elements: the errors a page shows."""
    return [re.sub(r"<[^>]+>", "", found).strip() for found in re.findall(r'role="?alert"?[^>]*>(.*?)</', html, re.S)]
