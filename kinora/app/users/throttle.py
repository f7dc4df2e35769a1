"""Guessing limits for secrets people type: passwords and guardian PINs (a 4-digit PIN falls to 10 000 tries)."""

from __future__ import annotations

import time
import weakref
from collections import deque

from kinora.app.db import Database
from kinora.app.errors import RateLimited

MAX_FAILURES, WINDOW_SECONDS = 5, 900.0


class Attempts:
    """Failures per key within a sliding window, in this process (the embedded default is one process; with
    several web processes each keeps its own count, so the limit multiplies by their number)."""

    def __init__(self, max_failures: int = MAX_FAILURES, window: float = WINDOW_SECONDS) -> None:
        self.max_failures, self.window = max_failures, window
        self._failures: dict[str, deque[float]] = {}

    def check(self, key: str, *, param: str) -> None:
        """Raise RateLimited while `key` has used up its failures."""
        recent = self._recent(key)
        if len(recent) >= self.max_failures:
            wait = recent[0] + self.window - time.monotonic()
            raise RateLimited(f"{param}: too many wrong attempts; try again in {max(1, round(wait / 60))} min",
                              retry_after=wait, param=param)

    def failed(self, key: str) -> None:
        self._failures.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _recent(self, key: str) -> deque[float]:
        recent = self._failures.get(key, deque())
        while recent and recent[0] <= time.monotonic() - self.window:
            recent.popleft()
        return recent


_by_db: weakref.WeakKeyDictionary[Database, Attempts] = weakref.WeakKeyDictionary()


def attempts(db: Database) -> Attempts:
    """The counts for the instance whose database is `db` (one per app, not one per process)."""
    found = _by_db.get(db)
    if found is None:
        found = _by_db[db] = Attempts()
    return found
