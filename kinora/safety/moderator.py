"""Prompt moderation, layer by layer: normalize -> rules -> registry -> classifier -> external moderator.

The cheap exact layers go first and decide alone when they block; the classifier reads what they let through, and
the external moderator (when configured) reads what all of them let through. Teen accounts use the stricter
thresholds. Blocking: run it off the event loop (`asyncio.to_thread`); the first call loads the embedding model.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from kinora.config import Settings
from kinora.safety import classifier, registry, rules
from kinora.safety.classifier import Thresholds
from kinora.safety.external import External
from kinora.safety.normalize import normalize
from kinora.safety.policy import Entry, Verdict, strictest


@dataclass(frozen=True)
class Moderator:
    standard: Thresholds = Thresholds(block=0.6, review=0.4)
    teen: Thresholds = Thresholds(block=0.5, review=0.35)
    head_path: Path | None = None  # None: the head shipped with Kinora
    external: External | None = None

    def check(self, prompt: str, *, teen: bool = False, entries: Sequence[Entry] = ()) -> Verdict:
        """The verdict on `prompt`; `entries` are the instance's own registry rows (merged over the shipped)."""
        normalized = normalize(prompt)
        text = rules.benign_blanked(normalized.text)
        merged = registry.merged(entries)
        verdict = self._local(text, teen, merged)
        if verdict.outcome != "block" and self.external is not None:
            verdict = strictest([verdict, self.external.check(prompt)])
        # The audit log names every list and model that read the prompt, not only the one that decided.
        versions = {"rules": rules.VERSION, "registry": registry.matcher(merged).version, **verdict.versions}
        return replace(verdict, evasions=tuple(normalized.evasions), versions=versions)

    def _local(self, blanked: str, teen: bool, entries: tuple[Entry, ...]) -> Verdict:
        by_rule = rules.check(blanked)
        if by_rule.outcome == "block":
            return by_rule
        by_name = registry.check(blanked, entries)
        if by_name.outcome == "block":
            return by_name
        head = classifier.load(self.head_path)
        from kinora.app.feed import embed  # torch loads on first use, never in the web process at import

        probabilities = head.probabilities(embed.embed_one(blanked)[None])[0]
        # A rights holder's opt-in must not be undone by the classifier's sense that the prompt names a character.
        opted_in = frozenset({"rights"}) if registry.matcher(entries).allowed_named(blanked) else frozenset()
        by_meaning = classifier.verdict(probabilities, head, self.teen if teen else self.standard, ignore=opted_in)
        return strictest([by_meaning, by_rule, by_name])

    def warm(self) -> None:
        """Load the head and the embedding model now (the server's start-up warms the same embedding model)."""
        self.check("a red ball bounces down the stairs")


def from_settings(settings: Settings) -> Moderator:
    external = None
    if settings.moderation_url is not None:
        key = settings.moderation_api_key.get_secret_value() if settings.moderation_api_key else None
        external = External(settings.moderation_url, key, settings.moderation_model)
    return Moderator(standard=Thresholds(settings.moderation_block, settings.moderation_review),
                     teen=Thresholds(settings.teen_moderation_block, settings.teen_moderation_review),
                     head_path=settings.safety_head, external=external)
