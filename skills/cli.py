"""The ``skills`` command.

Exit codes (for schedulers): 0 published (or nothing to do); 1 data-quality failure,
nothing published; 2 usage or configuration error; 3 unexpected fault; 4 another refresh
holds OUT; 5 OUT unusable (a file, read-only, full, or its layout changed by hand);
130 interrupted; 143 SIGTERM.

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
        "2 usage or configuration error; 3 unexpected fault; 4 another refresh holds OUT; "
        "5 OUT unusable (--out is a file, read-only or full disk, OUT/.lock or OUT/latest "
        "changed by hand, latest/manifest.json damaged: nothing published was changed)."
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
        typer.echo(json.dumps(result.as_dict(), indent=2))
        return
    for line in result.warnings:
        typer.echo(f"warning: {line}", err=True)
    typer.echo(result.message)


def _stage_printer() -> Any:
    """Progress on a terminal (rich), plain timestamped log lines otherwise."""
    if not sys.stderr.isatty():
        return None  # the logging handler prints timestamped lines
    from rich.console import Console

    console = Console(stderr=True)
    status = console.status("starting", spinner="dots")
    status.start()

    def hook(stage: str, state: str) -> None:
        if state == "running":
            status.update(f"[bold]{stage}[/bold] ...")
        else:
            console.print(f"  {stage}: {state}")

    hook.stop = status.stop  # type: ignore[attr-defined]
    return hook


@app.command()
def refresh(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline spec (TOML).")],
    out: Annotated[
        Path, typer.Option("--out", "-o", help="Output folder; DIR/latest is the publication.")
    ],
    offline: Annotated[bool, typer.Option(help="Use only cached Eurostat downloads.")] = False,
    eurostat_dir: Annotated[
        Path | None,
        typer.Option(
            "--eurostat-dir",
            help=(
                "Folder of local Eurostat files (<code>.tsv[.gz], <code>.csv, or one "
                '<code>_*.tsv) read before the cache for each eurostat = "<code>" source.'
            ),
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Rebuild even if nothing changed (ignores the stage cache).")
    ] = False,
    wait: Annotated[
        float, typer.Option(help="Seconds to wait if another refresh holds OUT (exit 4 after).")
    ] = 0.0,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print a machine-readable run summary.")
    ] = False,
    accept_row_drop: Annotated[
        bool,
        typer.Option(
            help="Publish even if an input or table lost more than 20 % of the rows of the "
            "previous publication (recorded in the manifest's row_counts)."
        ),
    ] = False,
) -> None:
    """Run a pipeline and publish into OUT (OUT/latest switches atomically).

    Exit 0 published or nothing changed; 1 an input or output failed its checks, or lost
    more than 20 % of its rows against OUT/latest (the report is in
    OUT/failures/<run_id>/, OUT/latest untouched); 2 bad spec or options (also: offline
    with a dataset neither cached nor in --eurostat-dir, or two files in --eurostat-dir
    for one dataset); 4 another refresh of OUT is running; 5 OUT unusable: --out is a
    file, the disk is read-only or full, OUT/.lock is a folder, OUT/latest is a real
    folder or its manifest.json is damaged (run `skills manifest repair OUT`); 3
    unexpected fault.
    """
    from skills.refresh import refresh as run

    hook = None if as_json else _stage_printer()
    try:
        result = run(
            pipeline,
            out,
            offline=offline or None,
            force=force,
            wait=wait,
            on_stage=hook,
            eurostat_dir=eurostat_dir,
            accept_row_drop=accept_row_drop,
        )
    finally:
        if hook is not None:
            hook.stop()
    _echo_result(result, as_json)
    raise typer.Exit(result.exit_code)


@app.command()
def validate(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline spec (TOML).")],
    offline: Annotated[bool, typer.Option(help="Use only cached Eurostat downloads.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
    html: Annotated[
        Path | None, typer.Option(help="Also write the offline HTML quality summary here.")
    ] = None,
    eurostat_dir: Annotated[
        Path | None,
        typer.Option("--eurostat-dir", help="Folder of local Eurostat files, as for refresh."),
    ] = None,
) -> None:
    """Check every input of a pipeline against its suite, without publishing anything.

    Also imports the function of every extra analysis ([analyses.NAME]), so that a bad
    import path shows now (exit 2). Exit 0 when no error-severity expectation fails
    (warnings are printed), 1 otherwise.
    """
    from skills.extensions import resolve_extensions
    from skills.quality import (
        ValidationReport,
        available_suites,
        render_quality_html,
        suite_for_role,
        validate_tables,
    )
    from skills.refresh import load_source, source_digests
    from skills.sources.eurostat_local import resolve_eurostat_dir
    from skills.spec import load_spec

    spec = resolve_eurostat_dir(load_spec(pipeline), eurostat_dir)
    spec, _, skipped = source_digests(spec, offline or None)
    for skip in skipped:
        typer.echo(f"warning: optional source {skip['role']} skipped: {skip['reason']}", err=True)
    resolve_extensions(spec)
    frames = {}
    sources = {}
    for role, src in spec.sources.items():
        item = load_source(spec, src, offline=offline or None)
        if suite_for_role(role) in available_suites():
            frames[role] = item.frame.collect()
            sources[role] = str(item.provenance["location"])
    report = (
        validate_tables(frames, sources=sources, nuts_version=spec.nuts_version)
        if frames
        else ValidationReport(())
    )
    if html is not None:
        html.write_text(
            render_quality_html(
                report,
                title=f"{spec.title}: input checks",
                run_id="validate",
                data_label=spec.data_label,
            ),
            encoding="utf-8",
        )
    if as_json:
        typer.echo(report.to_json())
    else:
        typer.echo(report.summary_text() or "all expectations met")
        counts = report.counts
        typer.echo(f"{len(frames)} inputs checked: {counts}")
    raise typer.Exit(0 if report.passed else 1)


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

    result = run_refresh(spec, directory / "out", offline=True, on_stage=None)
    _echo_result(result, as_json)
    raise typer.Exit(result.exit_code)


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


bench_app = typer.Typer(
    help=(
        "Scale: synthetic record-level data, streaming aggregation; 'bench run' runs the "
        "benchmark harness of a source checkout (benchmarks/run.py)."
    ),
    no_args_is_help=True,
)
app.add_typer(bench_app, name="bench")


@bench_app.command("generate")
def bench_generate(
    rows: Annotated[int, typer.Option("--rows", help="Records per file, e.g. 50000000.")],
    kind: Annotated[str, typer.Option("--kind", help="job_ads, lfs or all (default all).")] = "all",
    out: Annotated[Path, typer.Option("--out", help="Folder to write into.")] = Path(
        "benchmarks/data"
    ),
    seed: Annotated[int | None, typer.Option(help="Seed; the same seed, the same bytes.")] = None,
    encoding: Annotated[
        str, typer.Option(help="codes (integer codes, default) or strings (dictionary text).")
    ] = "codes",
    overwrite: Annotated[
        bool, typer.Option(help="Regenerate even when a matching file exists.")
    ] = False,
) -> None:
    """Write synthetic LFS person records and/or job-ad records as Parquet (synthetic data)."""
    import time

    from skills.sources.records.synthetic import DEFAULT_SEED, KINDS, generate

    kinds = KINDS if kind == "all" else (kind,)
    if any(k not in KINDS for k in kinds):
        raise typer.BadParameter(f"use one of {', '.join(KINDS)} or all", param_hint="--kind")
    if rows < 1:
        raise typer.BadParameter("must be at least 1", param_hint="--rows")
    for k in kinds:
        started = time.perf_counter()
        try:
            path = generate(
                k,
                rows,
                out,
                DEFAULT_SEED if seed is None else seed,
                encoding=encoding,
                overwrite=overwrite,
            )
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from exc
        typer.echo(
            f"{path} ({rows:,} {k} records, synthetic scale data, "
            f"{path.stat().st_size / 2**20:,.1f} MiB, {time.perf_counter() - started:.1f} s)"
        )
    if encoding == "codes":
        typer.echo(
            "codes encoding: regions, periods, statuses and education levels are small "
            "integers indexing the code lists stored in each file's 'skills.records' metadata "
            "(skills.sources.records.metadata.read_records(path) shows them as text); "
            "ISCO-08 and ISCED are "
            "numbers. --encoding strings writes the codes as text."
        )


@bench_app.command("aggregate")
def bench_aggregate(
    kind: Annotated[str, typer.Argument(help="job_ads or lfs.")],
    source: Annotated[Path, typer.Argument(help="A record-level Parquet file.")],
    out: Annotated[Path, typer.Option("--out", help="Parquet file for the panel rows.")],
    isco_digits: Annotated[
        int | None, typer.Option(help="ISCO-08 digits of the result (job_ads 3, lfs 2).")
    ] = None,
) -> None:
    """Aggregate records into the aligned panel's rows, streaming, in bounded memory."""
    import time

    from skills.sources.records import aggregate_to_parquet

    if kind not in ("job_ads", "lfs"):
        raise typer.BadParameter("use job_ads or lfs", param_hint="KIND")
    options: dict[str, object] = {} if isco_digits is None else {"isco_digits": isco_digits}
    started = time.perf_counter()
    path = aggregate_to_parquet(kind, source, out, **options)
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows = pq.ParquetFile(path).metadata.num_rows
    typer.echo(f"{path} ({rows:,} panel rows, {time.perf_counter() - started:.1f} s)")


@bench_app.command(
    "run",
    context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    add_help_option=False,
)
def bench_run(ctx: typer.Context) -> None:
    """Run the benchmark harness of a source checkout (python benchmarks/run.py ARGS).

    The harness is not installed with the package: this runs ``benchmarks/run.py`` beside
    the ``skills`` folder in use, with the same Python and arguments, and fails with exit
    code 2 when there is none (an installed wheel).
    """
    import subprocess

    from skills.errors import ConfigError

    script = Path(__file__).resolve().parents[1] / "benchmarks" / "run.py"
    if not script.is_file():
        raise ConfigError(
            f"skills bench run needs a source checkout: {script} does not exist (the "
            "benchmark harness is not part of the installed package). Clone the "
            "repository and run: python benchmarks/run.py --help"
        )
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args]))


def main(argv: list[str] | None = None) -> None:
    """Entry point: run the app and map errors to the documented exit codes."""
    from skills.errors import SkillsError

    try:
        # without standalone mode, click returns the code a command exits with
        code = app(args=argv, standalone_mode=False)
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
    sys.exit(code if isinstance(code, int) else 0)


if __name__ == "__main__":  # pragma: no cover
    main()
