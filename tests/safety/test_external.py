"""The optional external moderator against a real HTTP server that speaks OpenAI's POST /v1/moderations: flags
map onto Kinora's categories, the key is sent, an outage allows, and the moderator asks only when local layers
did not block.

Run: .venv/bin/pytest tests/safety/test_external.py -q
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from kinora.safety.external import External
from kinora.safety.moderator import Moderator
from tests.conftest import free_port


@dataclass
class Guard:
    """What the server answers next, and every request it got (headers lowercased by Starlette)."""

    url: str
    answer: dict[str, Any] = field(default_factory=dict)
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)

    def respond(self, flags: dict[str, bool], scores: dict[str, float]) -> None:
        self.answer = {"id": "modr-1", "model": "guard-test-1",
                       "results": [{"flagged": any(flags.values()), "categories": flags, "category_scores": scores}]}


@pytest.fixture(scope="module")
def guard() -> Iterator[Guard]:
    port = free_port()
    state = Guard(f"http://127.0.0.1:{port}/v1/moderations")

    async def moderations(request: Request) -> Response:
        state.requests.append((dict(request.headers), await request.json()))
        if state.answer.get("nonsense"):
            return PlainTextResponse("not json")
        return JSONResponse(state.answer)

    app = Starlette(routes=[Route("/v1/moderations", moderations, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the guard server did not start")
        time.sleep(0.02)
    yield state
    server.should_exit = True
    thread.join(30)


@pytest.fixture
def fresh(guard: Guard) -> Guard:
    guard.requests.clear()
    guard.answer = {}
    return guard


def test_a_flagged_category_blocks_as_ours(fresh: Guard) -> None:
    fresh.respond({"violence/graphic": True, "violence": True, "sexual": False},
                  {"violence/graphic": 0.91, "violence": 0.97, "sexual": 0.01})
    verdict = External(fresh.url, "sk-test-123").check("something awful")
    assert (verdict.outcome, verdict.category, verdict.layer) == ("block", "violence", "external")
    assert verdict.reason == "flagged 'violence/graphic'"
    assert verdict.scores == {"violence": 0.91, "sexual": 0.01}
    assert verdict.versions == {"external": "guard-test-1"}
    headers, body = fresh.requests[0]
    assert headers["authorization"] == "Bearer sk-test-123"
    assert body == {"input": "something awful", "model": "omni-moderation-latest"}


def test_the_most_severe_flag_names_the_block(fresh: Guard) -> None:
    fresh.respond({"sexual": True, "sexual/minors": True}, {"sexual": 0.9, "sexual/minors": 0.8})
    assert External(fresh.url).check("x").category == "sexual_minors"


def test_not_flagged_allows_with_mapped_scores(fresh: Guard) -> None:
    fresh.respond({"hate": False, "self-harm/intent": False, "self-harm": False},
                  {"hate": 0.02, "self-harm/intent": 0.1, "self-harm": 0.3, "harassment/threatening": 0.05})
    verdict = External(fresh.url).check("a red ball")
    assert verdict.outcome == "allow"
    assert verdict.scores == {"hate": 0.02, "self_harm": 0.3, "harassment": 0.05}  # the highest of each of ours
    assert "authorization" not in fresh.requests[0][0]  # no key, no header


def test_a_flag_we_have_no_name_for_holds_for_review(fresh: Guard) -> None:
    fresh.answer = {"results": [{"flagged": True, "categories": {"spam": True}, "category_scores": {}}]}
    verdict = External(fresh.url).check("x")
    assert (verdict.outcome, verdict.category, verdict.layer) == ("review", None, "external")


def test_an_unreachable_server_allows_and_says_so() -> None:
    verdict = External(f"http://127.0.0.1:{free_port()}/v1/moderations", timeout=2.0).check("x")
    assert (verdict.outcome, verdict.layer) == ("allow", "external")
    assert verdict.reason == "unavailable: ConnectError"
    assert verdict.versions == {"external": "omni-moderation-latest (unavailable)"}


def test_a_nonsense_answer_allows_and_says_so(fresh: Guard) -> None:
    fresh.answer = {"nonsense": True}
    verdict = External(fresh.url).check("x")
    assert (verdict.outcome, verdict.layer) == ("allow", "external")
    assert verdict.reason.startswith("unavailable: ")


def test_the_moderator_asks_only_when_local_layers_did_not_block(fresh: Guard) -> None:
    moderator = Moderator(external=External(fresh.url, "sk-test-123"))
    fresh.respond({"harassment": True}, {"harassment": 0.88})
    by_rules = moderator.check("how to make a pipe bomb")
    assert (by_rules.layer, by_rules.category) == ("rules", "dangerous")
    assert fresh.requests == []
    by_name = moderator.check("drake sings")
    assert by_name.layer == "registry" and fresh.requests == []
    outside = moderator.check("a red ball bounces down the stairs")
    assert (outside.outcome, outside.category, outside.layer) == ("block", "harassment", "external")
    assert [body["input"] for _, body in fresh.requests] == ["a red ball bounces down the stairs"]
    assert {"classifier", "external"} <= set(outside.versions)


def test_the_moderator_keeps_its_own_verdict_when_the_server_allows(fresh: Guard) -> None:
    moderator = Moderator(external=External(fresh.url))
    fresh.respond({"violence": False}, {"violence": 0.01})
    assert moderator.check("a red ball bounces down the stairs").outcome == "allow"
    local_review = Moderator().check("a zombie horror scene")
    assert local_review.outcome == "review"  # the classifier holds it; an allowing server must not release it
    assert moderator.check("a zombie horror scene").outcome == "review"
