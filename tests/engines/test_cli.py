"""`kinora engines` and `kinora engines make-tiny`, and `kinora generate --engine NAME --weights DIR` on what
make-tiny writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import av
import numpy as np
from PIL import Image
from typer.testing import CliRunner

from kinora.cli import app

runner = CliRunner()
Folder = Callable[[str, str], Path]
WIDE = {"COLUMNS": "200"}


def test_engines_lists_capabilities_and_missing_weights(tiny_folder: Folder, tmp_path: Path) -> None:
    env = {**WIDE, "KINORA_DATA_DIR": str(tmp_path), "KINORA_MODELS": json.dumps({"sora-2": "ltx2"}),
           "KINORA_ENGINE_WEIGHTS": json.dumps({"ltx2": [str(tiny_folder("ltx2", "t2av"))],
                                                "wan": [str(tmp_path / "not-here")]})}
    result = runner.invoke(app, ["engines"], env=env)
    assert result.exit_code == 0, result.output
    assert "present" in result.output and "8k+1" in result.output and "multiples of 32" in result.output
    assert "weights missing" in result.output and "not-here' does not exist" in result.output
    assert "sound stage: none" in result.output


def test_make_tiny_then_generate_with_it(tmp_path: Path) -> None:
    folder, out = tmp_path / "ltx2", tmp_path / "clip.mp4"
    made = runner.invoke(app, ["engines", "make-tiny", "ltx2", str(folder)], env=WIDE)
    assert made.exit_code == 0, made.output
    assert (folder / "model_index.json").is_file() and "kinora generate" in made.output
    start = tmp_path / "start.png"
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(start)
    result = runner.invoke(app, ["generate", "a drum solo", "--engine", "ltx2", "--weights", str(folder),
                                 "--size", "70x64", "--seconds", "1", "--steps", "2", "--image", str(start),
                                 "-o", str(out)], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "size 70x64 -> 64x64" in result.output and "ltx2" in result.output
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.width == 64 and container.streams.audio


def test_make_tiny_refuses_what_it_cannot_do(tmp_path: Path) -> None:
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("")
    for args, message in [(["world", str(tmp_path / "a")], "NAME must be one of wan, ltx2, sound; got 'world'"),
                          (["wan", str(tmp_path / "b"), "--layout", "t2av"], "--layout for wan must be one of"),
                          (["wan", str(tmp_path / "full")], "exists and is not an empty folder")]:
        result = runner.invoke(app, ["engines", "make-tiny", *args], env=WIDE)
        assert result.exit_code == 2 and message in result.output, result.output


def test_generate_explains_missing_weights_and_wrong_flags(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "a cat", "--engine", "wan", "--weights", str(tmp_path / "none"),
                                 "-o", str(tmp_path / "x.mp4")], env=WIDE)
    assert result.exit_code == 2 and "does not exist" in result.output
    result = runner.invoke(app, ["generate", "a ball", "--weights", str(tmp_path), "-o", str(tmp_path / "x.mp4")],
                           env=WIDE)
    assert result.exit_code == 2 and "world engine is built in" in result.output
    result = runner.invoke(app, ["generate", "a ball", "--engine", "wan", "--image", str(tmp_path / "no.png"),
                                 "-o", str(tmp_path / "x.mp4")], env=WIDE)
    assert result.exit_code == 2 and "--image" in result.output and "cannot be read" in result.output
