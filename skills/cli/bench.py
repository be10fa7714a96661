"""``skills bench``: synthetic record-level data, streaming aggregation, and the
benchmark harness of a source checkout."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from skills.cli._app import app

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
    source: Annotated[
        str,
        typer.Argument(
            help="A record-level Parquet file; with --engine duckdb or spark also a folder "
            "of Parquet files, and with spark any URI Spark reads (hdfs://, s3a://)."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", help="Parquet file for the panel rows.")],
    isco_digits: Annotated[
        int | None, typer.Option(help="ISCO-08 digits of the result (job_ads 3, lfs 2).")
    ] = None,
    engine: Annotated[
        str,
        typer.Option(
            help="polars (default: the optimised path), duckdb or spark: the same panel "
            "rows (docs/scale.md)."
        ),
    ] = "polars",
    master: Annotated[
        str | None,
        typer.Option(
            help="Spark master (local[2], spark://host:7077, yarn, sc://host:15002); "
            "default: the spark-submit / SPARK_REMOTE session, else local[*]."
        ),
    ] = None,
) -> None:
    """Aggregate records into the aligned panel's rows, streaming, in bounded memory."""
    import time

    from skills.errors import ConfigError
    from skills.sources.records import aggregate_to_parquet
    from skills.sources.records.engines import check_engine, is_uri

    if kind not in ("job_ads", "lfs"):
        raise typer.BadParameter("use job_ads or lfs", param_hint="KIND")
    check_engine(engine)
    if master is not None and engine != "spark":
        raise ConfigError("--master is for --engine spark")
    if engine == "polars" and is_uri(source):
        raise ConfigError(f"{source}: the polars engine reads local files; use --engine spark")
    options: dict[str, object] = {} if isco_digits is None else {"isco_digits": isco_digits}
    started = time.perf_counter()
    path = aggregate_to_parquet(kind, source, out, engine=engine, master=master, **options)
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    rows = pq.ParquetFile(path).metadata.num_rows
    typer.echo(
        f"{path} ({rows:,} panel rows, engine {engine}, {time.perf_counter() - started:.1f} s)"
    )


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

    script = Path(__file__).resolve().parents[2] / "benchmarks" / "run.py"
    if not script.is_file():
        raise ConfigError(
            f"skills bench run needs a source checkout: {script} does not exist (the "
            "benchmark harness is not part of the installed package). Clone the "
            "repository and run: python benchmarks/run.py --help"
        )
    raise typer.Exit(subprocess.call([sys.executable, str(script), *ctx.args]))
