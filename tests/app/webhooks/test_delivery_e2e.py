"""A live server posts signed video.completed / video.failed events that the SDK's unwrap accepts."""

from __future__ import annotations

import http.server
import threading
import time
from typing import Any

import openai

SECRET = "whsec_" + "c2lnbmVkLWJ5LWtpbm9yYQ=="
received: list[tuple[dict[str, str], str]] = []


class _Receiver(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
        body = self.rfile.read(int(self.headers["content-length"])).decode()
        received.append(({k.lower(): v for k, v in self.headers.items()}, body))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: Any) -> None:
        pass


def LIVE_SETTINGS() -> dict[str, Any]:  # noqa: N802 - read by the `live` fixture
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return {"webhook_urls": [f"http://127.0.0.1:{server.server_address[1]}/hook"], "webhook_secret": SECRET}


def _event_for(video_id: str) -> tuple[dict[str, str], str]:
    for _ in range(400):
        for headers, body in received:
            if video_id in body:
                return headers, body
        time.sleep(0.05)
    raise AssertionError(f"no webhook arrived for {video_id}")


def test_completed_and_failed_events_verify_with_the_sdk(live: Any) -> None:
    client = openai.OpenAI(base_url=f"{live.url}/v1", api_key=live.key(handle="hooks"), max_retries=0,
                           webhook_secret=SECRET)
    done = client.videos.create_and_poll(prompt="a ball bounces", size="320x256")
    headers, body = _event_for(done.id)
    event: Any = client.webhooks.unwrap(body, headers)
    assert (event.type, event.data.id, event.object) == ("video.completed", done.id, "event")
    assert headers["webhook-id"] == event.id and event.id.startswith("evt_")

    queued = client.videos.create(prompt="a ball bounces", size="320x256")
    client.post(f"/videos/{queued.id}/cancel", cast_to=openai.types.Video)
    headers, body = _event_for(queued.id)
    assert client.webhooks.unwrap(body, headers).type == "video.failed"  # type: ignore[comparison-overlap]
