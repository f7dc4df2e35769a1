"""The /api is documented: the OpenAPI schema renders, holds every route the social app promises, and each
operation carries a description (the handlers' docstrings)."""

from __future__ import annotations

from kinora.app.main import create_app

PROMISED = {
    ("post", "/api/auth/signup"), ("post", "/api/auth/login"), ("post", "/api/auth/logout"), ("get", "/api/me"),
    ("post", "/api/generations"), ("get", "/api/generations/{generation_id}"), ("post", "/api/posts"),
    ("get", "/api/posts/{post_id}"), ("post", "/api/posts/{post_id}/like"), ("delete", "/api/posts/{post_id}/like"),
    ("get", "/api/posts/{post_id}/comments"), ("post", "/api/posts/{post_id}/comments"),
    ("post", "/api/users/{handle}/follow"), ("delete", "/api/users/{handle}/follow"), ("get", "/api/users/{handle}"),
    ("get", "/api/feed/for-you"), ("get", "/api/feed/following"), ("put", "/api/me/feed-preferences"),
    ("get", "/api/notifications"),
}


def test_the_social_api_is_documented() -> None:
    paths = create_app().openapi()["paths"]
    operations = {(method, path): spec for path, methods in paths.items() if path.startswith("/api/")
                  for method, spec in methods.items()}
    assert not PROMISED - operations.keys(), PROMISED - operations.keys()
    undocumented = sorted(f"{method.upper()} {path}" for (method, path), spec in operations.items()
                          if not spec.get("description"))
    assert undocumented == []
