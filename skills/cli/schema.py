"""``skills catalogue`` and ``skills schema``: the indicator catalogue and the documented
schemas of the files users bring."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from skills.cli._app import app


@app.command()
def catalogue(
    fmt: Annotated[str, typer.Option("--format", help="markdown or json.")] = "markdown",
) -> None:
    """Print the catalogue of indicators (id, definition, formula, unit, sources)."""
    from skills.indicators.catalogue import catalogue_markdown, load_catalogue

    if fmt == "json":
        typer.echo(json.dumps([e.as_dict() for e in load_catalogue()], indent=2))
    elif fmt == "markdown":
        typer.echo(catalogue_markdown(), nl=False)
    else:
        raise typer.BadParameter("use markdown or json", param_hint="--format")


def _schema_roles() -> str:
    """The roles ``skills schema`` describes, for its help (from :mod:`skills.roles`)."""
    from skills.roles import ROLES

    return ", ".join(ROLES)


@app.command()
def schema(
    table: Annotated[
        str,
        typer.Argument(
            help=f"A source role: {_schema_roles()}. All user-file schemas if omitted.",
            show_default=False,
        ),
    ] = "",
) -> None:
    """Print the documented schema of the files users bring, or the table a role needs."""
    from skills.roles import ROLES, file_roles, role_markdown

    if table and table not in ROLES:
        raise typer.BadParameter(f"unknown source role; use one of {', '.join(ROLES)}")
    for role in [ROLES[table]] if table else file_roles().values():
        typer.echo(role_markdown(role))
