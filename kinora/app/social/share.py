"""The share page of a public post: a small HTML page with the video and OpenGraph tags for link previews.
Anything but a public post is the same 404 page, so links reveal nothing about other posts."""

from __future__ import annotations

from html import escape
from typing import Any

from kinora.app.db import Database
from kinora.app.social.service import hydrate

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<meta property="og:site_name" content="{site}">
<meta property="og:type" content="video.other">
<meta property="og:title" content="{title}">
<meta property="og:description" content="{description}">
<meta property="og:url" content="{page}">
<meta property="og:image" content="{thumbnail}">
<meta property="og:video" content="{video}">
<meta property="og:video:type" content="video/mp4">
<meta property="og:video:width" content="{width}">
<meta property="og:video:height" content="{height}">
<meta name="twitter:card" content="player">
<style>body{{margin:0;background:#111;color:#eee;font:16px system-ui,sans-serif;display:flex;
flex-direction:column;align-items:center}}video{{max-width:100vw;max-height:80vh}}main{{padding:1rem;
max-width:40rem}}</style>
</head>
<body>
<video src="{video}" poster="{thumbnail}" width="{width}" height="{height}" controls playsinline loop></video>
<main>
<p><strong>@{handle}</strong></p>
<p>{caption}</p>
</main>
</body>
</html>
"""

NOT_FOUND = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Not found · Kinora</title></head>
<body><h1>Not found</h1><p>This post does not exist or is not public.</p></body></html>
"""


async def page(db: Database, *, post_id: int, base_url: str, site: str) -> str | None:
    """The page's HTML, or None when `post_id` is not a public post. `site` is the instance's name."""
    found = await hydrate(db, viewer_id=None, post_ids=[post_id])
    if not found:
        return None
    return render(found[0], base_url.rstrip("/"), site)


def render(post: dict[str, Any], base: str, site: str) -> str:
    handle = post["author"]["handle"]
    caption = post["caption"] or post["prompt"]
    return PAGE.format(
        site=escape(site), title=escape(f"@{handle} on {site}"), description=escape(caption[:300]),
        caption=escape(caption),
        handle=escape(handle), page=escape(base + post["share_url"]), video=escape(base + post["video_url"]),
        thumbnail=escape(base + post["thumbnail_url"]), width=post["width"], height=post["height"])
