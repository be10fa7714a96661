"""The refresh: resolve a pipeline spec, load and check its sources, build, check, publish.

``refresh(spec, out_dir)`` is what ``skills refresh PIPELINE.toml --out DIR`` runs:

1. validate the spec (:func:`skills.spec.load_spec`) - configuration errors exit 2;
2. take the folder's lock (:mod:`skills.lock`) - a second run waits or exits 4;
3. fingerprint the run: spec, code, and every input's digest (Eurostat datasets are
   revalidated through the cache first). If ``DIR/latest`` was built from the same
   fingerprint, stop: nothing to do (exit 0), unless ``force``;
4. load every source and check it: structure in Polars, values with its suite
   (:mod:`skills.quality`); a failure stops the run (exit 1);
5. align the panel, compute the indicators and run the analyses (:mod:`skills.analyses`),
   then the spec's extra analyses (``[analyses.<name>]``, :mod:`skills.extensions`);
6. check every output table with its suite; a failure stops the run (exit 1);
7. publish atomically (:mod:`skills.publish`): files, quality summary, report and, last,
   the manifest, in a temporary folder that is then renamed into ``runs/`` before
   ``latest`` is switched.

Stages 4-6 are the build (:func:`skills.build.build`): sources are loaded by
:mod:`skills.loading`, and every stage is declared with the upstream stages, spec fields
and options it reads and run by :func:`skills.stages.run_stages`; each is cached under a
key derived from its declaration (:mod:`skills.stagecache`), so a changed input or spec
option reruns exactly the stages that read it and their downstream. A failed run writes
its report to ``DIR/failures/<run_id>/`` and leaves ``DIR/latest`` untouched; a killed run
leaves only temporary files, which the next run removes.
"""

from __future__ import annotations

import errno
import logging
import shutil
import signal
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

from skills import __version__
from skills._fileio import file_sha256
from skills._killpoints import checkpoint
from skills.build import Build, build
from skills.errors import (
    OutputDirError,
    SkillsError,
    TerminatedError,
)
from skills.extensions import (
    Extension,
    resolve_extensions,
)
from skills.loading import LoadedSource, load_source, source_digests
from skills.lock import RefreshLock
from skills.manifest import Manifest, PackageInfo, PipelineInfo, describe_outputs
from skills.publish import (
    check_layout,
    foreign_entries,
    latest_run,
    new_run_dir,
    promote,
    prune_runs,
    read_manifest,
    write_table,
)
from skills.rowcounts import check_row_counts
from skills.runresult import RunResult, RunTrace, new_run_id
from skills.sources.eurostat_local import resolve_eurostat_dir
from skills.spec import PipelineSpec, load_spec
from skills.stagecache import StageCache, code_fingerprint, digest
from skills.stages import StageHook, emit

__all__ = [
    "Build",
    "LoadedSource",
    "RunResult",
    "RunTrace",
    "TerminatedError",
    "build",
    "load_source",
    "refresh",
]

log = logging.getLogger("skills.refresh")


# ------------------------------------------------------------------------- the run


@contextmanager
def _sigterm_as_exception() -> Iterator[None]:
    """Turn SIGTERM into an exception so that cleanup runs (Python's default just exits)."""

    def handler(signum: int, frame: FrameType | None) -> None:
        raise TerminatedError("terminated by SIGTERM: nothing published, latest unchanged")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals alone
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def run_fingerprint(
    spec: PipelineSpec,
    digests: Mapping[str, tuple[str, Any]],
    extensions: Sequence[Extension] = (),
) -> str:
    """What a publication is a function of: spec, code (the package's and the extra
    analyses'), inputs and crosswalk."""
    crosswalk = file_sha256(spec.crosswalk_path) if spec.crosswalk_path else spec.crosswalk
    parts: list[Any] = [
        spec.sha256,
        code_fingerprint(),
        sorted((role, sha) for role, (sha, _) in digests.items()),
        crosswalk,
    ]
    if extensions:
        parts.append([(e.name, e.path, e.code_sha256) for e in extensions])
    return digest(*parts)


def _write_failure(out: Path, run_id: str, spec: PipelineSpec | None, exc: BaseException) -> Path:
    """Write what went wrong beside the publications, for the operator."""
    folder = out / "failures" / run_id
    folder.mkdir(parents=True, exist_ok=True)
    text = f"{type(exc).__name__}: {exc}\n"
    details = getattr(exc, "details", None)
    if isinstance(details, str) and details:
        text += f"\n{details}"
    (folder / "error.txt").write_text(text, encoding="utf-8")
    report = getattr(exc, "report", None)
    if report is not None:
        from skills.quality import render_quality_html

        (folder / "quality.json").write_text(report.to_json(), encoding="utf-8")
        title = f"{spec.title if spec else 'refresh'}: run {run_id} FAILED"
        (folder / "quality.html").write_text(
            render_quality_html(
                report, title=title, run_id=run_id, data_label=spec.data_label if spec else None
            ),
            encoding="utf-8",
        )
    return folder


#: ``errno`` values that mean the output folder's file system refuses the write.
_ENVIRONMENT_ERRNOS = {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM}


@contextmanager
def _environment_faults(out: Path) -> Iterator[None]:
    """Turn a refused write in ``out`` (full, read-only, no permission) into exit code 5."""
    try:
        yield
    except OSError as exc:
        if isinstance(exc, SkillsError) or exc.errno not in _ENVIRONMENT_ERRNOS:
            raise
        where = Path(exc.filename) if exc.filename else out
        try:
            inside = where.resolve().is_relative_to(out.resolve())
        except OSError:
            inside = False
        if not inside and exc.errno in {errno.EACCES, errno.EPERM}:
            raise  # an input the run cannot read: not the output folder's fault
        what = {
            errno.ENOSPC: "the file system is full",
            errno.EDQUOT: "the disk quota is exceeded",
            errno.EROFS: "the file system is read-only",
        }.get(exc.errno, "permission denied (the output folder is not writable by this user)")
        raise OutputDirError(
            where,
            f"{what} ({exc.strerror}); nothing published, {out / 'latest'} unchanged. "
            "Free space or fix the permissions and rerun",
        ) from exc


def refresh(
    spec_path: str | Path,
    out_dir: str | Path,
    *,
    offline: bool | None = None,
    force: bool = False,
    wait: float = 0.0,
    validate: bool = True,
    report: bool = True,
    on_stage: StageHook | None = None,
    eurostat_dir: str | Path | None = None,
    accept_row_drop: bool = False,
    trace: RunTrace | None = None,
) -> RunResult:
    """Run a pipeline spec and publish into ``out_dir`` (``out_dir/latest``).

    Parameters
    ----------
    spec_path, out_dir
        The pipeline spec and the output folder.
    offline
        Use only cached Eurostat downloads.
    force
        Rebuild even when nothing changed since the last publication (ignores the stage
        cache too).
    wait
        Seconds to wait for another refresh of the same folder to finish.
    validate
        Run the quality suites (always on in production; tests may switch it off).
    report
        Build ``report.html`` and the chart files into the publication (the formats are
        the spec's ``[outputs] report_formats``, the languages its ``[outputs] languages``,
        recorded in the manifest's ``pipeline.languages``; ``[outputs] report = false``
        skips it).
    eurostat_dir
        A folder of local Eurostat files read before the API cache for every
        ``eurostat = "<code>"`` source (``--eurostat-dir``; overrides the spec's
        ``[pipeline] eurostat_dir``; see :mod:`skills.sources.eurostat_local`).
    accept_row_drop
        Publish even when an input or a table has lost more than
        :data:`MAX_ROW_DROP` of the rows of the previous publication (see
        :func:`check_row_counts`); the drop is recorded in the manifest.
    trace
        Filled in as the run goes (run id, stages finished, failure folder), so that a
        caller can summarise a run that raised (``skills refresh --json``).

    Raises
    ------
    skills.errors.ConfigError
        Bad spec or options (exit code 2).
    skills.errors.InputError, skills.errors.QualityError
        An input or an output failed its checks (exit code 1); nothing is published and
        the report is in ``out_dir/failures/<run_id>/``.
    skills.lock.LockedError
        Another refresh holds the folder (exit code 4).
    """
    t0 = time.perf_counter()
    started = datetime.now(UTC)
    trace = trace if trace is not None else RunTrace()
    trace.out_dir = Path(out_dir)
    spec = resolve_eurostat_dir(
        load_spec(spec_path), Path(eurostat_dir) if eurostat_dir is not None else None
    )
    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        raise OutputDirError(
            out, "--out names an existing file, not a folder: give the output folder"
        )
    run_id = new_run_id(started)
    trace.run_id = run_id
    with _environment_faults(out):
        out.mkdir(parents=True, exist_ok=True)
        return _refresh_locked(
            spec,
            out,
            run_id=run_id,
            started=started,
            t0=t0,
            offline=offline,
            force=force,
            wait=wait,
            validate=validate,
            report=report,
            on_stage=on_stage,
            accept_row_drop=accept_row_drop,
            trace=trace,
        )


def _refresh_locked(
    spec: PipelineSpec,
    out: Path,
    *,
    run_id: str,
    started: datetime,
    t0: float,
    offline: bool | None,
    force: bool,
    wait: float,
    validate: bool,
    report: bool,
    on_stage: StageHook | None,
    accept_row_drop: bool,
    trace: RunTrace,
) -> RunResult:
    """The run under the output folder's lock (see :func:`refresh`).

    Records in ``trace`` the seconds of the fingerprint, publish and report steps (the
    build records its own stages in the stage cache's events, which ``trace`` shares).
    """
    with RefreshLock(out, timeout=wait), _sigterm_as_exception():
        check_layout(out)  # latest a real folder, or a damaged manifest: refuse, no work
        was_latest = latest_run(out)
        protect = (was_latest.name,) if was_latest is not None else ()
        prune_runs(out, spec.keep_runs, protect=protect)  # and what killed runs left
        cache = StageCache(out / ".cache" / "stages", enabled=not force)
        trace.build_stages = cache.events  # shared: grows as the build stages finish
        on_stage = trace.hook(on_stage)
        try:
            emit(on_stage, "fingerprint", "running")
            step = time.perf_counter()
            extensions = resolve_extensions(spec)
            spec, digests, skipped = source_digests(spec, offline)
            fingerprint = run_fingerprint(spec, digests, extensions)
            trace.step("fingerprint", "ran", time.perf_counter() - step)
            current = latest_run(out)
            if current is not None and not force:
                previous = read_manifest(current)
                if previous.get("fingerprint") == fingerprint:
                    seconds = time.perf_counter() - t0
                    return RunResult(
                        status="unchanged",
                        exit_code=0,
                        run_id=previous["run_id"],
                        out_dir=out,
                        publication=current,
                        seconds=seconds,
                        manifest=previous,
                        steps=list(trace.steps),
                        message=(
                            f"nothing changed since run {previous['run_id']} "
                            f"({out / 'latest'}); use --force to rebuild"
                        ),
                    )
            result = build(
                spec,
                offline=offline,
                cache=cache,
                digests=digests,
                validate=validate,
                on_stage=on_stage,
                extensions=extensions,
            )
            result = replace(result, skipped_sources=skipped)
            row_check = check_row_counts(
                spec,
                result,
                read_manifest(current) if current is not None else None,
                accept=accept_row_drop,
            )
            emit(on_stage, "publish", "running")
            step = time.perf_counter()
            timings: dict[str, float] = {}
            final, manifest = _publish(
                out,
                run_id=run_id,
                started=started,
                spec=spec,
                result=result,
                fingerprint=fingerprint,
                report=report,
                row_check=row_check,
                timings=timings,
            )
            publish_seconds = time.perf_counter() - step - timings.get("report", 0.0)
            trace.step("publish", "ran", publish_seconds)
            trace.step(
                "report", "ran" if "report" in timings else "skipped", timings.get("report", 0.0)
            )
        except SkillsError as exc:
            trace.stop()
            try:
                folder = _write_failure(out, run_id, spec, exc)
            except OSError:  # a full or read-only disk: the error itself matters more
                raise exc from None
            trace.failure_dir = folder
            exc.args = (f"{exc}\n(report: {folder})",)
            raise
        except BaseException:
            trace.stop()
            shutil.rmtree(out / "runs" / f".tmp-{run_id}", ignore_errors=True)
            raise
        prune_runs(out, spec.keep_runs, protect=protect)
        # keep the cache entries this run used (a forced run used none: keep them all)
        if not force:
            cache.prune(cache.used)
        foreign = foreign_entries(out)
    label = f" ({spec.data_label})" if spec.data_label else ""
    # "table: expectation ...": the CLI prefixes "warning: ", so drop the line's "WARNING "
    warnings = (
        [o.line().removeprefix("WARNING ") for o in result.validation.warnings()]
        if result.validation
        else []
    )
    warnings += cache.warnings
    warnings += [
        f"{path}: not made by skills (not in publications.jsonl): left alone, never pruned"
        for path in foreign
    ]
    for line in cache.warnings:
        log.warning("%s", line)
    return RunResult(
        status="published",
        exit_code=0,
        run_id=run_id,
        out_dir=out,
        publication=final,
        message=f"published run {run_id} to {out / 'latest'}{label}",
        manifest=manifest,
        seconds=time.perf_counter() - t0,
        stages=result.stages,
        warnings=warnings,
        steps=list(trace.steps),
    )


def _publish(
    out: Path,
    *,
    run_id: str,
    started: datetime,
    spec: PipelineSpec,
    result: Build,
    fingerprint: str,
    report: bool,
    row_check: Mapping[str, Any] | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Path, dict[str, Any]]:
    tmp = new_run_dir(out, run_id)
    try:
        metadata = {"skills.run_id": run_id, "skills.version": __version__}
        if spec.data_label:
            metadata["skills.data_label"] = spec.data_label
        for name, frame in result.tables.items():
            write_table(frame, tmp / f"{name}.parquet", metadata=metadata)
        if result.validation is not None:
            from skills.quality import render_quality_html

            (tmp / "quality.json").write_text(result.validation.to_json(), encoding="utf-8")
            (tmp / "quality.html").write_text(
                render_quality_html(
                    result.validation, title=spec.title, run_id=run_id, data_label=spec.data_label
                ),
                encoding="utf-8",
            )
        manifest = Manifest(
            run_id=run_id,
            started=started.isoformat(),
            package=PackageInfo("skills", __version__, code_fingerprint()),
            fingerprint=fingerprint,
            pipeline=PipelineInfo.of(spec),
            data_label=spec.data_label,
            inputs=result.inputs,
            skipped_sources=result.skipped_sources,
            crosswalks=result.crosswalks,
            analyses=result.analyses,
            extensions=result.extensions,
            stages=result.stages,
            validation=result.validation.per_suite() if result.validation else [],
            row_counts=dict(row_check) if row_check is not None else None,
        )
        if report and spec.report_formats:
            manifest.write(tmp)  # the report reads it; rewritten below
            checkpoint("publish:report")
            step = time.perf_counter()
            _build_report(tmp, spec.report_formats, spec.languages)
            if timings is not None:  # the run's "report" step (RunTrace)
                timings["report"] = time.perf_counter() - step
        manifest = replace(
            manifest, finished=datetime.now(UTC).isoformat(), outputs=describe_outputs(tmp)
        )
        checkpoint("publish:manifest")
        manifest.write(tmp)
        return promote(out, tmp, run_id), manifest.to_dict()
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _build_report(folder: Path, formats: tuple[str, ...], languages: tuple[str, ...]) -> None:
    from skills.report import build_report

    build_report(folder, formats=formats, languages=languages)
