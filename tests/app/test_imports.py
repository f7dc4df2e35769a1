"""The web process stays light: validating a request against an engine loads no simulator, renderer, torch or
embedding model."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import sys
import kinora.app.main
from kinora.app.generations import checks
from kinora.config import Settings
checks.model(Settings(), None)
heavy = ("torch", "pymunk", "scipy", "kinora.world.render", "sentence_transformers", "transformers")
print(sorted(m for m in heavy if m in sys.modules))
"""


def test_the_api_imports_no_engine_internals() -> None:
    loaded = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"
