"""What moderation decides and how it explains itself: categories, verdicts and registry entries.

Every layer (rules, registry, classifier, external moderator, frames, transcript) answers with a `Verdict`; the
strictest one wins (block > review > allow). Users read `message`; moderators and the audit log read the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Outcome = Literal["allow", "block", "review"]
Stage = Literal["prompt", "image", "output", "transcript"]
Kind = Literal["public_figure", "rights"]

# category -> what the user is told when a prompt is refused for it
CATEGORIES: dict[str, str] = {
    "sexual_minors": "Sexual content involving minors is never allowed.",
    "sexual": "Sexual content and nudity are not allowed on this instance.",
    "violence": "Graphic violence and gore are not allowed.",
    "self_harm": "Content that shows or encourages self-harm or suicide is not allowed. If you are struggling, "
                 "please reach out to someone you trust or a local crisis line.",
    "hate": "Hateful content about people for who they are is not allowed.",
    "extremism": "Content that promotes violent extremism or terrorism is not allowed.",
    "harassment": "Content that harasses, bullies or humiliates real people is not allowed.",
    "dangerous": "Instructions or glorification of dangerous acts and weapons-making are not allowed.",
    "public_figure": "Real people can appear only through their own cameo; this prompt names a public figure.",
    "rights": "This prompt uses a character or work whose rights holder has not allowed it on this instance.",
    "real_person": "Images and videos of real people can be used only through that person's own cameo.",
    "cameo_restricted": "What this video says breaks a restriction set by a person in it.",
}
# Which outcome is stricter: the verdict of several layers is the strictest of theirs.
RANK: dict[str, int] = {"allow": 0, "review": 1, "block": 2}


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    category: str | None = None  # a key of CATEGORIES when outcome is not "allow"
    layer: str | None = None  # "rules", "registry", "classifier", "external", "frames", ...
    reason: str = ""  # for moderators: the rule, term or score that decided
    scores: dict[str, float] = field(default_factory=dict)  # per-category scores of the layer that decided
    evasions: tuple[str, ...] = ()  # tricks normalization undid
    versions: dict[str, str] = field(default_factory=dict)  # model and list versions that took part

    @property
    def message(self) -> str:
        """What the user is told."""
        if self.outcome == "allow":
            return ""
        text = CATEGORIES.get(self.category or "", "This request is not allowed on this instance.")
        if self.outcome == "review":
            return "This request is held for review by a moderator. " + text
        return text


ALLOW = Verdict("allow")


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    """A verdict as plain JSON (it crosses from the worker process to the queue)."""
    return {"outcome": verdict.outcome, "category": verdict.category, "layer": verdict.layer,
            "reason": verdict.reason, "scores": verdict.scores, "evasions": list(verdict.evasions),
            "versions": verdict.versions}


def verdict_from_json(data: dict[str, Any] | None) -> Verdict:
    """`verdict_json`'s inverse; None (outputs from before output moderation) is an allow."""
    if data is None:
        return ALLOW
    return Verdict(data["outcome"], data.get("category"), data.get("layer"), data.get("reason", ""),
                   dict(data.get("scores", {})), tuple(data.get("evasions", ())), dict(data.get("versions", {})))


def strictest(verdicts: list[Verdict]) -> Verdict:
    """The verdict that decides (the first of the strictest), with every layer's versions."""
    if not verdicts:
        return ALLOW
    top = max(verdicts, key=lambda v: RANK[v.outcome])
    versions = {k: v for each in verdicts for k, v in each.versions.items()}
    return Verdict(top.outcome, top.category, top.layer, top.reason, top.scores, top.evasions, versions)


@dataclass(frozen=True)
class Entry:
    """A public figure or a rights-protected character/work, with the names it goes by. `allowed` is a rights
    holder's opt-in on this instance (public figures are never allowed by entry; only their own cameo)."""

    kind: Kind
    name: str
    aliases: tuple[str, ...] = ()
    allowed: bool = False
    holder: str = ""  # rights entries: who holds the rights
