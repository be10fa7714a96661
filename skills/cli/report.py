"""``skills report``: rebuild the report of a publication."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from skills.cli._app import app


@app.command()
def report(
    publication: Annotated[Path, typer.Argument(help="A publication folder, e.g. OUT/latest.")],
    out: Annotated[Path | None, typer.Option("--out", help="Write here instead.")] = None,
    formats: Annotated[
        list[str] | None,
        typer.Option(
            "--format", "-f", help="html, png, svg, json, csv, xlsx (repeatable; default all)."
        ),
    ] = None,
    languages: Annotated[
        list[str] | None,
        typer.Option(
            "--language",
            "-l",
            help="it, en (repeatable; the first is report.html, the others report.<lang>.html; "
            "default: the languages the refresh recorded, else Italian then English for an "
            "Italian region).",
        ),
    ] = None,
) -> None:
    """Rebuild report.html, charts/ and exports/ from a publication (recomputes nothing).

    A publication is never changed (its manifest would no longer verify): without --out
    the report goes to OUT/reports/<run_id>/ (or <folder>-report/ beside a folder that
    is not a refresh run); an --out inside the publication is refused.
    """
    from skills.errors import ConfigError
    from skills.report import FORMATS, build_report, rebuild_folder

    folder = publication / "latest" if (publication / "latest").is_dir() else publication
    if (folder / "manifest.json").is_file():
        if out is None:
            out = rebuild_folder(folder)
        elif out.resolve() == folder.resolve() or folder.resolve() in out.resolve().parents:
            raise ConfigError(
                f"--out {out}: inside the publication {folder}; writing there would change "
                "files its manifest.json lists (choose another folder)"
            )
    result = build_report(
        folder, out=out, formats=tuple(formats or FORMATS), languages=languages or None
    )
    for note in result.notes:
        typer.echo(f"note: {note}", err=True)
    pages = ", ".join(str(p) for p in result.pages[1:])
    typer.echo(
        f"wrote {result.report} ({result.bytes:,} bytes)"
        + (f", {pages}" if pages else "")
        + f", {len(result.charts)} chart files and {len(result.exports)} files in exports/"
    )
