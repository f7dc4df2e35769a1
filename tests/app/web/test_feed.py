"""The feed, the welcome page and share pages (kinora/app/web/routes/feed.py).

    .venv/bin/python -m pytest tests/app/web/test_feed.py
"""

from __future__ import annotations

import re
from html import unescape
from typing import Any

from sqlalchemy import select, update

from kinora.app.feed import candidates
from kinora.app.feed.models import CheckIn, FeedDay
from kinora.app.social.models import Comment, Like
from kinora.app.users.models import User
from tests.app.web.helpers import alerts, send
from tests.community import count, execute, scalar, user_id

LIVE_SETTINGS = {"teen_feed_items_per_day": 3}
POST = re.compile(r'<article class="post" data-post-id="(\d+)" aria-label="Post by @([\w.]+)"')
NEXT = re.compile(r'data-next="([^"]+)"')


def _shown(html: str) -> list[int]:
    return [int(found.group(1)) for found in POST.finditer(html)]


def _fresh_pool(community: Any) -> None:
    candidates.invalidate(community.services.db)  # the pool of recent public posts is rebuilt every 30 s


def _follow(community: Any, fan: str, author: str) -> None:
    assert community.clients[fan].post(f"/api/users/{author}/follow").status_code in (200, 201)


def _no_inline_code(html: str) -> None:
    """What the strict CSP would block: inline script or style, style attributes, handler attributes."""
    assert not re.search(r"<script(?![^>]*\bsrc=)", html) and "<style" not in html
    assert not re.search(r'\s(style|on[a-z]+|hx-on[\w:-]*|hx-vars)="', html)


def test_signed_out_visitors_get_the_welcome_page_with_recent_public_posts(community: Any) -> None:
    community.join("wanda")
    public = community.post("wanda", prompt="a lighthouse in a storm", caption="Stormy")
    hidden = community.post("wanda", prompt="a secret garden", visibility="followers")
    _fresh_pool(community)
    page = community.anonymous.get("/")
    assert page.status_code == 200
    html = page.text
    assert 'href="/signup">Join with an invite' in html and 'href="/login">Sign in' in html
    assert f'href="/p/{public["id"]}"' in html and 'alt="a lighthouse in a storm"' in html
    assert f'/p/{hidden["id"]}' not in html and "secret garden" not in html
    assert "data-module=\"feed\"" not in html
    _no_inline_code(html)


def test_for_you_renders_the_first_posts_with_their_overlay(community: Any) -> None:
    community.join("fyauthor")
    viewer = community.join("fyviewer")
    post = community.post("fyauthor", prompt="a cat surfs a wave", caption='<b>surf</b> & "sun"')
    _fresh_pool(community)
    html = viewer.get("/").text
    assert post["id"] in _shown(html)
    assert 'aria-label="Post by @fyauthor"' in html and 'aria-label="a cat surfs a wave"' in html
    assert "&lt;b&gt;surf&lt;/b&gt; &amp; &#34;sun&#34;" in html and "<b>surf</b>" not in html
    assert '<a href="/" aria-current="page">For You</a>' in html and '<a href="/?tab=following">Following' in html
    for name in ("Like", "Comments", "Share", "See less like this", "Report", "Sound"):
        assert f'aria-label="{name}"' in html, name
    assert f'href="/create?remix={post["id"]}" aria-label="Remix"' in html and 'href="/@fyauthor"' in html
    assert f'data-share-url="/p/{post["id"]}"' in html and 'aria-pressed="false"' in html
    assert '<label for="report-reason">Reason</label>' in html and '<option value="spam">' in html
    assert "Send report" in html and 'data-module="feed"' in html
    _no_inline_code(html)


def test_following_lists_followed_posts_and_pages_through_them(community: Any) -> None:
    community.join("pager")
    reader = community.join("reader")
    empty = reader.get("/?tab=following").text
    assert _shown(empty) == [] and "Nothing here yet" in empty
    assert '<a href="/?tab=following" aria-current="page">Following</a>' in empty
    made = [community.post("pager", prompt=f"clip number {n}")["id"] for n in range(8)]
    _follow(community, "reader", "pager")
    first = reader.get("/?tab=following").text
    assert _shown(first) == made[::-1][:6]
    more = NEXT.search(first)
    assert more is not None and more.group(1).startswith("/feed/more?tab=following&amp;cursor=")
    second = reader.get(more.group(1).replace("&amp;", "&"), headers={"hx-request": "true"})
    assert second.status_code == 200 and _shown(second.text) == made[::-1][6:]
    assert "You're all caught up" in second.text and not NEXT.search(second.text)


def test_bad_tabs_and_cursors_are_refused_with_the_reason(community: Any) -> None:
    viewer = community.join("badinput")
    page = viewer.get("/?tab=trending")
    assert page.status_code == 400 and "tab must be one of foryou, following; got &#39;trending&#39;" in page.text
    more = viewer.get("/feed/more?tab=following&cursor=%%%", headers={"hx-request": "true"})
    assert more.status_code == 400 and more.headers["hx-retarget"] == "#toast"
    assert "cursor must be a next_cursor" in more.text
    assert viewer.get("/feed/more", headers={"hx-request": "true"}).status_code == 400
    anonymous = community.client().get("/feed/more?cursor=abc", follow_redirects=False)
    assert anonymous.status_code == 303 and anonymous.headers["location"].startswith("/login?next=")


def test_like_and_unlike_swap_the_button(community: Any) -> None:
    community.join("liked_author")
    fan = community.join("liker")
    post = community.post("liked_author")["id"]
    liked = send(fan, "POST", f"/feed/posts/{post}/like")
    assert liked.status_code == 200 and 'aria-pressed="true"' in liked.text
    assert f'hx-delete="/feed/posts/{post}/like"' in liked.text
    assert ">1<span class=\"visually-hidden\"> like</span>" in liked.text
    assert count(community, Like, Like.post_id == post) == 1
    unliked = send(fan, "DELETE", f"/feed/posts/{post}/like")
    assert 'aria-pressed="false"' in unliked.text and f'hx-post="/feed/posts/{post}/like"' in unliked.text
    assert count(community, Like, Like.post_id == post) == 0
    private = community.post("liked_author", visibility="private")["id"]
    refused = send(fan, "POST", f"/feed/posts/{private}/like")
    assert refused.status_code == 404 and f"No post found with id {private}" in refused.text
    assert send(fan, "POST", "/feed/posts/0/like").status_code == 400


def test_the_comment_sheet_shows_the_thread_and_adds_comments(community: Any) -> None:
    community.join("talker")
    listener = community.join("listener")
    post = community.post("talker")["id"]
    community.clients["talker"].post(f"/api/posts/{post}/comments", json={"text": "first! <i>hi</i>"})
    sheet = listener.get(f"/feed/posts/{post}/comments", headers={"hx-request": "true"})
    assert sheet.status_code == 200 and "first! &lt;i&gt;hi&lt;/i&gt;" in sheet.text
    assert '<label for="comment-text" class="visually-hidden">Add a comment</label>' in sheet.text
    assert f'hx-post="/feed/posts/{post}/comments"' in sheet.text and ">Send</button>" in sheet.text
    added = send(listener, "POST", f"/feed/posts/{post}/comments", data={"text": "  so good  "})
    assert added.status_code == 200 and '<p class="comment-text">so good</p>' in added.text
    assert f'id="comments-{post}" hx-swap-oob="true">2<' in added.text
    assert count(community, Comment, Comment.post_id == post) == 2
    empty = send(listener, "POST", f"/feed/posts/{post}/comments", data={"text": "   "})
    assert empty.status_code == 400 and empty.headers["hx-retarget"] == "#toast"
    assert alerts(empty.text) == ["text must be 1-1000 characters (not only spaces); got 0"]
    long = send(listener, "POST", f"/feed/posts/{post}/comments", data={"text": "x" * 1001})
    assert long.status_code == 400 and "got 1001" in long.text
    assert count(community, Comment, Comment.post_id == post) == 2
    hidden = community.post("talker", visibility="private")["id"]
    assert listener.get(f"/feed/posts/{hidden}/comments", headers={"hx-request": "true"}).status_code == 404


def test_replies_go_under_their_comment_one_level_deep(community: Any) -> None:
    community.join("asker")
    replier = community.join("replier")
    post = community.post("asker")["id"]
    first = community.clients["asker"].post(f"/api/posts/{post}/comments", json={"text": "what do you think?"})
    parent = first.json()["id"]
    sheet = replier.get(f"/feed/posts/{post}/comments", headers={"hx-request": "true"})
    assert f'data-reply="{parent}"' in sheet.text and 'aria-label="Reply to @asker"' in sheet.text
    assert f'<ol class="comment-replies" id="replies-{parent}"' in sheet.text
    reply = send(replier, "POST", f"/feed/posts/{post}/comments", data={"text": "love it", "parent_id": str(parent)})
    assert reply.status_code == 200 and "love it" in reply.text
    assert "data-reply=" not in reply.text.split('hx-swap-oob')[0]  # a reply takes no replies itself
    child = scalar(community, select(Comment.id).where(Comment.parent_id == parent))
    assert child is not None
    deeper = send(replier, "POST", f"/feed/posts/{post}/comments", data={"text": "x", "parent_id": str(child)})
    assert deeper.status_code == 400 and "is itself a reply" in deeper.text
    for bad in ("abc", "0", "99999999999"):
        refused = send(replier, "POST", f"/feed/posts/{post}/comments", data={"text": "x", "parent_id": bad})
        assert refused.status_code == 400 and "parent_id must be a comment id" in refused.text
    other = community.post("asker")["id"]
    elsewhere = send(replier, "POST", f"/feed/posts/{other}/comments", data={"text": "x", "parent_id": str(parent)})
    assert elsewhere.status_code == 404 and f"on post {other}" in elsewhere.text


def test_the_check_in_shows_when_due_and_takes_an_answer(community: Any) -> None:
    community.join("moody_author")
    viewer = community.join("moody")
    community.post("moody_author")
    execute(community, update(User).where(User.handle == "moody").values(created_at=User.created_at - 3 * 86400))
    _fresh_pool(community)
    html = viewer.get("/").text
    assert "How has Kinora been making you feel?" in html and 'name="mood" value="5">Much better' in html
    bad = send(viewer, "POST", "/feed/check-in", data={"mood": "9"})
    assert bad.status_code == 400 and "mood must be 1-5 or skip; got '9'" in unescape(bad.text)
    answered = send(viewer, "POST", "/feed/check-in", data={"mood": "4"})
    assert answered.status_code == 200 and "Thanks for telling us" in answered.text
    assert count(community, CheckIn, CheckIn.user_id == user_id(community, "moody"), CheckIn.mood == 4) == 1
    assert "How has Kinora been making you feel?" not in viewer.get("/").text


def test_teens_see_an_end_card_once_the_daily_items_are_used_up(community: Any) -> None:
    community.join("teen_idol")
    teen = community.join("teen_fan", birth_date="2012-06-01")
    for n in range(5):
        community.post("teen_idol", prompt=f"a kite flies, take {n}")
    _follow(community, "teen_fan", "teen_idol")
    _fresh_pool(community)
    first = teen.get("/").text
    assert len(_shown(first)) == 3 and "You're all caught up for today" in first
    assert "resets at midnight UTC" in first and "data-local-time" in first and not NEXT.search(first)
    again = teen.get("/").text
    assert _shown(again) == [] and "You're all caught up for today" in again
    assert count(community, FeedDay, FeedDay.user_id == user_id(community, "teen_fan"), FeedDay.served == 3) == 1


def test_share_page_shows_a_public_post_in_the_web_app(community: Any) -> None:
    community.join("sharer")
    post = community.post("sharer", prompt="a paper boat sails", caption="Boat <3")
    page = community.anonymous.get(f"/p/{post['id']}")
    assert page.status_code == 200 and page.headers["cache-control"] == "public, max-age=60"
    html = page.text
    assert f'<meta property="og:video" content="http://testserver/api/posts/{post["id"]}/video">' in html
    assert f'<meta property="og:url" content="http://testserver/p/{post["id"]}">' in html
    assert '<meta name="twitter:card" content="player">' in html and "<title>@sharer on Kinora</title>" in html
    assert f'src="/api/posts/{post["id"]}/video"' in html and "controls" in html
    assert 'aria-label="a paper boat sails"' in html and "Boat &lt;3" in html and 'href="/@sharer"' in html
    assert "Open in Kinora" not in html and "Join with an invite" in html
    _no_inline_code(html)
    member = community.join("share_member").get(f"/p/{post['id']}")
    assert 'href="/">Open in Kinora</a>' in member.text and member.headers["cache-control"].startswith("private")


def test_share_page_is_the_same_404_for_anything_not_public(community: Any) -> None:
    owner = community.join("share_owner")
    hidden = community.post("share_owner", caption="hush hush", visibility="followers")["id"]
    for path in (f"/p/{hidden}", "/p/999999", "/p/abc", "/p/99999999999999999999"):
        page = owner.get(path)
        assert page.status_code == 404 and "hush hush" not in page.text, path
        assert "does not exist or is not public" in page.text and "cache-control" in page.headers
        assert page.headers["cache-control"] == "no-store"
