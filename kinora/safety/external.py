"""An optional external moderator: any server that speaks OpenAI's `POST /v1/moderations` (OpenAI itself, or a
local guard model behind a compatible shim). Off unless `Settings.moderation_url` is set.

Its categories map onto Kinora's; a flagged category blocks. When the server cannot be reached or answers
nonsense, the local layers' verdict stands and the audit log says the external layer was unavailable: an outage
of an optional service must not stop every generation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx

from kinora.safety.policy import ALLOW, Verdict

log = logging.getLogger(__name__)

# OpenAI moderation category -> Kinora category, most severe first (the first flagged one names the block).
CATEGORY_MAP: dict[str, str] = {
    "sexual/minors": "sexual_minors",
    "self-harm/intent": "self_harm", "self-harm/instructions": "self_harm", "self-harm": "self_harm",
    "violence/graphic": "violence",
    "hate/threatening": "hate", "hate": "hate",
    "illicit/violent": "dangerous", "illicit": "dangerous",
    "harassment/threatening": "harassment", "harassment": "harassment",
    "sexual": "sexual",
}


@dataclass(frozen=True)
class External:
    url: str  # the full endpoint, e.g. http://guard.local:8080/v1/moderations
    api_key: str | None = None
    model: str = "omni-moderation-latest"
    timeout: float = 5.0

    def check(self, text: str) -> Verdict:
        headers = {"authorization": f"Bearer {self.api_key}"} if self.api_key else {}
        try:
            response = httpx.post(self.url, json={"input": text, "model": self.model}, headers=headers,
                                  timeout=self.timeout)
            response.raise_for_status()
            return _verdict(response.json(), self.model)
        except (httpx.HTTPError, ValueError, KeyError, TypeError, IndexError) as e:
            log.warning("external moderator %s unavailable: %s", self.url, e)
            return Verdict(ALLOW.outcome, layer="external", reason=f"unavailable: {type(e).__name__}",
                           versions={"external": f"{self.model} (unavailable)"})


def _verdict(body: dict[str, Any], model: str) -> Verdict:
    result = body["results"][0]
    flags: dict[str, bool] = result.get("categories", {})
    raw: dict[str, float] = result.get("category_scores", {})
    scores: dict[str, float] = {}
    for theirs, ours in CATEGORY_MAP.items():
        if theirs in raw:
            scores[ours] = max(scores.get(ours, 0.0), round(float(raw[theirs]), 4))
    versions = {"external": str(body.get("model", model))}
    for theirs, ours in CATEGORY_MAP.items():
        if flags.get(theirs):
            return Verdict("block", ours, "external", f"flagged {theirs!r}", scores, versions=versions)
    if result.get("flagged"):  # flagged for a category Kinora has no name for
        return Verdict("review", None, "external", "flagged (unmapped category)", scores, versions=versions)
    return Verdict(ALLOW.outcome, scores=scores, versions=versions)
