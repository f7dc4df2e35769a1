"""The `kinora` command."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

from kinora.engines.base import GenerationRequest
from kinora.engines.registry import ENGINES, get_engine

app = typer.Typer(help="Kinora: AI video with synchronized sound.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()


def _size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", value.strip())
    if not match:
        raise typer.BadParameter(f"size must look like WIDTHxHEIGHT, e.g. 720x1280; got {value!r}")
    return int(match[1]), int(match[2])


def _load_plan(path: Path) -> dict[str, object]:
    from kinora.world.plan import ScenePlan

    try:
        return ScenePlan.model_validate_json(path.read_text()).model_dump(mode="json")
    except OSError as e:
        raise typer.BadParameter(f"plan file {str(path)!r} cannot be read: {e.strerror}") from e
    except ValidationError as e:
        problems = "; ".join(f"{'.'.join(map(str, err['loc'])) or 'plan'}: {err['msg']}" for err in e.errors())
        raise typer.BadParameter(f"plan file {str(path)!r} is not a valid plan: {problems}") from e


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What should happen, in plain words.")] = "",
    output: Annotated[Path, typer.Option("-o", "--output", help="MP4 file to write.")] = Path("out.mp4"),
    seconds: Annotated[float, typer.Option(help="Length, 4 to 20 seconds.")] = 8.0,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT, e.g. 720x1280 (portrait) or 1280x720.")] = "720x1280",
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 24,
    seed: Annotated[int | None, typer.Option(help="Same seed, same clip.")] = None,
    plan: Annotated[Path | None, typer.Option(help="A scene plan JSON file to use instead of the prompt.")] = None,
    engine: Annotated[str, typer.Option(help=f"One of: {', '.join(ENGINES)}.")] = "world",
    save_plan: Annotated[Path | None, typer.Option(help="Also write the scene plan used, as JSON.")] = None,
) -> None:
    """Generate a video with sound from a prompt (or a plan) and write it as MP4."""
    from kinora.media.encode import write_mp4
    from kinora.world.parse import PromptError

    width, height = _size(size)
    _writable(output)
    if not prompt and plan is None:
        raise typer.BadParameter("give a PROMPT or --plan FILE")
    options: dict[str, object] = {"plan": _load_plan(plan)} if plan is not None else {}
    req = GenerationRequest(prompt=prompt, seconds=seconds, width=width, height=height, fps=fps, seed=seed,
                            options=options)
    try:
        eng = get_engine(engine)
        with _bar() as bar:
            task = bar.add_task("generating", total=1.0)
            clip = eng.generate(req, lambda v: bar.update(task, completed=v), lambda: False)
            bar.update(task, description="encoding", completed=0.0)
            write_mp4(clip, output, progress=lambda v: bar.update(task, completed=v))
    except (PromptError, ValueError) as e:
        console.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    except OSError as e:
        console.print(f"[red]error:[/red] cannot write {output}: {e}")
        raise typer.Exit(1) from e
    if save_plan is not None and "plan" in clip.metadata:
        save_plan.write_text(json.dumps(clip.metadata["plan"], indent=2))
    _report(clip.metadata, output)


def _writable(output: Path) -> None:
    """Fail before any work when the output cannot be written; create missing folders."""
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise typer.BadParameter(f"output folder {str(output.parent)!r} cannot be created: {e.strerror}") from e
    if output.is_dir():
        raise typer.BadParameter(f"output {str(output)!r} is a folder; give a file name such as clip.mp4")


def _bar() -> Progress:
    return Progress(TextColumn("{task.description:<11}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                    console=console, transient=False)


def _report(metadata: dict[str, Any], output: Path) -> None:
    understood: list[str] = metadata.get("understood") or []
    unrecognized: list[str] = metadata.get("unrecognized") or []
    console.print(f"[green]wrote[/green] {output}  (seed {metadata.get('seed')})")
    console.print(f"understood: {', '.join(understood) or '(from plan)'}")
    if unrecognized:
        console.print(f"[yellow]not understood:[/yellow] {', '.join(unrecognized)}")
    console.print(f"events: {len(metadata.get('events') or [])} impacts")


@app.command("eval-clip")
def eval_clip(
    video: Annotated[Path, typer.Argument(help="MP4 to judge (from any engine).")],
    plan: Annotated[Path, typer.Option(help="The scene plan the clip should show.")],
    json_out: Annotated[bool, typer.Option("--json", help="Print the full report as JSON.")] = False,
) -> None:
    """Score a clip against its plan: prompt adherence, physics and audio-video sync."""
    from kinora.world.evaluate import evaluate
    from kinora.world.plan import ScenePlan

    if not video.is_file():
        raise typer.BadParameter(f"video {str(video)!r} does not exist")
    try:
        report = evaluate(video, ScenePlan.model_validate(_load_plan(plan)))
    except ValueError as e:
        console.print(f"[red]error:[/red] {e}")
        raise typer.Exit(2) from e
    if json_out:
        typer.echo(json.dumps(report.model_dump(mode="json"), indent=2))  # plain: meant for programs
    else:
        console.print(report.summary())


def main() -> None:
    app()
