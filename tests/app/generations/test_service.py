"""Generation rules that need a database: remix / extend preconditions and limits, cancel and delete states."""

from __future__ import annotations

from typing import Any

import pytest

from kinora.app.bootstrap import Services
from kinora.app.errors import InvalidRequest, InvalidState, NotFound
from kinora.app.generations import service as generations
from kinora.app.generations.models import Generation
from kinora.app.generations.schemas import CreateParams, VideoRef
from kinora.app.generations.screening import Screen
from kinora.app.users import service as users


async def _completed(s: Services, handle: str, seconds: int = 4, *, extensions: int = 0,
                     total: int | None = None) -> tuple[Any, Generation]:
    """A user and one of their videos, marked completed (the queue itself is tested in tests/jobs)."""
    async with s.db.write() as session:
        owner = (await users.get_or_create(session, handle))[0]
        gen = await generations.create(session, settings=s.settings, storage=s.storage, owner=owner,
                                       params=CreateParams(prompt="a ball", seconds=str(seconds)),
                                       screen=Screen(s.settings))
        gen.status, gen.seed, gen.options = "completed", 9, {"extensions": extensions}
        gen.total_seconds = total or seconds
    return owner, gen


async def _derive(s: Services, owner: Any, kind: Any, video_id: str, seconds: Any = None) -> Generation:
    async with s.db.write() as session:
        return await generations.derive(session, settings=s.settings, owner=owner, kind=kind, prompt="more",
                                        video=VideoRef(id=video_id), screen=Screen(s.settings),
                                        seconds=seconds)


def test_remix_inherits_the_source(with_services: Any) -> None:
    async def body(s: Services) -> tuple[Generation, Generation]:
        owner, source = await _completed(s, "remixer", seconds=8)
        return source, await _derive(s, owner, "remix", source.id)

    source, remix = with_services(body)
    assert (remix.kind, remix.source_id, remix.seed, remix.total_seconds) == ("remix", source.id, 9, 8)
    assert (remix.width, remix.height, remix.model) == (source.width, source.height, source.model)


def test_extension_limits(with_services: Any) -> None:
    async def body(s: Services) -> tuple[Generation, list[str]]:
        owner, source = await _completed(s, "extender", seconds=4)
        ext = await _derive(s, owner, "extend", source.id, seconds="8")
        errors = []
        for owner, video, seconds in (await _completed(s, "often", extensions=6) + ("4",),
                                      await _completed(s, "long", seconds=20, total=110) + ("12",)):
            with pytest.raises(InvalidRequest) as e:
                await _derive(s, owner, "extend", video.id, seconds=seconds)
            errors.append(e.value.message)
        return ext, errors

    ext, errors = with_services(body)
    assert (ext.kind, ext.seconds, ext.total_seconds, ext.options) == ("extend", 8, 12, {"extensions": 1})
    assert "at most 6 times" in errors[0]
    assert "at most 120 s; this extension would make it 122 s" in errors[1]


def test_only_completed_videos_of_the_owner_can_be_derived(with_services: Any) -> None:
    async def body(s: Services) -> None:
        owner, source = await _completed(s, "owner")
        async with s.db.write() as session:
            other = (await users.get_or_create(session, "other"))[0]
            queued = await generations.create(session, settings=s.settings, storage=s.storage, owner=owner,
                                              params=CreateParams(prompt="a cube"), screen=Screen(s.settings))
        with pytest.raises(NotFound):
            await _derive(s, other, "remix", source.id)
        with pytest.raises(InvalidState, match="is queued; only completed videos"):
            await _derive(s, owner, "remix", queued.id)
        with pytest.raises(InvalidState, match="cancel it first"):
            async with s.db.write() as session:
                await generations.delete(session, owner=owner, storage=s.storage, video_id=queued.id)
        with pytest.raises(InvalidState, match="already completed"):
            async with s.db.write() as session:
                await generations.cancel(session, settings=s.settings, owner=owner, video_id=source.id)

    with_services(body)
