"""``skills manifest``: verify, resolve and repair publications."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from skills.cli._app import app

manifest_app = typer.Typer(help="Inspect and verify publication manifests.", no_args_is_help=True)
app.add_typer(manifest_app, name="manifest")


@manifest_app.command("verify")
def manifest_verify(
    directory: Annotated[
        Path, typer.Argument(help="An output folder (its latest) or one publication folder.")
    ],
    all_runs: Annotated[
        bool, typer.Option("--all", help="Verify every run under DIR/runs.")
    ] = False,
) -> None:
    """Re-hash a publication's files and compare them with its manifest (exit 1 on mismatch)."""
    from skills.manifest import verify_publication

    targets = [directory]
    if all_runs:
        targets = sorted(
            p for p in (directory / "runs").iterdir() if p.is_dir() and not p.name.startswith(".")
        )
    failed = False
    for target in targets:
        problems = verify_publication(target)
        name = target.resolve()
        if problems:
            failed = True
            typer.echo(f"MISMATCH {name}")
            for line in problems:
                typer.echo(f"  {line}")
        else:
            typer.echo(f"ok {name}")
    raise typer.Exit(1 if failed else 0)


@manifest_app.command("path")
def manifest_path(
    directory: Annotated[Path, typer.Argument(help="An output folder.")],
) -> None:
    """Print the run folder OUT/latest points at, resolved once (exit 5 when none).

    Read all the files of one publication from this folder, not through OUT/latest path
    by path: latest may switch to a new publication between two reads, a run folder
    never changes, and the one latest pointed at stays for at least one more publish.
    """
    from skills.publish import resolve_latest

    typer.echo(str(resolve_latest(directory)))


@manifest_app.command("repair")
def manifest_repair(
    directory: Annotated[Path, typer.Argument(help="An output folder.")],
    wait: Annotated[
        float, typer.Option(help="Seconds to wait if a refresh holds OUT (exit 4 after).")
    ] = 0.0,
) -> None:
    """Point OUT/latest at the newest recorded publication that verifies (deletes nothing).

    For a latest whose manifest.json was truncated or edited: the publications the
    package recorded in OUT/publications.jsonl are tried newest first. Exit 0 repaired;
    5 none verifies, or latest is a real folder (move it away first); 4 a refresh runs.
    """
    from skills.manifest import repair_latest

    folder = repair_latest(directory, wait=wait)
    typer.echo(f"latest -> {folder}")
