"""Page tests run on SQLite only: the pages call the domain services that tests/app/<domain> run on PostgreSQL too,
and a second backend would add a minute to CI for the same HTML."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import _module_settings


@pytest.fixture(scope="module", params=["sqlite"])
def community(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """tests/conftest.py's `community`, on SQLite."""
    from tests.community import Community

    with Community(_module_settings(request, tmp_path_factory, "community")) as found:
        yield found
