"""The `kinora` command: generate (prompt or plan), its errors, and eval-clip."""

from __future__ import annotations

import json
from pathlib import Path

import av
from typer.testing import CliRunner

from kinora.cli import app
from kinora.world.catalog import COLORS
from kinora.world.plan import ObjectSpec, ScenePlan

runner = CliRunner()


def _plan_file(tmp_path: Path) -> Path:
    plan = ScenePlan(objects=[ObjectSpec(id="ball1", kind="ball", color="red", rgb=COLORS["red"],
                                         material="rubber", size=0.22, x=0.0, y=1.0)])
    path = tmp_path / "plan.json"
    path.write_text(plan.model_dump_json())
    return path


def test_generate_from_plan_writes_an_mp4(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["generate", "--plan", str(_plan_file(tmp_path)), "-o", str(out),
                                 "--seconds", "4", "--size", "256x256", "--fps", "12", "--seed", "1"])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output and "impacts" in result.output
    with av.open(str(out)) as container:
        assert container.streams.video[0].codec_context.width == 256
        assert container.streams.audio[0].codec_context.sample_rate == 48_000


def test_generate_from_prompt_prints_what_it_did_not_understand(tmp_path: Path) -> None:
    out = tmp_path / "out.mp4"
    result = runner.invoke(app, ["generate", "a red ball bounces beside a flamingo", "-o", str(out),
                                 "--seconds", "4", "--size", "256x256", "--fps", "12"])
    assert result.exit_code == 0, result.output
    assert "not understood" in result.output and "flamingo" in result.output
    assert out.exists()


def test_saved_plan_reproduces_the_clip_and_feeds_the_evaluator(tmp_path: Path) -> None:
    first, second, plan = tmp_path / "a.mp4", tmp_path / "b.mp4", tmp_path / "plan.json"
    common = ["--seconds", "4", "--size", "256x456", "--fps", "24", "--seed", "3"]
    result = runner.invoke(app, ["generate", "a red ball bounces on a tile floor", "-o", str(first),
                                 "--save-plan", str(plan), *common])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["generate", "--plan", str(plan), "-o", str(second), *common])
    assert result.exit_code == 0, result.output
    with av.open(str(first)) as a, av.open(str(second)) as b:
        frames_a = [f.to_ndarray() for f in a.decode(video=0)]
        frames_b = [f.to_ndarray() for f in b.decode(video=0)]
    assert len(frames_a) == len(frames_b) and all((x == y).all() for x, y in zip(frames_a, frames_b, strict=True))
    result = runner.invoke(app, ["eval-clip", str(first), "--plan", str(plan), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["adherence"]["score"] >= 0.95


def test_bad_size_is_explained(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "a ball", "--size", "big", "-o", str(tmp_path / "x.mp4")])
    assert result.exit_code == 2
    assert "size must look like WIDTHxHEIGHT" in result.output


def test_out_of_range_seconds_is_explained_and_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "x.mp4"
    result = runner.invoke(app, ["generate", "a ball", "--seconds", "30", "-o", str(out)])
    assert result.exit_code == 2
    assert "seconds must be between 4 and 20; got 30" in result.output
    assert not out.exists()


def test_prompt_with_nothing_to_simulate_is_explained(tmp_path: Path) -> None:
    result = runner.invoke(app, ["generate", "hello there", "-o", str(tmp_path / "x.mp4")])
    assert result.exit_code == 2
    assert "nothing to simulate" in result.output


def test_invalid_plan_file_is_explained(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"objects": [{"id": "b", "kind": "dragon", "color": "red", "rgb": [1, 2, 3],
                                            "material": "rubber", "size": 0.2, "x": 0, "y": 1}]}))
    result = runner.invoke(app, ["generate", "--plan", str(bad), "-o", str(tmp_path / "x.mp4")])
    assert result.exit_code == 2
    assert "objects.0.kind" in result.output and "dragon" in result.output


def test_missing_output_folders_are_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "folder" / "clip.mp4"
    result = runner.invoke(app, ["generate", "--plan", str(_plan_file(tmp_path)), "-o", str(out),
                                 "--seconds", "4", "--size", "256x256", "--fps", "12"])
    assert result.exit_code == 0, result.output
    assert out.is_file()


def test_eval_clip_of_a_file_that_is_not_a_video_is_explained(tmp_path: Path) -> None:
    plan = _plan_file(tmp_path)
    result = runner.invoke(app, ["eval-clip", str(plan), "--plan", str(plan)])
    assert result.exit_code == 2
    assert "not a readable media file" in result.output
