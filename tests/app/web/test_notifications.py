"""The notifications page and its live-update fragment (kinora/app/web/routes/notifications.py).

    .venv/bin/python -m pytest tests/app/web/test_notifications.py
"""

from __future__ import annotations

import html
import re
from typing import Any

from tests.app.web.helpers import alerts


def _items(page: str) -> list[tuple[str, str]]:
    """(data-type, the item's text without tags) per notification, in page order."""
    found = re.findall(r'<li class="notification[^"]*" data-type="([a-z_]+)"[^>]*>(.*?)</li>', page, re.S)
    shown = [re.sub(r'<span[^>]*aria-hidden="true"[^>]*>.*?</span>', "", body, flags=re.S) for _, body in found]
    return [(kind, " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split()))
            for (kind, _), body in zip(found, shown, strict=True)]


def test_each_kind_reads_as_a_sentence_newest_first_with_unread_marked(community: Any) -> None:
    community.join("nora")
    bob = community.join("nora_bob")
    post = community.post("nora", caption="my cube")["id"]
    assert bob.post("/api/users/nora/follow").status_code == 200
    assert bob.post(f"/api/posts/{post}/like").status_code == 200
    comment = bob.post(f"/api/posts/{post}/comments", json={"text": "<script>x</script> love it @nora"})
    assert comment.status_code == 201, comment.text

    nora = community.clients["nora"]
    page = nora.get("/notifications")
    assert page.status_code == 200
    items = _items(page.text)
    assert [kind for kind, _ in items] == ["comment", "like", "follow"]
    assert items[0][1].startswith("unread: @nora_bob commented: <script>x</script> love it @nora")
    assert items[1][1].startswith("unread: @nora_bob liked your post")
    assert items[2][1].startswith("unread: @nora_bob followed you")
    assert "<script>x" not in page.text and "&lt;script&gt;x&lt;/script&gt;" in page.text
    assert f'href="/p/{post}"' in page.text and 'href="/@nora_bob"' in page.text

    # The page's script marks them read through the API; then nothing is unread.
    assert nora.post("/api/notifications/read", json={"ids": [int(i) for i in re.findall(
        r'data-id="(\d+)"', page.text)]}).status_code == 200
    again = _items(nora.get("/notifications").text)
    assert all(not text.startswith("unread") for _, text in again)


def test_one_notification_renders_for_live_updates_and_only_for_its_owner(community: Any) -> None:
    community.join("liv")
    fan = community.join("liv_fan")
    assert fan.post("/api/users/liv/follow").status_code == 200
    newest = community.clients["liv"].get("/api/notifications").json()["items"][0]
    item = community.clients["liv"].get(f"/notifications/item/{newest['id']}")
    assert item.status_code == 200 and _items(item.text) == [("follow", "unread: @liv_fan followed you now")]
    assert "<html" not in item.text
    stranger = fan.get(f"/notifications/item/{newest['id']}")
    assert stranger.status_code == 404
    assert html.unescape(alerts(stranger.text)[0]) == f"No notification found with id {newest['id']}"


def test_the_page_needs_a_member_and_a_sane_page_position(community: Any) -> None:
    response = community.client().get("/notifications", follow_redirects=False)
    assert response.status_code == 303 and response.headers["location"] == "/login?next=%2Fnotifications"
    client = community.join("pager")
    bad = client.get("/notifications?before=0")
    assert bad.status_code == 400 and "before" in alerts(bad.text)[0]
    empty = client.get("/notifications")
    assert "Nothing yet" in empty.text and _items(empty.text) == []


def test_older_notifications_are_a_page_away(community: Any) -> None:
    community.join("busy")
    for n in range(32):
        fan = community.join(f"busy_fan{n}")
        assert fan.post("/api/users/busy/follow").status_code == 200
    client = community.clients["busy"]
    first = client.get("/notifications")
    assert len(_items(first.text)) == 30
    older = re.search(r'href="/notifications\?before=(\d+)">Older notifications', first.text)
    assert older is not None
    second = client.get(f"/notifications?before={older.group(1)}")
    assert [text.split()[1] for _, text in _items(second.text)] == ["@busy_fan1", "@busy_fan0"]
    assert "Older notifications" not in second.text and 'href="/notifications">Newest' in second.text
