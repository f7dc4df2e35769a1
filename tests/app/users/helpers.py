"""Shared by the account tests: dates relative to today and populated accounts (assertions and database access:
tests/community.py)."""

from __future__ import annotations

import datetime
from typing import Any

from tests.community import user_id

PASSWORD = "correct horse battery"



def years_ago(years: int, days: int = 0) -> str:
    today = datetime.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return (day + datetime.timedelta(days=days)).isoformat()





def add(community: Any, *rows: Any) -> None:
    """Insert rows as they are (e.g. follows and blocks made here without the social routes)."""
    async def body() -> None:
        async with community.services.db.write() as session:
            session.add_all(rows)

    community.run(body())


def follow(community: Any, follower: str, followee: str) -> None:
    import time

    from kinora.app.social.models import Follow

    add(community, Follow(follower_id=user_id(community, follower), followee_id=user_id(community, followee),
                          created_at=time.time()))


def block(community: Any, blocker: str, blocked: str) -> None:
    import time

    from kinora.app.social.models import Block

    add(community, Block(blocker_id=user_id(community, blocker), blocked_id=user_id(community, blocked),
                         created_at=time.time()))


def publish(community: Any, handle: str, visibility: str = "public", *, remix_of: int | None = None) -> int:
    """A post of a fresh draft of `handle`'s, written straight to the database; returns its id."""
    import time

    from kinora.app.social.models import Post

    generation_id, author_id = community.draft(handle), user_id(community, handle)

    async def body() -> int:
        async with community.services.db.write() as session:
            post = Post(author_id=author_id, generation_id=generation_id, caption="",
                        visibility=visibility, allow_remix=True, remix_of=remix_of, created_at=time.time())
            session.add(post)
            await session.flush()
            return post.id

    result: int = community.run(body())
    return result


def populate(community: Any, handle: str, friend: str, stranger: str) -> dict[str, Any]:
    """A member who has done one of everything (a row in every table that names a user, and media of every kind),
    among a friend and a stranger. Social rows are written directly, with the post counters kept in step."""
    import io
    import time

    from PIL import Image

    from kinora.app.cameos.models import Cameo, CameoAccess, CameoChallenge, CameoUse
    from kinora.app.feed.models import CheckIn, FeedDay, FeedPreference, FeedSignal, View
    from kinora.app.moderation.models import Appeal, ModerationEvent
    from kinora.app.social.models import Block, Comment, Like, Notification, Report

    me, _, _ = community.join(handle), community.join(friend), community.join(stranger)
    me.post("/api/me/tokens", json={"name": "script"})
    code = me.post("/api/me/invites").json()["code"]
    assert community.client().post("/api/auth/signup", json={
        "invite_code": code, "handle": f"{handle}_guest", "email": f"{handle}_guest@example.com",
        "password": PASSWORD, "birth_date": "1999-09-09"}).status_code == 201
    reset = community.anonymous.post("/api/auth/password-reset", json={"email": f"{handle}@example.com"})
    assert reset.status_code == 202
    image = io.BytesIO()
    Image.new("RGB", (40, 40), (1, 2, 3)).save(image, "PNG")
    assert me.put("/api/me/avatar", files={"file": ("a.png", image.getvalue(), "image/png")}).status_code == 200
    me.put("/api/me/guardian", json={"pin": "1234", "personalization": True, "continuous_scroll": False})

    draft = community.draft(handle, "an unpublished draft")
    community.services.storage.put(f"inputs/{draft}/reference.png", image.getvalue())
    friend_post, my_post = publish(community, friend), publish(community, handle)
    my_remix = publish(community, handle, remix_of=friend_post)
    their_remix = publish(community, stranger, remix_of=my_post)
    stranger_draft = community.draft(stranger, "a remix in the making")
    ids = {name: user_id(community, name) for name in (handle, friend, stranger)}
    uid, fid, sid = ids[handle], ids[friend], ids[stranger]
    follow(community, handle, friend)
    follow(community, friend, handle)
    follow(community, stranger, handle)
    character = "char_" + handle
    community.services.storage.put(f"cameos/{character}/clip.mp4", b"not really a clip")
    now = time.time()

    async def body() -> dict[str, Any]:
        from sqlalchemy import update

        from kinora.app.generations.models import Generation
        from kinora.app.social.models import Post

        async with community.services.db.write() as session:
            session.add_all([
                Like(user_id=uid, post_id=friend_post, created_at=now),
                Like(user_id=uid, post_id=my_post, created_at=now),
                Like(user_id=fid, post_id=my_post, created_at=now),
                Like(user_id=sid, post_id=friend_post, created_at=now),
                Block(blocker_id=uid, blocked_id=sid, created_at=now),
                Block(blocker_id=sid, blocked_id=uid, created_at=now),
                View(user_id=uid, post_id=friend_post, watched_fraction=0.5, completed=False, created_at=now),
                FeedSignal(user_id=uid, kind="see_less", target_id=friend_post, created_at=now),
                FeedSignal(user_id=fid, kind="hide_creator", target_id=uid, created_at=now),
                FeedPreference(user_id=uid, instruction="more cubes", more="cubes", less="", updated_at=now,
                               more_vectors=b"\0\1" * 4),
                FeedDay(user_id=uid, day="2026-01-02", served=7),
                CheckIn(user_id=uid, mood=4, note="fine", created_at=now),
                Cameo(id=character, owner_id=uid, kind="character", handle=character.lower(), name="Me",
                      appearance="", permission="only_me", restrictions=[], report={},
                      clip_key=f"cameos/{character}/clip.mp4", seconds=2.0, width=64, height=64, created_at=now),
                Report(reporter_id=uid, target_type="post", target_id=str(friend_post), target_user_id=fid,
                       category="spam", created_at=now),
                Report(reporter_id=sid, target_type="user", target_id=handle, target_user_id=uid,
                       category="harassment", created_at=now, status="resolved", resolved_by=fid, resolved_at=now),
                Report(reporter_id=fid, target_type="post", target_id=str(their_remix), target_user_id=sid,
                       category="other", created_at=now, status="dismissed", resolved_by=uid, resolved_at=now),
            ])
            friends = Cameo(id=f"cameo_{handle}_friend", owner_id=fid, kind="person", handle=f"{handle}_friend",
                            name="Friend", appearance="", permission="approved", restrictions=[], report={},
                            created_at=now)
            session.add(friends)
            await session.flush()
            session.add_all([
                CameoAccess(cameo_id=friends.id, user_id=uid, status="approved", created_at=now, decided_at=now),
                CameoUse(cameo_id=friends.id, generation_id=draft, user_id=uid, created_at=now),
                CameoChallenge(id=f"chal_{handle}", user_id=uid, kind="person", digits="123456", created_at=now,
                               expires_at=now + 600, used_at=now),
            ])
            held = ModerationEvent(created_at=now, stage="prompt", outcome="block", user_id=uid, category="violence",
                                   layer="rules", note="matched 'gore'", reviewer_id=fid)
            session.add(held)
            await session.flush()
            session.add(Appeal(user_id=uid, event_id=held.id, message="it was a cooking show", created_at=now,
                               status="denied", decided_by=fid, decided_at=now))
            mine = Comment(post_id=friend_post, author_id=uid, text="nice", created_at=now)
            session.add(mine)
            await session.flush()
            reply = Comment(post_id=friend_post, author_id=fid, parent_id=mine.id, text="thanks", created_at=now)
            session.add_all([reply, Comment(post_id=friend_post, author_id=sid, text="wow", created_at=now),
                             Comment(post_id=my_post, author_id=fid, text="cool", created_at=now)])
            await session.flush()
            session.add_all([
                Notification(user_id=uid, actor_id=fid, type="like", post_id=my_post, created_at=now),
                Notification(user_id=fid, actor_id=uid, type="comment", post_id=friend_post, comment_id=mine.id,
                             created_at=now),
            ])
            counts = {friend_post: (2, 3, 1), my_post: (2, 1, 1), my_remix: (0, 0, 0), their_remix: (0, 0, 0)}
            for post_id, (likes, comments, remixes) in counts.items():
                await session.execute(update(Post).where(Post.id == post_id).values(
                    like_count=likes, comment_count=comments, remix_count=remixes))
            await session.execute(update(Generation).where(Generation.id == stranger_draft)
                                  .values(remix_of_post=my_post))
        return {"client": me, "user_id": uid, "friend_post": friend_post, "my_post": my_post, "draft": draft,
                "their_remix": their_remix, "stranger_draft": stranger_draft, "character": character}

    result: dict[str, Any] = community.run(body())
    return result


def user_columns() -> list[tuple[str, str]]:
    """Every (table, column) that is a foreign key to users.id, from the complete metadata."""
    from kinora.app.tables import Base

    return [(table.name, fk.parent.name) for table in Base.metadata.sorted_tables for fk in table.foreign_keys
            if fk.column.table.name == "users"]
