"""The ``skills`` command.

Exit codes (for schedulers): 0 published (or nothing to do); 1 data-quality failure,
nothing published; 2 usage or configuration error; 3 unexpected fault; 130 interrupted.

Heavy libraries (polars, great_expectations, statsmodels, linearmodels, altair) are
imported inside the commands that need them, so ``skills --help`` stays fast.
"""

from __future__ import annotations

import json
import logging
import sys
import traceback
from pathlib import Path
from typing import Annotated, Any

import typer

from skills._version import __version__

app = typer.Typer(
    name="skills",
    help=(
        "Skills supply-demand and job-polarisation analytics: Eurostat labour-force tables, "
        "ITS Academy records and hiring plans, aligned, checked and published.\n\n"
        "Exit codes: 0 published; 1 data-quality failure (nothing published); "
        "2 usage or configuration error; 3 unexpected fault."
    ),
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

EXIT_UNEXPECTED = 3
log = logging.getLogger("skills")


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
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S%z",
        stream=sys.stderr,
    )


def _echo_result(result: Any, as_json: bool) -> None:
    if as_json:
        payload = {
            "status": result.status,
            "exit_code": result.exit_code,
            "run_id": result.run_id,
            "out_dir": str(result.out_dir),
            "publication": str(result.publication) if result.publication else None,
            "message": result.message,
        }
        typer.echo(json.dumps(payload, indent=2))
    else:
        typer.echo(result.message)


@app.command()
def refresh(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline spec (TOML).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder; DIR/latest is the publication.")
    ],
    offline: Annotated[bool, typer.Option(help="Use only cached Eurostat downloads.")] = False,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary.")
    ] = False,
) -> None:
    """Run a pipeline and publish into OUT (OUT/latest switches atomically)."""
    from skills.refresh import refresh as run

    result = run(pipeline, out, offline=offline or None)
    _echo_result(result, as_json)
    raise typer.Exit(result.exit_code)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo workspace into.")],
    run: Annotated[bool, typer.Option(help="Also run the demo pipeline into DIR/out.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic generator.")] = 20_240_601,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable summary.")
    ] = False,
) -> None:
    """Write the synthetic Piedmont demo workspace (synthetic demo data) and run it."""
    from skills.demo import write_demo

    spec = write_demo(directory, seed=seed)
    if not as_json:
        typer.echo(f"wrote synthetic demo workspace: {spec}")
    if not run:
        return
    from skills.refresh import refresh as run_refresh

    result = run_refresh(spec, directory / "out", offline=True)
    _echo_result(result, as_json)
    raise typer.Exit(result.exit_code)


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


@app.command()
def schema(
    table: Annotated[
        str,
        typer.Argument(help="its_courses, hiring_plans or wages_by_occupation; all if omitted."),
    ] = "",
) -> None:
    """Print the documented schema of the files users bring."""
    from skills.schema import schema_markdown
    from skills.sources.hires import HIRES
    from skills.sources.hiring import HIRING_PLANS
    from skills.sources.its import ITS_COURSES
    from skills.sources.wages import WAGES

    schemas = {s.name: s for s in (ITS_COURSES, HIRING_PLANS, WAGES, HIRES)}
    if table and table not in schemas:
        raise typer.BadParameter(f"unknown table; use one of {', '.join(schemas)}")
    for name, sch in schemas.items():
        if not table or table == name:
            typer.echo(schema_markdown(sch))


@app.command()
def fetch(
    dataset: Annotated[str, typer.Argument(help="Eurostat dataset code, e.g. lfst_r_lfu3rt.")],
    filters: Annotated[
        list[str] | None, typer.Option("--filter", "-f", help="DIM=VALUE[,VALUE...]; repeat.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First period, e.g. 2015.")] = None,
    end: Annotated[str | None, typer.Option(help="Last period.")] = None,
    offline: Annotated[bool, typer.Option(help="Only report what the cache holds.")] = False,
) -> None:
    """Download a Eurostat dataset into the cache (SDMX-CSV) and print its provenance."""
    from skills.sources.eurostat_api import fetch_eurostat

    parsed: dict[str, list[str]] = {}
    for item in filters or []:
        dim, sep, values = item.partition("=")
        if not sep or not values:
            raise typer.BadParameter(f"{item!r}: use DIM=VALUE[,VALUE...]", param_hint="--filter")
        parsed[dim] = values.split(",")
    result = fetch_eurostat(
        dataset, filters=parsed or None, start_period=start, end_period=end, offline=offline
    )
    typer.echo(
        json.dumps(
            {
                "dataset": result.dataset,
                "path": str(result.path),
                "url": result.url,
                "sha256": result.sha256,
                "bytes": result.bytes,
                "fetched_at": result.fetched_at,
                "from_cache": result.from_cache,
                "last_update": result.last_update,
            },
            indent=2,
        )
    )


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map errors to the documented exit codes."""
    from skills.errors import SkillsError

    try:
        app(args=argv, standalone_mode=False)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except SkillsError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        typer.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        # Usage errors (typer's vendored click.UsageError and friends) know how to show
        # themselves and carry exit code 2.
        show, code = getattr(exc, "show", None), getattr(exc, "exit_code", None)
        if callable(show) and isinstance(code, int):
            show()
            sys.exit(code)
        traceback.print_exc()
        typer.echo(f"unexpected error ({type(exc).__name__}): {exc}", err=True)
        sys.exit(EXIT_UNEXPECTED)
    sys.exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
