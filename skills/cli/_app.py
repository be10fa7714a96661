"""The ``skills`` Typer application: its help (with the exit-code list), ``--version``
and ``--verbose``; the command modules of :mod:`skills.cli` add their commands to it."""

from __future__ import annotations

from typing import Annotated

import typer

from skills._version import __version__
from skills.cli._common import setup_logging
from skills.errors import exit_codes_help

app = typer.Typer(
    name="skills",
    help=(
        "Skills supply-demand and job-polarisation analytics: Eurostat labour-force tables, "
        "ITS Academy records and hiring plans, aligned, checked and published.\n\n"
        # \b: click keeps the lines of the next paragraph as they are
        "\b\n" + exit_codes_help()
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"skills {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Log more detail.")] = False,
) -> None:
    """Skills supply-demand and job-polarisation analytics."""
    setup_logging(verbose)
