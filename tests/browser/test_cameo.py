"""Making a cameo in a phone-sized Chromium whose camera and microphone are files: a real portrait turning its head
(kinora/cameos/synthetic.py, written as Y4M) and espeak-ng recordings reading the challenge's digits (WAV).

The digits are random, so the test asks for the challenge first (the page shows that open challenge again), then
writes the WAV; Chromium reads the fake devices' files when the page opens the camera, not at launch.

    .venv/bin/python -m pytest tests/browser/test_cameo.py -q
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.io import wavfile

from kinora.cameos import synthetic
from tests.browser.conftest import run_async, sign_up
from tests.cameos import clips
from tests.cameos.speech_fixtures import spoken_digits

DEVICES = Path(tempfile.mkdtemp(prefix="kinora-fake-camera-"))
VIDEO, AUDIO = DEVICES / "camera.y4m", DEVICES / "microphone.wav"
SIZE, FPS, LOOP_SECONDS = (360, 640), 15, 6.0  # the head-turn loop repeats while the camera is on
RATE, SPEECH_AT, AUDIO_SECONDS = 48_000, 2.5, 60.0  # the digits start SPEECH_AT s after the camera opens
NEW_CHALLENGE = ("async () => (await fetch('/api/cameos/challenges', {method: 'POST', headers: {'content-type': "
                 "'application/json', 'x-csrf-token': document.querySelector('meta[name=csrf-token]').content}, "
                 "body: JSON.stringify({kind: 'person'})})).json()")


def yuv420(rgb: npt.NDArray[np.uint8]) -> bytes:
    """One Y4M frame's planes (full-range BT.601, chroma averaged over 2x2 blocks) from (H, W, 3) RGB."""
    r, g, b = (rgb[..., i].astype(np.float32) for i in range(3))
    planes = [0.299 * r + 0.587 * g + 0.114 * b, 128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
              128 + 0.5 * r - 0.418688 * g - 0.081312 * b]
    height, width = rgb.shape[:2]
    planes[1:] = [p.reshape(height // 2, 2, width // 2, 2).mean(axis=(1, 3)) for p in planes[1:]]
    return b"".join(np.clip(p, 0, 255).round().astype(np.uint8).tobytes() for p in planes)


def write_camera(path: Path) -> None:
    frames = synthetic.frames([clips.portrait("astronaut")], seconds=LOOP_SECONDS, size=SIZE, fps=FPS)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{SIZE[0]} H{SIZE[1]} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        for frame in frames:  # (H, W, 3)
            out.write(b"FRAME\n" + yuv420(frame))


def write_microphone(path: Path, digits: str) -> None:
    """Quiet room noise with `digits` read once, SPEECH_AT s in (long enough that it never loops in a test)."""
    track = np.random.default_rng(0).normal(0, 1e-3, round(AUDIO_SECONDS * RATE)).astype(np.float32)
    speech = spoken_digits(digits, RATE)
    start = round(SPEECH_AT * RATE)
    track[start:start + len(speech)] += speech
    wavfile.write(path, RATE, (np.clip(track, -1, 1) * 32767).astype(np.int16))


def BROWSER_ARGS() -> list[str]:  # noqa: N802 (the name tests/browser/conftest.py reads)
    write_camera(VIDEO)
    write_microphone(AUDIO, "000000")  # replaced by each test's challenge before the camera opens
    return ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={VIDEO}", f"--use-file-for-fake-audio-capture={AUDIO}"]


def join(page: Any, site: Any, handle: str) -> None:
    """Sign up, then wait for the feed's page module to finish loading: leaving the feed while it still fetches
    ./app.js would abort that request, which the watch counts as a failure."""
    sign_up(page, site, handle)
    page.wait_for_function("() => !document.querySelector('[data-module]') || performance.getEntriesByType("
                           "'resource').some(entry => entry.name.endsWith('/static/js/app.js'))")


def challenge_for(page: Any) -> dict[str, Any]:
    """A challenge asked for through /api with the page's session, and the microphone file that reads it."""
    found: dict[str, Any] = page.evaluate(NEW_CHALLENGE)
    assert len(found["digits"]) == 6, found
    write_microphone(AUDIO, found["digits"])
    return found


def test_record_verify_and_set_up_the_cameo(site: Any, browse: Any, shot: Any) -> None:
    page = browse()
    join(page, site, "camille")
    challenge = challenge_for(page)
    page.goto("/cameo")
    assert page.locator("[data-digits-text]").inner_text() == " ".join(challenge["digits"])
    shot(page, "capture-challenge", full_page=True)
    page.get_by_role("button", name="Start camera").click()
    page.get_by_role("status").filter(has_text="Camera on").wait_for()
    page.get_by_role("button", name="Record").click()
    page.get_by_role("timer").wait_for()
    page.wait_for_timeout(3000)
    shot(page, "recording")
    page.wait_for_url(f"{site.url}/cameo?ready=1", timeout=150_000)
    assert page.get_by_role("heading", name="Your cameo is ready").is_visible()
    shot(page, "ready")
    assert page.get_by_role("radio", name="Only me").is_checked()
    page.get_by_role("radio", name="Everyone").check()
    page.get_by_role("button", name="Save who can use it").click()
    page.locator("#cameo-permission").get_by_text("Saved.").wait_for()
    assert page.get_by_role("radio", name="Everyone").is_checked()
    page.get_by_label("Restrictions").fill("no political content")
    page.get_by_role("button", name="Save restrictions").click()
    page.locator("#cameo-restrictions").get_by_text("Saved.").wait_for()
    opener = page.get_by_role("button", name="Delete my cameo")
    opener.click()
    dialog = page.get_by_role("dialog", name="Delete your cameo?")
    assert dialog.is_visible()
    shot(page, "delete-dialog")
    dialog.get_by_role("button", name="Cancel").click()
    assert not dialog.is_visible()
    assert opener.evaluate("element => element === document.activeElement")
    page.goto("/cameo")
    assert page.get_by_role("radio", name="Everyone").is_checked()
    assert page.get_by_label("Restrictions").input_value() == "no political content"
    shot(page, "settings", full_page=True)


def test_a_failed_check_says_why_and_offers_a_new_challenge(site: Any, browse: Any, shot: Any, watch: Any) -> None:
    watch.allow(422, "/api/cameos/verify")
    page = browse()
    join(page, site, "dorian")
    first = challenge_for(page)
    write_microphone(AUDIO, "".join(str((int(d) + 5) % 10) for d in first["digits"]))  # other digits read aloud
    page.goto("/cameo")
    page.get_by_role("button", name="Start camera").click()
    page.get_by_role("status").filter(has_text="Camera on").wait_for()
    page.get_by_role("button", name="Record").click()
    result = page.get_by_role("heading", name="Verification failed")
    result.wait_for(timeout=150_000)
    failures = page.locator("[data-failures] li").all_inner_texts()
    assert any("do not match the challenge" in text for text in failures), failures
    shot(page, "failed", full_page=True)
    page.get_by_role("button", name="Try again").click()
    page.get_by_role("status").filter(has_text="A new challenge is ready").wait_for()
    assert page.locator("[data-digits-text]").inner_text() != " ".join(first["digits"])
    assert page.get_by_role("button", name="Record").is_enabled()


def test_a_blocked_camera_is_explained(site: Any, browse: Any, shot: Any) -> None:
    page = browse()
    page.add_init_script("navigator.mediaDevices.getUserMedia = () => Promise.reject("
                         "new DOMException('Permission denied', 'NotAllowedError'))")
    join(page, site, "esme")
    page.goto("/cameo")
    page.get_by_role("button", name="Start camera").click()
    alert = page.get_by_role("alert")
    alert.wait_for()
    assert "Camera and microphone access is blocked" in alert.inner_text()
    assert page.get_by_role("button", name="Start camera").is_enabled()
    shot(page, "camera-blocked")


def add_uses(site: Any, owner: str, maker: str, prompts: list[str]) -> list[str]:
    """A cameo for `owner` (no face data: the listing needs none) and finished drafts of `maker`'s that use it."""
    from sqlalchemy import select

    from kinora.app.bootstrap import with_services
    from kinora.app.cameos.models import Cameo, CameoUse
    from kinora.app.generations.models import COMPLETED, Generation
    from kinora.app.generations.service import new_id
    from kinora.app.users.models import User
    from tests.community import _tiny_media

    async def body(services: Any) -> list[str]:
        ids, now = [], time.time()
        async with services.db.write() as session:
            owner_id = await session.scalar(select(User.id).where(User.handle == owner))
            maker_id = await session.scalar(select(User.id).where(User.handle == maker))
            session.add(Cameo(id=f"cameo_{owner}", owner_id=owner_id, kind="person", handle=owner, name=owner,
                              appearance="", permission="everyone", restrictions=[], report={}, created_at=now,
                              verified_at=now))
            for i, prompt in enumerate(prompts):
                gen_id = new_id()
                session.add(Generation(id=gen_id, owner_id=maker_id, kind="create", model="sora-2", engine="world",
                                       prompt=prompt, seconds=4, total_seconds=4, width=64, height=64, fps=12,
                                       characters=[], options={}, status=COMPLETED, progress=100, attempt=1,
                                       created_at=now + i, started_at=now, completed_at=now,
                                       output_key=f"videos/{gen_id}/1", output={"seed": 1}))
                await session.flush()
                session.add(CameoUse(cameo_id=f"cameo_{owner}", generation_id=gen_id, user_id=maker_id,
                                     created_at=now + i))
                for name, data in _tiny_media().items():
                    services.storage.put(f"videos/{gen_id}/1/{name}", data)
                ids.append(gen_id)
        return ids

    found: list[str] = run_async(with_services(site.settings, body))
    return found


def test_videos_with_me_are_removed_and_reported(site: Any, browse: Any, shot: Any) -> None:
    from sqlalchemy import func, select

    from kinora.app.bootstrap import with_services
    from kinora.app.generations.models import Generation
    from kinora.app.social.models import Report

    page = browse(phone=False)
    join(page, site, "hugo")
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{site.url}/")
    join(page, site, "gina")
    older, newer = add_uses(site, "gina", "hugo", ["@gina rides a bicycle", "@gina <i>dances</i> in the rain"])
    page.goto("/cameo/uses")
    items = page.get_by_role("listitem").filter(has=page.get_by_role("button", name="Remove"))
    assert items.count() == 2 and "by @hugo" in items.first.inner_text()
    assert page.get_by_role("img", name="Thumbnail of the video: @gina <i>dances</i> in the rain").is_visible()
    shot(page, "videos-with-me")
    remove = items.first.get_by_role("button", name="Remove")
    remove.click()
    dialog = page.get_by_role("dialog", name="Remove this video?")
    assert "dances" in dialog.inner_text()
    shot(page, "remove-dialog")
    dialog.get_by_role("button", name="Remove video").click()
    page.locator("#toast").get_by_text("The video was removed.").wait_for()
    assert items.count() == 1
    items.first.get_by_role("button", name="Report").click()
    report = page.get_by_role("dialog", name="Report this video")
    report.get_by_label("What is wrong").fill("I never agreed to this one")
    report.get_by_role("button", name="Send report").click()
    page.locator("#toast").get_by_text("the admins will look at this video").wait_for()

    async def counts(services: Any) -> tuple[int, int]:
        async with services.db.read() as session:
            gens = await session.scalar(select(func.count()).select_from(Generation)
                                        .where(Generation.id.in_([older, newer])))
            reports = await session.scalar(select(func.count()).select_from(Report)
                                           .where(Report.details.contains("I never agreed")))
            return int(gens or 0), int(reports or 0)

    assert run_async(with_services(site.settings, counts)) == (1, 1)
