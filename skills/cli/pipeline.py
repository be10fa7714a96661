"""``skills refresh``, ``skills validate`` and ``skills demo``: run a pipeline, check its
inputs, write and run the synthetic demo workspace."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

import typer

from skills.cli._app import app
from skills.cli._common import _echo_result, _emit_json, _progress, _summary
from skills.errors import error_summary


def _run_refresh(spec: Path, out: Path, *, as_json: bool, **options: Any) -> None:
    """Run :func:`skills.refresh.refresh` for a command and print its outcome; with
    ``as_json``, a run that raises still prints its summary (then the error propagates
    to :func:`main`, which prints it on stderr and exits with its code)."""
    from skills.refresh import RunTrace
    from skills.refresh import refresh as run

    trace = RunTrace()
    try:
        with _progress(not as_json) as hook:
            result = run(spec, out, on_stage=hook, trace=trace, **options)
    except BaseException as exc:
        if as_json:
            code = error_summary(exc)["exit_code"]
            _emit_json(_summary(code, error=exc, trace=trace))
        raise
    _echo_result(result, as_json)
    raise typer.Exit(result.exit_code)


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
        bool,
        typer.Option(
            "--json",
            help="Print one JSON summary object on stdout whatever the outcome (status, "
            "exit_code, error, run_id, paths, stages with seconds); logs stay on stderr.",
        ),
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
    _run_refresh(
        pipeline,
        out,
        as_json=as_json,
        offline=offline or None,
        force=force,
        wait=wait,
        eurostat_dir=eurostat_dir,
        accept_row_drop=accept_row_drop,
    )


@app.command()
def validate(
    pipeline: Annotated[Path, typer.Argument(help="The pipeline spec (TOML).")],
    offline: Annotated[bool, typer.Option(help="Use only cached Eurostat downloads.")] = False,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print one JSON object (status, exit_code, error, report) on stdout."
        ),
    ] = False,
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
    from skills.loading import load_source, source_digests
    from skills.quality import (
        ValidationReport,
        available_suites,
        render_quality_html,
        suite_for_role,
        validate_tables,
    )
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
    code = 0 if report.passed else 1
    if as_json:
        _emit_json(
            {
                "status": "passed" if report.passed else "failed",
                "exit_code": code,
                "error": None,
                "inputs": sources,
                "skipped_sources": skipped,
                "report": report.to_dict(),
            }
        )
    else:
        typer.echo(validation_text(report, sources))
    raise typer.Exit(code)


def validation_text(report: Any, sources: Mapping[str, str]) -> str:
    """A readable validation report: one line per input (rows, expectations, outcome),
    then each failed expectation (errors first), then the totals.

    Parameters
    ----------
    report
        A :class:`skills.quality.ValidationReport`.
    sources
        Role -> where the input was read from (shown after the role).
    """
    entries = report.per_suite()
    if not entries:
        return "no input has a quality suite: nothing checked"
    width = max(len(str(e["table"])) for e in entries)
    lines = ["inputs:"]
    for e in entries:
        outcome = "passed" if e["passed"] else f"FAILED ({e['errors']} errors)"
        if e["warnings"]:
            outcome += f", {e['warnings']} warnings"
        rows = f"{e['rows']:,} rows" if isinstance(e["rows"], int) else "rows unknown"
        where = sources.get(str(e["table"])) or e.get("source") or ""
        lines.append(
            f"  {str(e['table']).ljust(width)}  {rows}, {e['evaluated']} expectations: "
            f"{outcome}" + (f"  ({where})" if where else "")
        )
    failures = [*report.errors(), *report.warnings()]
    if failures:
        lines.append("problems:")
        lines += [f"  {o.line()}" for o in failures]
    c = report.counts
    verdict = "passed" if report.passed else "FAILED"
    lines.append(
        f"{verdict}: {len(entries)} inputs, {c['evaluated']} expectations, "
        f"{c['errors']} errors, {c['warnings']} warnings, {c['skipped']} skipped"
    )
    return "\n".join(lines)


@app.command()
def demo(
    directory: Annotated[Path, typer.Argument(help="Folder to write the demo workspace into.")],
    run: Annotated[bool, typer.Option(help="Also run the demo pipeline into DIR/out.")] = True,
    seed: Annotated[int, typer.Option(help="Seed of the synthetic generator.")] = 20_240_601,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print one JSON summary object on stdout, as refresh."),
    ] = False,
) -> None:
    """Write the synthetic Piedmont demo workspace (synthetic demo data) and run it."""
    from skills.demo import write_demo

    spec = write_demo(directory, seed=seed)
    if not as_json:
        typer.echo(f"wrote synthetic demo workspace: {spec}")
    if not run:
        return
    _run_refresh(spec, directory / "out", as_json=as_json, offline=True)
