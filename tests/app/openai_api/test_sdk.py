"""The unmodified official `openai` SDK against a live Kinora server (sync and async clients)."""

from __future__ import annotations

import asyncio
import contextlib
import io
from typing import Any

import openai
import pytest
from PIL import Image

from kinora.media.probe import probe

SIZE = "320x256"


@pytest.fixture(scope="module")
def client(live: Any) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="alice"), max_retries=0)


@pytest.fixture(scope="module")
def finished(client: openai.OpenAI) -> Any:
    """One completed video, shared by the read-only tests."""
    return client.videos.create_and_poll(prompt="a red rubber ball bounces on a wooden floor", seconds="4",
                                         size=SIZE, model="sora-2")


def test_create_and_poll_then_download_a_playable_mp4(client: openai.OpenAI, finished: Any, tmp_path: Any) -> None:
    assert finished.status == "completed", finished.error
    assert (finished.progress, finished.size, finished.seconds, finished.model) == (100, SIZE, "4", "sora-2")
    assert finished.completed_at >= finished.created_at
    path = tmp_path / "out.mp4"
    client.videos.download_content(finished.id).write_to_file(path)
    info = probe(path)
    assert (info.width, info.height, info.video_codec, info.audio_codec) == (320, 256, "h264", "aac")
    assert info.has_faststart and abs(info.duration - 4.0) < 0.2


def test_thumbnail_and_spritesheet_variants(client: openai.OpenAI, finished: Any) -> None:
    thumb = Image.open(io.BytesIO(client.videos.download_content(finished.id, variant="thumbnail").content))
    sheet = Image.open(io.BytesIO(client.videos.download_content(finished.id, variant="spritesheet").content))
    assert (thumb.format, thumb.size) == ("WEBP", (320, 256))
    assert sheet.format == "JPEG" and sheet.width >= 160


def test_retrieve_while_active_sends_poll_after(client: openai.OpenAI) -> None:
    video = client.videos.create(prompt="two blue cubes slide on a tile floor", size=SIZE)
    raw = client.videos.with_raw_response.retrieve(video.id)
    assert raw.parse().status in ("queued", "in_progress")  # a 4 s render takes far longer than one request
    assert int(raw.headers["openai-poll-after-ms"]) == 50
    assert raw.headers["x-request-id"].startswith("req_")
    assert client.videos.poll(video.id).status == "completed"


def test_remix_links_the_source(client: openai.OpenAI, finished: Any) -> None:
    remix = client.videos.remix(finished.id, prompt="make the ball blue")
    assert remix.remixed_from_video_id == finished.id and remix.status == "queued"
    done = client.videos.poll(remix.id)
    assert done.status == "completed", done.error
    assert (done.size, done.seconds) == (finished.size, finished.seconds)


def test_extension_by_id_returns_the_stitched_length(client: openai.OpenAI, finished: Any, tmp_path: Any) -> None:
    ext = client.post("/videos/extensions", body={"prompt": "the ball keeps bouncing", "seconds": "4",
                                                  "video": {"id": finished.id}}, cast_to=openai.types.Video)
    assert ext.seconds == "8"
    done = client.videos.poll(ext.id)
    assert done.status == "completed", done.error
    client.videos.download_content(done.id).write_to_file(tmp_path / "ext.mp4")
    assert abs(probe(tmp_path / "ext.mp4").duration - 8.0) < 0.2


def test_edit_of_an_uploaded_video_names_the_engine(client: openai.OpenAI, finished: Any) -> None:
    data = client.videos.download_content(finished.id).content
    with pytest.raises(openai.BadRequestError) as e:
        client.videos.edit(prompt="make it night", video=("clip.mp4", data, "video/mp4"))
    assert e.value.param == "video" and "(engine 'world') cannot edit uploaded videos" in e.value.message


def test_delete_removes_the_video(client: openai.OpenAI) -> None:
    video = client.videos.create_and_poll(prompt="a wooden block falls", size=SIZE)
    deleted = client.videos.delete(video.id)
    assert (deleted.id, deleted.object, deleted.deleted) == (video.id, "video.deleted", True)
    with pytest.raises(openai.NotFoundError):
        client.videos.retrieve(video.id)


@pytest.mark.parametrize(("kwargs", "param", "needle"), [
    ({"size": "1792x1024"}, "size", "1280x720"),
    ({"seconds": "5"}, "seconds", "'4', '8', '12', '16', '20'"),
    ({"model": "sora-3"}, "model", "'sora-2'"),
])
def test_bad_parameters_raise_typed_errors_with_our_messages(client: openai.OpenAI, kwargs: dict[str, str],
                                                             param: str, needle: str) -> None:
    with pytest.raises(openai.BadRequestError) as e:
        client.videos.create(prompt="a ball", **kwargs)  # type: ignore[arg-type]
    assert e.value.param == param and needle in e.value.message
    assert e.value.body["type"] == "invalid_request_error"  # type: ignore[index]


def test_unknown_id_and_missing_key(client: openai.OpenAI, live: Any) -> None:
    with pytest.raises(openai.NotFoundError) as e:
        client.videos.retrieve("video_nope")
    assert "video_nope" in e.value.message
    anonymous = openai.OpenAI(base_url=f"{live.url}/v1", api_key="kin_wrong", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        anonymous.videos.list()


def test_a_key_never_sees_another_users_videos(finished: Any, live: Any) -> None:
    bob = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="bob"), max_retries=0)
    with pytest.raises(openai.NotFoundError):
        bob.videos.retrieve(finished.id)
    assert finished.id not in [v.id for v in bob.videos.list()]


def test_list_paginates_25_videos_in_both_orders(live: Any) -> None:
    carol = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="carol"), max_retries=0)
    made = [carol.videos.create(prompt=f"a ball number {i} rolls", size=SIZE).id for i in range(25)]
    for video_id in made:  # keep the worker free for the other tests
        with contextlib.suppress(openai.BadRequestError):  # the first ones may finish first on a busy machine
            carol.post(f"/videos/{video_id}/cancel", cast_to=openai.types.Video)
    newest_first = [v.id for v in carol.videos.list(limit=4)]
    oldest_first = [v.id for v in carol.videos.list(limit=7, order="asc")]
    assert newest_first == made[::-1] and oldest_first == made
    page = carol.videos.list(limit=10)
    assert page.has_more and page.last_id == page.data[-1].id


def test_async_client_create_and_poll(live: Any) -> None:
    key = live.key(handle="dave")

    async def run() -> Any:
        client = openai.AsyncOpenAI(base_url=f"{live.url}/v1", api_key=key, max_retries=0)
        video = await client.videos.create_and_poll(prompt="a glass marble rolls down a ramp", size=SIZE)
        data = (await client.videos.download_content(video.id)).content
        return video, data

    video, data = asyncio.run(run())
    assert video.status == "completed" and data[4:8] == b"ftyp"


def test_characters_are_cameos_the_key_may_use(client: openai.OpenAI, finished: Any) -> None:
    data = client.videos.download_content(finished.id).content
    made = client.videos.create_character(name="Bouncy", video=("clip.mp4", data, "video/mp4"))
    assert made.id.startswith("char_") and made.name == "Bouncy"
    assert client.videos.get_character(made.id).name == "Bouncy"
    video = client.videos.create(prompt="Bouncy jumps", size=SIZE, extra_body={"characters": [{"id": made.id}]})
    assert video.status in ("queued", "in_progress", "completed")
    with pytest.raises(openai.BadRequestError) as e:
        client.videos.create(prompt="a ball", size=SIZE, extra_body={"characters": [{"id": "char_nope"}]})
    assert e.value.param == "characters" and "char_nope" in e.value.message
    with pytest.raises(openai.NotFoundError):
        client.videos.get_character("char_nope")


@pytest.mark.parametrize(("kwargs", "param", "needle"), [
    ({"limit": 101}, "limit", "from 0 to 100; got '101'"),
    ({"order": "sideways"}, "order", "got 'sideways'"),
    ({"after": "video_unknown"}, "after", "got 'video_unknown'"),
])
def test_bad_list_parameters(client: openai.OpenAI, kwargs: dict[str, Any], param: str, needle: str) -> None:
    with pytest.raises(openai.BadRequestError) as e:
        client.videos.list(**kwargs)
    assert e.value.param == param and needle in e.value.message
