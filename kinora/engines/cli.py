"""`kinora engines ...`: every engine with its capabilities and whether its weights are there; tiny model folders
to smoke-test an install with."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from kinora.engines.base import Capabilities
from kinora.engines.layout import WeightsMissing
from kinora.engines.registry import ENGINES, config_for, get_engine

app = typer.Typer(help="Engines: what each can make, their weights, tiny test models.", invoke_without_command=True)
console = Console()


@app.callback()
def engines(ctx: typer.Context) -> None:
    """List every engine: the models mapped to it, its weights and what it can make."""
    if ctx.invoked_subcommand is not None:
        return
    from kinora.cli import _settings

    settings = _settings()
    table = Table("engine", "models", "weights", "makes", "sizes", "frames", "sound", "inputs")
    notes: list[str] = []
    for name in ENGINES:
        config = config_for(settings, name)
        models = ", ".join(m for m, e in settings.models.items() if e == name) or "-"
        folders = "\n".join(str(f) for f in config.weights) or ("built in" if name == "world" else "-")
        try:
            caps = get_engine(name, config).capabilities()
        except WeightsMissing as e:
            table.add_row(name, models, folders, "[red]weights missing[/red] (below)", "", "", "", "")
            notes.append(f"[bold]{name}[/bold]: {e}")
            continue
        table.add_row(name, models, folders + ("\n[green]present[/green]" if caps.needs_weights else ""),
                      *describe(caps))
    console.print(table)
    for note in notes:
        console.print(note, highlight=False)
    console.print(_sound_stage(settings.sound_weights), highlight=False)


def _sound_stage(folder: Path | None) -> str:
    from kinora.engines import layout, sound

    if folder is None:
        return "sound stage: none (KINORA_SOUND_WEIGHTS); clips from silent engines stay silent"
    try:
        layout.read(folder, expect=sound.PIPELINES)
    except WeightsMissing as e:
        return f"sound stage: [red]weights missing[/red]: {e}"
    return f"sound stage: {folder} [green]present[/green]; it scores clips from silent engines"


def describe(caps: Capabilities) -> tuple[str, str, str, str, str]:
    """(makes, sizes, frames, sound, inputs) for the table."""
    makes = f"{caps.min_seconds:g}-{caps.max_seconds:g} s at {', '.join(map(str, caps.fps))} fps"
    sizes = (f"{caps.min_side}..{caps.max_width}x{caps.max_height}, either way"
             + (f", multiples of {caps.size_step}" if caps.size_step > 2 else ""))
    frames = f"{caps.frame_step}k+1" if caps.frame_step > 1 else "any"
    inputs = [label for label, on in (("image", caps.image_input), ("last frame", caps.last_frame),
                                      ("reference images", caps.reference_images), ("cameos", caps.cameos),
                                      ("remix", caps.remix), ("extend", caps.extend)) if on]
    return makes, sizes, frames, "yes" if caps.audio else "silent", ", ".join(inputs) or "text"


@app.command("make-tiny")
def make_tiny(
    name: Annotated[str, typer.Argument(help="wan, ltx2, or sound (the sound stage).")],
    folder: Annotated[Path, typer.Argument(help="Where to write the model folder (created; must be empty).")],
    layout: Annotated[str | None, typer.Option(help="wan: t2v, i2v, flf2v, vace, ti2v or a14b; ltx2: t2av; "
                                                    "sound: stable-audio.")] = None,
    seed: Annotated[int, typer.Option(help="Seed of the random weights.")] = 0,
) -> None:
    """Write a tiny random-weight model in the engine's real on-disk layout: the whole path runs on it (its
    clips are noise), e.g. `kinora generate "a cat" --engine wan --weights FOLDER`."""
    from kinora.engines import tiny

    if name not in tiny.LAYOUTS:
        raise typer.BadParameter(f"NAME must be one of {', '.join(tiny.LAYOUTS)}; got {name!r}")
    chosen = layout or tiny.LAYOUTS[name][0]
    if chosen not in tiny.LAYOUTS[name]:
        raise typer.BadParameter(f"--layout for {name} must be one of {', '.join(tiny.LAYOUTS[name])}; got {chosen!r}")
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise typer.BadParameter(f"FOLDER {str(folder)!r} exists and is not an empty folder")
    with console.status(f"building a tiny {name} ({chosen})"):
        tiny.write(name, chosen, folder, seed=seed)
    size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    console.print(f"[green]wrote[/green] {folder} ({size / 1e6:.1f} MB, {name} {chosen})")
    if name == "sound":
        console.print(f"try it: KINORA_SOUND_WEIGHTS={folder} kinora generate \"rain on a tin roof\" --engine wan "
                      "--weights WAN_FOLDER --size 128x128 --seconds 4 --steps 2")
    else:
        console.print(f"try it: kinora generate \"a cat on a skateboard\" --engine {name} --weights {folder} "
                      "--size 128x128 --seconds 4 --steps 2")

