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

from kinora.engines import cli as engines_cli
from kinora.engines.base import GenerationRequest
from kinora.engines.registry import ENGINES, get_engine
from kinora.safety import cli as safety_cli

app = typer.Typer(help="Kinora: AI video with synchronized sound.", no_args_is_help=True,
                  pretty_exceptions_enable=False)
console = Console()


def _size(value: str) -> tuple[int, int]:
    match = re.fullmatch(r"(\d+)x(\d+)", value.strip())
    if not match:
        raise typer.BadParameter(f"size must look like WIDTHxHEIGHT, e.g. 720x1280; got {value!r}")
    return int(match[1]), int(match[2])


def _when(value: object) -> str:
    """A stored timestamp for tables (local time); "" for none."""
    import datetime

    return "" if value is None else datetime.datetime.fromtimestamp(float(str(value))).strftime("%Y-%m-%d %H:%M")


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
    seconds: Annotated[float | None, typer.Option(help="Length in seconds (world: 4 to 20); default 8, or the "
                                                  "engine's longest when shorter.")] = None,
    size: Annotated[str, typer.Option(help="WIDTHxHEIGHT, e.g. 720x1280 (portrait) or 1280x720.")] = "720x1280",
    fps: Annotated[int, typer.Option(help="Frames per second.")] = 24,
    seed: Annotated[int | None, typer.Option(help="Same seed, same clip.")] = None,
    plan: Annotated[Path | None, typer.Option(help="A scene plan JSON file to use instead of the prompt.")] = None,
    engine: Annotated[str, typer.Option(help=f"One of: {', '.join(ENGINES)}.")] = "world",
    save_plan: Annotated[Path | None, typer.Option(help="Also write the scene plan used, as JSON.")] = None,
    server: Annotated[str | None, typer.Option(help="Submit to a Kinora server (http://host:port) instead; "
                                               "the key comes from KINORA_API_KEY.")] = None,
    model: Annotated[str | None, typer.Option(help="With --server: the API model, e.g. sora-2.")] = None,
    weights: Annotated[list[Path] | None, typer.Option(help="The engine's model folder(s) instead of "
                                                       "KINORA_ENGINE_WEIGHTS (wan, ltx2).")] = None,
    image: Annotated[Path | None, typer.Option(help="A starting image (engines that take one).")] = None,
    last_image: Annotated[Path | None, typer.Option(help="An end frame, with --image (wan I2V, ltx2).")] = None,
    steps: Annotated[int | None, typer.Option(min=1, max=200, help="Denoising steps (wan, ltx2).")] = None,
) -> None:
    """Generate a video with sound from a prompt (or a plan) and write it as MP4."""
    from kinora.media.encode import write_mp4
    from kinora.world.parse import PromptError

    width, height = _size(size)
    _writable(output)
    if server is not None:
        _generate_remote(server, prompt, model=model, seconds=8.0 if seconds is None else seconds, size=size,
                         output=output)
        return
    if not prompt and plan is None:
        raise typer.BadParameter("give a PROMPT or --plan FILE")
    options: dict[str, object] = {"plan": _load_plan(plan)} if plan is not None else {}
    if steps is not None:
        options["steps"] = steps
    if last_image is not None:
        options["last_image"] = _load_image(last_image, "--last-image")
    req = GenerationRequest(prompt=prompt, seconds=8.0, width=width, height=height, fps=fps, seed=seed,
                            image=_load_image(image, "--image") if image is not None else None, options=options)
    try:
        eng = get_engine(engine, _engine_config(engine, weights))
        req.seconds = min(8.0, eng.capabilities().max_seconds) if seconds is None else seconds
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


def _engine_config(engine: str, weights: list[Path] | None) -> Any:
    from dataclasses import replace

    from kinora.engines.registry import EngineConfig, config_for

    if engine not in ENGINES:
        raise typer.BadParameter(f"--engine must be one of {', '.join(ENGINES)}; got {engine!r}")
    if engine == "world":
        if weights:
            raise typer.BadParameter("--weights: the world engine is built in and takes no weights")
        return EngineConfig()
    config = config_for(_settings(), engine)
    return replace(config, weights=tuple(weights)) if weights else config


def _load_image(path: Path, option: str) -> Any:
    import numpy as np
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as img:
            return np.asarray(img.convert("RGB"))
    except (OSError, UnidentifiedImageError) as e:
        raise typer.BadParameter(f"{option} {str(path)!r} cannot be read as an image: {e}") from e


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
    for param, change in (metadata.get("adjusted") or {}).items():
        console.print(f"[yellow]{param}[/yellow] {change['requested']} -> {change['used']} (what the model makes)")
    if metadata.get("engine") not in (None, "world"):
        console.print(f"[green]wrote[/green] {output}  (seed {metadata.get('seed')}, {metadata['engine']} "
                      f"{metadata.get('model')}, {metadata.get('steps')} steps, sound: {metadata.get('audio')})")
        return
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
app.add_typer(safety_cli.app, name="safety")
app.add_typer(engines_cli.app, name="engines")


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

    from rich.table import Table

    from kinora.app.users.admin import list_keys

    table = Table("prefix", "name", "user", "created", "last used", "revoked")
    for key in asyncio.run(list_keys(_settings())):
        table.add_row(f"{key['prefix']}...", str(key["name"]), f"@{key['user']}", _when(key["created_at"]),
                      _when(key["last_used_at"]), _when(key["revoked_at"]))
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


@admin.command("grant")
def grant_admin(handle: Annotated[str, typer.Argument(help="The member's handle, e.g. @maya.")],
                revoke: Annotated[bool, typer.Option(help="Take admin rights away instead.")] = False) -> None:
    """Make a member an admin (the web app's /admin pages), or with --revoke take it back."""
    import asyncio

    from kinora.app.errors import DomainError
    from kinora.app.users.admin import set_admin

    try:
        console.print(asyncio.run(set_admin(_settings(), handle=handle, admin=not revoke)))
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

    from rich.table import Table

    from kinora.app.users.admin import list_invites as listed

    table = Table("code", "uses left", "made by", "created")
    for invite in asyncio.run(listed(_settings())):
        table.add_row(str(invite["code"]), str(invite["uses_left"]),
                      f"@{invite['created_by']}" if invite["created_by"] else "admin", _when(invite["created_at"]))
    console.print(table)


moderation_commands = typer.Typer(help="Moderation: held generations, accounts, the audit log, the registry, appeals.",
                                  no_args_is_help=True)
registry_commands = typer.Typer(help="Public figures and rights entries of this instance.", no_args_is_help=True)
appeal_commands = typer.Typer(help="Decide an appeal.", no_args_is_help=True)
admin.add_typer(moderation_commands, name="moderation")
moderation_commands.add_typer(registry_commands, name="registry")
moderation_commands.add_typer(appeal_commands, name="appeal")


def _moderate(command: str, /, *args: Any, **kwargs: Any) -> Any:
    """Run kinora.app.moderation.admin.<command>; its domain errors exit 2 with their message."""
    import asyncio

    from kinora.app.errors import DomainError
    from kinora.app.moderation import admin as moderation_admin

    try:
        return asyncio.run(getattr(moderation_admin, command)(_settings(), *args, **kwargs))
    except DomainError as e:
        raise typer.BadParameter(str(e)) from e


@moderation_commands.command("queue")
def moderation_queue() -> None:
    """List generations held for review, oldest first (reported posts: GET /api/admin/reports)."""
    from rich.table import Table

    table = Table("video", "owner", "held", "category", "layer", "has output", "prompt")
    for row in _moderate("queue"):
        event = row["event"] or {}
        table.add_row(row["id"], f"@{row['owner']}", _when(row["created_at"]), event.get("category") or "",
                      event.get("layer") or "", "yes" if row["has_output"] else "no", row["prompt"][:80])
    console.print(table)


@moderation_commands.command("approve")
def moderation_approve(video_id: Annotated[str, typer.Argument(help="A held generation's id.")],
                       note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Approve a held generation: its job runs, or its output shows."""
    console.print(_moderate("decide", video_id=video_id, action="approve", note=note))


@moderation_commands.command("remove")
def moderation_remove(video_id: Annotated[str, typer.Argument(help="A held generation's id.")],
                      note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Remove a held generation: it fails with content_policy and its files are deleted."""
    console.print(_moderate("decide", video_id=video_id, action="remove", note=note))


@moderation_commands.command("warn")
def moderation_warn(handle: str, note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Warn an account (counted on the account)."""
    account = _moderate("act", handle=handle, action="warn", note=note)
    console.print(f"@{account['handle']} now has {account['warnings']} warning(s)")


@moderation_commands.command("suspend")
def moderation_suspend(handle: str, days: Annotated[int, typer.Option(help="How long: 1-3650 days.")],
                       note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Suspend an account: it cannot post, comment or generate until the suspension ends."""
    account = _moderate("act", handle=handle, action="suspend", days=days, note=note)
    console.print(f"@{account['handle']} is suspended until {_when(account['suspended_until'])}")


@moderation_commands.command("unsuspend")
def moderation_unsuspend(handle: str, note: Annotated[str, typer.Option(help="Why, for the audit log.")] = "") -> None:
    """Lift an account's suspension."""
    account = _moderate("act", handle=handle, action="unsuspend", note=note)
    console.print(f"@{account['handle']} is no longer suspended")


@moderation_commands.command("events")
def moderation_events(user: Annotated[str | None, typer.Option(help="Only this account's (handle).")] = None,
                      limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 50,
                      as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line.")] = False,
                      ) -> None:
    """Show the moderation audit log, newest first."""
    from rich.table import Table

    rows = _moderate("events", handle=user, limit=limit)
    if as_json:
        for row in rows:
            typer.echo(json.dumps(row))
        return
    table = Table("id", "when", "stage", "outcome", "user", "generation", "category", "layer", "note")
    for row in rows:
        table.add_row(str(row["id"]), _when(row["created_at"]), row["stage"], row["outcome"],
                      f"@{row['user']}" if row["user"] else "", row["generation_id"] or "", row["category"] or "",
                      row["layer"] or "", row["note"][:60])
    console.print(table)


@registry_commands.command("list")
def registry_list(kind: Annotated[str | None, typer.Option(help="public_figure or rights.")] = None) -> None:
    """List this instance's registry entries (they add to or override the shipped lists)."""
    from rich.table import Table

    table = Table("id", "kind", "name", "aliases", "allowed", "holder")
    for row in _moderate("registry_list", kind=kind):
        table.add_row(str(row["id"]), row["kind"], row["name"], ", ".join(row["aliases"]),
                      "yes" if row["allowed"] else "no", row["holder"])
    console.print(table)


@registry_commands.command("add")
def registry_add(
    kind: Annotated[str, typer.Argument(help="public_figure or rights.")],
    name: Annotated[str, typer.Argument(help="The person's or work's name.")],
    alias: Annotated[list[str] | None, typer.Option(help="Another name it goes by (repeatable).")] = None,
    allowed: Annotated[bool, typer.Option("--allowed", help="rights: its holder allows it on this instance.")] = False,
    holder: Annotated[str, typer.Option(help="rights: who holds the rights.")] = "",
) -> None:
    """Add a public figure or a rights-protected work."""
    row = _moderate("registry_add", kind=kind, name=name, aliases=alias or [], allowed=allowed, holder=holder)
    console.print(f"added {row['kind']} entry {row['id']}: {row['name']}")


@registry_commands.command("remove")
def registry_remove(entry_id: Annotated[int, typer.Argument(help="The entry's id, as `list` shows it.")]) -> None:
    """Delete a registry entry (a shipped entry it overrode applies again)."""
    _moderate("registry_remove", entry_id=entry_id)
    console.print(f"deleted registry entry {entry_id}")


@moderation_commands.command("appeals")
def moderation_appeals() -> None:
    """List open appeals, oldest first, with the decision appealed."""
    from rich.table import Table

    table = Table("id", "user", "appealed", "event", "category", "message", "prompt")
    for row in _moderate("open_appeals"):
        event = row["event"]
        table.add_row(str(row["id"]), f"@{row['user']}", _when(row["created_at"]),
                      f"{event['id']} {event['stage']}/{event['outcome']}", event["category"] or "",
                      row["message"][:60], (row["prompt"] or "")[:60])
    console.print(table)


@appeal_commands.command("grant")
def appeal_grant(appeal_id: int, note: Annotated[str, typer.Option(help="What the user is told.")] = "") -> None:
    """Grant an appeal: a held or removed video whose files remain is restored."""
    appeal = _moderate("decide_appeal", appeal_id=appeal_id, decision="grant", note=note)
    console.print(f"appeal {appeal['id']} {appeal['status']}")


@appeal_commands.command("deny")
def appeal_deny(appeal_id: int, note: Annotated[str, typer.Option(help="What the user is told.")] = "") -> None:
    """Deny an appeal."""
    appeal = _moderate("decide_appeal", appeal_id=appeal_id, decision="deny", note=note)
    console.print(f"appeal {appeal['id']} {appeal['status']}")


@moderation_commands.command("export")
def moderation_export(file: Annotated[Path, typer.Argument(help="Where to write the JSON lines (.jsonl).")]) -> None:
    """Export reviewed decisions ({prompt, label, category} per line) to retrain the classifier."""
    written = _moderate("export", file)
    console.print(f"wrote {written} labelled prompt(s) to {file}")


def _settings() -> Any:
    from kinora.config import Settings

    try:
        return Settings()
    except ValidationError as e:
        problems = "; ".join(f"KINORA_{'.'.join(map(str, err['loc'])).upper()}: {err['msg']}" for err in e.errors())
        raise typer.BadParameter(f"invalid settings: {problems}") from e
