"""`kinora safety ...`: check one prompt, evaluate the moderation stack on a labelled set, retrain the head."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

if TYPE_CHECKING:  # the CLI starts fast: torch and the models load only in the commands that use them
    from kinora.safety.evaluate import Report
    from kinora.safety.moderator import Moderator

app = typer.Typer(help="Prompt moderation: check, evaluate, retrain.", no_args_is_help=True)
console = Console()


def _moderator(head: Path | None) -> Moderator:
    from kinora.config import Settings
    from kinora.safety.moderator import from_settings

    settings = Settings()
    if head is not None:
        if not head.is_file():
            raise typer.BadParameter(f"--head: no file at {str(head)!r}")
        settings = settings.model_copy(update={"safety_head": head})
    return from_settings(settings)


@app.command("check")
def check(
    prompt: Annotated[str, typer.Argument(help="The prompt to moderate.")],
    teen: Annotated[bool, typer.Option(help="Use the teen thresholds.")] = False,
    head: Annotated[Path | None, typer.Option(help="A head from `kinora safety train` instead of the setting.")] = None,
) -> None:
    """Moderate one prompt and say which layer decided and why."""
    verdict = _moderator(head).check(prompt, teen=teen)
    typer.echo(json.dumps({"decision": verdict.outcome, "category": verdict.category, "layer": verdict.layer,
                           "reason": verdict.reason, "message": verdict.message, "evasions": list(verdict.evasions),
                           "scores": verdict.scores, "versions": verdict.versions}, indent=2))


@app.command("eval")
def evaluate(
    file: Annotated[Path, typer.Argument(help="JSON lines: {\"prompt\", \"label\": allow|block, \"category\"}.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print one JSON object instead of tables.")] = False,
    min_recall: Annotated[float | None, typer.Option(help="Exit 1 when recall on disallowed prompts is lower.",
                                                     min=0, max=1)] = None,
    max_false_block: Annotated[float | None, typer.Option(help="Exit 1 when more benign prompts are blocked.",
                                                          min=0, max=1)] = None,
    max_p99_ms: Annotated[float | None, typer.Option(help="Exit 1 when p99 latency per prompt is higher.",
                                                     min=0)] = None,
    teen: Annotated[bool, typer.Option(help="Use the teen thresholds.")] = False,
    head: Annotated[Path | None, typer.Option(help="A head from `kinora safety train` instead of the setting.")] = None,
) -> None:
    """Per-category recall, false blocks on benign prompts and latency; non-zero exit under the given thresholds."""
    from kinora.safety import dataset
    from kinora.safety.evaluate import failures, run

    try:
        examples = dataset.read(file)
    except ValueError as e:
        raise typer.BadParameter(str(e)) from e
    moderator = _moderator(head)
    with Progress(TextColumn("moderating"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=Console(stderr=True), disable=as_json, transient=True) as bar:
        task = bar.add_task("eval", total=len(examples))
        report = run(examples, moderator, teen=teen, progress=lambda n: bar.advance(task, n))
    if as_json:
        typer.echo(json.dumps(report.as_json(), ensure_ascii=False))
    else:
        _print(report)
    missed = failures(report, min_recall=min_recall, max_false_block=max_false_block, max_p99_ms=max_p99_ms)
    for line in missed:
        Console(stderr=True).print(f"[red]{line}[/red]")
    if missed:
        raise typer.Exit(1)


def _print(report: Report) -> None:
    from rich.table import Table

    table = Table("category", "disallowed", "recall", "benign", "false blocks")
    for name, row in report.per_category.items():
        table.add_row(name, str(row["disallowed"] or ""), "" if row["recall"] is None else f"{row['recall']:.1%}",
                      str(row["benign"] or ""),
                      "" if row["false_block_rate"] is None else f"{row['false_block_rate']:.1%}")
    console.print(table)
    console.print(f"recall {report.recall:.1%} (blocked outright {report.block_recall:.1%}), false blocks "
                  f"{report.false_block_rate:.1%}, benign held for review {report.false_review_rate:.1%}, "
                  f"latency p50 {report.p50_ms:.1f} ms, p99 {report.p99_ms:.1f} ms")
    misses = [i for i in report.items if (i["label"] == "block") == (i["decision"] == "allow")
              or (i["label"] == "allow" and i["decision"] == "block")]
    for item in misses[:40]:
        console.print(f"  {item['label']:5} -> {item['decision']:6} [{item['category']}] {item['prompt'][:100]!r}",
                      highlight=False, markup=False)


@app.command("train")
def train(
    files: Annotated[list[Path] | None, typer.Argument(help="Labelled JSON-lines files; default: the train set "
                                                       "shipped with Kinora.")] = None,
    out: Annotated[Path, typer.Option(help="Where to write the head (.npz); point KINORA_SAFETY_HEAD at it.")]
    = Path("safety-head.npz"),
) -> None:
    """Train the prompt classifier's head on labelled prompts (MiniLM embeddings + a softmax layer)."""
    from kinora.safety import dataset
    from kinora.safety.train import fit

    paths = files or [dataset.packaged("train")]
    with Progress(TextColumn("training"), BarColumn(), TimeElapsedColumn(), console=console, transient=True) as bar:
        task = bar.add_task("train", total=1.0)
        try:
            summary = fit(paths, out, progress=lambda share: bar.update(task, completed=share))
        except ValueError as e:
            raise typer.BadParameter(str(e)) from e
    console.print(f"trained {summary.version} on {summary.examples} prompts "
                  f"({', '.join(f'{k} {v}' for k, v in sorted(summary.per_label.items()))}); "
                  f"training accuracy {summary.train_accuracy:.1%}; wrote {out}")
