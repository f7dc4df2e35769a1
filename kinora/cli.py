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
    server: Annotated[str | None, typer.Option(help="Submit to a Kinora server (http://host:port) instead; "
                                               "the key comes from KINORA_API_KEY.")] = None,
    model: Annotated[str | None, typer.Option(help="With --server: the API model, e.g. sora-2.")] = None,
) -> None:
    """Generate a video with sound from a prompt (or a plan) and write it as MP4."""
    from kinora.media.encode import write_mp4
    from kinora.world.parse import PromptError

    width, height = _size(size)
    _writable(output)
    if server is not None:
        _generate_remote(server, prompt, model=model, seconds=seconds, size=size, output=output)
        return
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


def _generate_remote(server: str, prompt: str, *, model: str | None, seconds: float, size: str,
                     output: Path) -> None:
    from kinora.client import ApiClient, ApiError, generate_remote
    from kinora.config import Settings

    key = Settings().api_key
    if key is None or not key.get_secret_value():
        raise typer.BadParameter("--server needs an API key in KINORA_API_KEY (kinora admin api-key create)")
    if not prompt:
        raise typer.BadParameter("--server needs a PROMPT")
    client = ApiClient(server, key.get_secret_value())
    try:
        with _bar() as bar:
            task = bar.add_task("queued", total=100)
            video = generate_remote(client, prompt, model=model, seconds=round(seconds), size=size, output=output,
                                    on_progress=lambda status, p: bar.update(task, description=status, completed=p))
            bar.update(task, description="completed", completed=100)
    except ApiError as e:
        console.print(f"[red]error:[/red] {e}")
        raise typer.Exit(1 if e.status in (None, 0) or e.status >= 500 else 2) from e
    console.print(f"[green]wrote[/green] {output}  ({video['id']}, {video['seconds']} s, {video['size']})")


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


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (default KINORA_HOST, 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default KINORA_PORT, 8000).")] = None,
) -> None:
    """Run the server: API, job runner and workers in one process, on the settings' database and data dir."""
    from kinora.app.server import run_server

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = _settings().model_copy(update=overrides)
    console.print(f"Kinora on http://{settings.host}:{settings.port}  data in {settings.data_dir.resolve()}\n"
                  f"OpenAI SDK: base_url=http://{settings.host}:{settings.port}/v1, a key from "
                  "`kinora admin api-key create --name NAME`")
    run_server(settings)


@app.command("config")
def show_config() -> None:
    """Print the effective settings (environment KINORA_*), secrets masked."""
    from rich.table import Table

    table = Table("setting", "value", "environment variable")
    for name, value in _settings().masked().items():
        table.add_row(name, json.dumps(value) if not isinstance(value, str) else value, f"KINORA_{name.upper()}")
    console.print(table)


@app.command()
def verify(
    file: Annotated[Path, typer.Argument(help="The video to check.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of the summary.")] = False,
) -> None:
    """Where did this clip come from? Reads its C2PA manifest and its invisible watermarks, and looks for it
    among this instance's generations."""
    import asyncio

    from kinora.app.bootstrap import with_services
    from kinora.app.provenance.service import verify as verify_file

    if not file.is_file():
        raise typer.BadParameter(f"FILE must be an existing file; got {str(file)!r}", param_hint="FILE")
    settings = _settings()
    with console.status(f"Reading the manifest, watermarks and fingerprints of {file.name}...", spinner="dots"):
        try:
            report = asyncio.run(with_services(settings, lambda s: verify_file(
                file, db=s.db, inst=s.provenance, viewer_id=None, operator=True)))
        except ValueError as e:
            raise typer.BadParameter(f"FILE is not a video Kinora can read: {e}", param_hint="FILE") from e
    if as_json:
        typer.echo(json.dumps(report, indent=2))
        return
    _print_verification(report)


def _print_verification(report: dict[str, Any]) -> None:
    from rich.panel import Panel
    from rich.table import Table

    manifest, mark = report["c2pa"], report["watermark"]
    table = Table(show_header=False, box=None)
    signer = manifest["signer"]["subject"] if manifest["signer"] else "-"
    table.add_row("C2PA", f"{manifest['status']}" + (", AI-generated" if manifest["ai_generated"] else "")
                  + (", trusted signer" if manifest["trusted"] else "") + f"  (signer: {signer})")
    origin = "this instance" if mark["this_instance"] else f"instance {mark['instance_id']}"
    table.add_row("watermark", f"found in {' and '.join(mark['read_from'])}: {origin}, generation "
                  f"{mark['generation_id'] or '?'}" if mark["found"] else "not found")
    for m in report["matches"]:
        table.add_row("similar", f"{m['generation_id']}" + (f" (post {m['post_id']})" if m["post_id"] else "")
                      + f"  {m['similarity']:.0%}")
    console.print(table)
    console.print(Panel(report["verdict"], title="verdict"))


admin = typer.Typer(help="Instance administration.", no_args_is_help=True)
api_keys = typer.Typer(help="API keys for /v1.", no_args_is_help=True)
admin.add_typer(api_keys, name="api-key")
app.add_typer(admin, name="admin")


@api_keys.command("create")
def create_api_key(
    name: Annotated[str, typer.Option(help="What the key is for, e.g. 'my laptop'.")],
    user: Annotated[str | None, typer.Option(help="Handle of the owner (created if new); default: the admin.")] = None,
) -> None:
    """Create an API key. It is printed once, alone on the last line, and stored only as a hash."""
    import asyncio

    from kinora.app.errors import DomainError
    from kinora.app.users.admin import create_key

    try:
        lines, key = asyncio.run(create_key(_settings(), name=name, handle=user))
    except DomainError as e:
        raise typer.BadParameter(str(e)) from e
    for line in lines:
        console.print(line)
    typer.echo(key)


@api_keys.command("list")
def list_api_keys() -> None:
    """List API keys (prefix, name, owner, when made, last used, revoked); never the keys themselves."""
    import asyncio
    import datetime

    from rich.table import Table

    from kinora.app.users.admin import list_keys

    def when(value: object) -> str:
        return "" if value is None else datetime.datetime.fromtimestamp(float(str(value))).strftime("%Y-%m-%d %H:%M")

    table = Table("prefix", "name", "user", "created", "last used", "revoked")
    for key in asyncio.run(list_keys(_settings())):
        table.add_row(f"{key['prefix']}...", str(key["name"]), f"@{key['user']}", when(key["created_at"]),
                      when(key["last_used_at"]), when(key["revoked_at"]))
    console.print(table)


@api_keys.command("revoke")
def revoke_api_key(prefix: Annotated[str, typer.Argument(help="The key's prefix, as `list` shows it.")]) -> None:
    """Revoke an API key."""
    import asyncio

    from kinora.app.errors import DomainError
    from kinora.app.users.admin import revoke_key

    try:
        console.print(asyncio.run(revoke_key(_settings(), prefix.removesuffix("..."))))
    except DomainError as e:
        raise typer.BadParameter(str(e)) from e


invite_commands = typer.Typer(help="Invite codes: Kinora is invite-only.", no_args_is_help=True)
admin.add_typer(invite_commands, name="invite")


@invite_commands.command("create")
def create_invite(uses: Annotated[int, typer.Option(help="How many sign-ups the code allows.")] = 1) -> None:
    """Create an invite code. It is printed alone on the last line."""
    import asyncio

    from kinora.app.errors import DomainError
    from kinora.app.users.admin import create_invite as make

    try:
        code = asyncio.run(make(_settings(), uses=uses))
    except DomainError as e:
        raise typer.BadParameter(str(e)) from e
    console.print(f"invite code for {uses} sign-up{'s' if uses != 1 else ''}:")
    typer.echo(code)


@invite_commands.command("list")
def list_invites() -> None:
    """List invite codes: who made them, when, and the uses left."""
    import asyncio
    import datetime

    from rich.table import Table

    from kinora.app.users.admin import list_invites as listed

    table = Table("code", "uses left", "made by", "created")
    for invite in asyncio.run(listed(_settings())):
        made = datetime.datetime.fromtimestamp(float(str(invite["created_at"]))).strftime("%Y-%m-%d %H:%M")
        table.add_row(str(invite["code"]), str(invite["uses_left"]),
                      f"@{invite['created_by']}" if invite["created_by"] else "admin", made)
    console.print(table)


def _settings() -> Any:
    from kinora.config import Settings

    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(f"KINORA_{'.'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors())
        raise typer.BadParameter(f"invalid settings: {problems}") from e
