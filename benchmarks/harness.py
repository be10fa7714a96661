"""The benchmark harness behind ``python benchmarks/run.py`` (and ``skills bench run``).

Everything is timed in fresh subprocesses, several repetitions, median reported; peak
memory is the child's peak resident set size, read by the parent with ``os.wait4``.
Four comparisons, each a ratio measured in the same run:

1. ``aggregation`` - the streaming Polars aggregation (:mod:`skills.sources.records.streaming`)
   against the plain pandas version (:mod:`benchmarks.baseline`) on the same
   generated file, for job ads and LFS records at each size: wall time and peak RSS,
   and a check that both wrote the same numbers;
2. ``refresh`` - ``python -m skills.cli refresh`` of the demo workspace (fresh output
   folder each time) against ``python -c "import <the libraries the refresh
   imports>"``;
3. ``rerun`` - a second refresh into the same folder, nothing changed, against the full
   run;
4. ``help`` - ``python -m skills.cli --help`` (and the installed ``skills`` script)
   against ``python -c "import polars"``.

``end_to_end`` (optional; :mod:`benchmarks.end_to_end`) times whole processes on a job-ad
file in both encodings: ``skills bench aggregate``, DuckDB SQL, pandas and the floor (a
Polars scan that only counts the four columns' values).

``engines`` (optional; :mod:`benchmarks.end_to_end`) times the same command on the
portable path run by DuckDB and by a local Spark session (``--engine duckdb|spark``)
against the default path, DuckDB SQL and pandas, as whole processes; its peak memory is
that of the whole process tree (the command and its descendants - Spark's JVM), sampled
from ``/proc``, for every engine alike.

``variants`` (optional) times each key strategy and both file encodings, the record of
what each optimisation bought. Results go to ``<results>/<date>.json`` (merged with an
earlier run of the same day) and a Markdown summary is printed.

This folder is not part of the installed package (the wheel holds ``skills/`` only): run
it from a source checkout. Children (the workers, ``python -m skills.cli``) get this
checkout's root first on ``PYTHONPATH``, so that they measure the same code as the
harness. The module is long (~900 lines) because it is one script's worth of timing,
checking and reporting code with no other user; splitting it would only spread it out.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

__all__ = [
    "DEFAULT_ROWS",
    "SECTIONS",
    "Measured",
    "bench_aggregation",
    "bench_end_to_end",
    "bench_engines",
    "bench_help",
    "bench_profile",
    "bench_refresh",
    "bench_variants",
    "compare_outputs",
    "machine_info",
    "main",
    "measure",
    "run_benchmarks",
    "spark_missing",
    "summary_markdown",
    "wait_for_idle",
]

#: The source checkout this harness belongs to, and its one-run worker script.
ROOT: Final = Path(__file__).resolve().parents[1]
WORKER: Final = Path(__file__).resolve().with_name("worker.py")

DEFAULT_ROWS: Final[tuple[int, ...]] = (1_000_000, 10_000_000, 50_000_000)
SECTIONS: Final[tuple[str, ...]] = (
    "aggregation",
    "refresh",
    "help",
    "variants",
    "end_to_end",
    "engines",
    "profile",
)
PROFILE: Final = Path(__file__).resolve().with_name("profile.py")
#: Candidate third-party libraries of a refresh; those found imported form the baseline.
_LIBRARIES: Final[tuple[str, ...]] = (
    "polars",
    "pyarrow",
    "numpy",
    "pandas",
    "scipy",
    "statsmodels.api",
    "linearmodels",
    "great_expectations",
    "altair",
    "vl_convert",
    "fastexcel",
    "xlsxwriter",
    "typer",
    "rich",
    "jinja2",
)
_KEY: Final[tuple[str, ...]] = (
    "measure",
    "geo",
    "period",
    "isco08",
    "isced11",
    "education_level",
)
_REL_TOL: Final = 1e-12


# ----------------------------------------------------------------------------- measuring
@dataclass(frozen=True)
class Measured:
    """One subprocess run: wall seconds, peak RSS (KiB), exit code and output.

    ``maxrss_kib`` is the ``ru_maxrss`` of the command's process (``wait4``): the peak of
    the largest single process of its tree, not of the tree. ``tree_peak_kib`` (only when
    :func:`measure` samples, else ``None``) is the largest sum of the resident sets of the
    command's process and all its descendants, read from ``/proc`` every
    ``sample_seconds``, over ``tree_samples`` samples; ``max_processes`` the most processes
    seen at once; ``tail_seconds`` how long descendants outlived the command (not in
    ``seconds``).
    """

    seconds: float
    maxrss_kib: int
    returncode: int
    stdout: str
    stderr: str
    tree_peak_kib: int | None = None
    tree_samples: int = 0
    max_processes: int = 0
    tail_seconds: float = 0.0

    def json(self) -> dict[str, Any]:
        """Stdout parsed as JSON - all of it, else its last line ({} when neither is)."""
        text = self.stdout.strip()
        lines = [line for line in text.splitlines() if line.strip()]
        for candidate in (text, lines[-1] if lines else ""):
            try:
                value = json.loads(candidate)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict):
                return value
        return {}


# The launcher: a minimal Python process that spawns the command, waits for it with
# wait4 and writes its wall time and rusage as JSON. Linux carries the peak RSS of the
# address space a process had before exec() into its own ru_maxrss, so a command
# spawned straight from a big parent (this harness, after loading Polars) would report
# the parent's peak; spawned from this small launcher it reports its own (plus the ~10
# MiB of the launcher's image at most). The wall time covers the command only, not the
# launcher's start-up.
#
# With an interval > 0 it also samples the process tree: a thread reads /proc every
# interval seconds and sums the resident sets (statm) of every process below the
# launcher - the command and its descendants (a JVM that PySpark starts, say) - while the
# main thread blocks in wait4, so the wall time keeps its resolution. The launcher makes
# itself a child subreaper, so descendants orphaned by the command stay below it (and are
# counted); after the command exits it waits (up to 60 s, then SIGKILL) for them to
# exit, still sampling, so that the next measurement does not overlap them. ru_maxrss of
# RUSAGE_CHILDREN would only be the largest single process, not the sum.
_LAUNCHER: Final = """
import json, os, signal, sys, threading, time
out, timeout, interval, argv = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4:]
me, page_kib = os.getpid(), os.sysconf("SC_PAGE_SIZE") // 1024
peak, samples, most = 0, 0, 0
if interval > 0:
    import ctypes
    try:
        ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0)  # PR_SET_CHILD_SUBREAPER
    except (OSError, AttributeError):
        pass

def below():
    kids = {}
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                with open(f"/proc/{name}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rfind(b")") + 2:].split()[1])
            kids.setdefault(ppid, []).append(name)
    found, todo = [], [str(me)]
    while todo:
        for kid in kids.get(int(todo.pop()), ()):
            found.append(kid)
            todo.append(kid)
    return found

def rss_kib(pids):
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                total += int(fh.read().split()[1]) * page_kib
        except (OSError, IndexError, ValueError):
            pass
    return total

done = threading.Event()
def sample():
    global peak, samples, most
    while not done.is_set():
        pids = below()
        peak, samples, most = max(peak, rss_kib(pids)), samples + 1, max(most, len(pids))
        done.wait(interval)

start = time.perf_counter()
pid = os.posix_spawn(argv[0], argv, os.environ)
if interval > 0:
    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
if timeout > 0:
    signal.signal(signal.SIGALRM, lambda *_: os.kill(pid, signal.SIGKILL))
    signal.setitimer(signal.ITIMER_REAL, timeout)
_, status, usage = os.wait4(pid, 0)
seconds = time.perf_counter() - start
signal.setitimer(signal.ITIMER_REAL, 0)
report = {"seconds": seconds, "maxrss_kib": usage.ru_maxrss,
          "returncode": os.waitstatus_to_exitcode(status)}
if interval > 0:
    deadline = time.perf_counter() + 60
    while time.perf_counter() < deadline:
        try:
            if os.waitpid(-1, os.WNOHANG) == (0, 0):
                time.sleep(0.01)
        except ChildProcessError:
            break
    else:
        for left in below():
            try:
                os.kill(int(left), signal.SIGKILL)
            except OSError:
                pass
    done.set()
    sampler.join()
    report.update(tree_peak_kib=peak, tree_samples=samples, max_processes=most,
                  tail_seconds=time.perf_counter() - start - seconds)
with open(out, "w") as fh:
    json.dump(report, fh)
"""


def measure(
    cmd: Sequence[str],
    *,
    cwd: str | Path | None = None,
    env: dict[str, str] | None = None,
    timeout: float | None = None,
    sample_seconds: float = 0.0,
) -> Measured:
    """Run ``cmd`` (first item a path) in a fresh process: wall time and its peak RSS.

    With ``sample_seconds`` > 0 the resident sets of the process and all its descendants
    are also summed from ``/proc`` at that interval, and the largest sum is
    :attr:`Measured.tree_peak_kib` (see the launcher's comment).
    """
    program = shutil.which(cmd[0]) or cmd[0]
    with (
        tempfile.TemporaryFile() as out,
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryDirectory() as tmp,
    ):
        report = Path(tmp) / "rusage.json"
        launcher = [
            sys.executable,
            "-S",
            "-c",
            _LAUNCHER,
            str(report),
            str(timeout or 0),
            str(sample_seconds),
        ]
        done = subprocess.run(
            [*launcher, program, *cmd[1:]], check=False, cwd=cwd, env=env, stdout=out, stderr=err
        )
        out.seek(0)
        err.seek(0)
        stdout = out.read().decode(errors="replace")
        stderr = err.read().decode(errors="replace")
        if not report.exists():
            return Measured(0.0, 0, done.returncode or -1, stdout, stderr)
        usage = json.loads(report.read_text())
        return Measured(
            seconds=float(usage["seconds"]),
            maxrss_kib=int(usage["maxrss_kib"]),
            returncode=int(usage["returncode"]),
            stdout=stdout,
            stderr=stderr,
            tree_peak_kib=usage.get("tree_peak_kib"),
            tree_samples=int(usage.get("tree_samples", 0)),
            max_processes=int(usage.get("max_processes", 0)),
            tail_seconds=float(usage.get("tail_seconds", 0.0)),
        )


def _median(values: Iterable[float]) -> float | None:
    data = list(values)
    return statistics.median(data) if data else None


def _summary(runs: Sequence[Measured], inner: Sequence[dict[str, Any]] | None = None) -> dict:
    ok = [r for r in runs if r.returncode == 0]
    out: dict[str, Any] = {
        "runs": len(runs),
        "failed": len(runs) - len(ok),
        "wall_seconds": [round(r.seconds, 4) for r in runs],
        "wall_median": _round(_median(r.seconds for r in ok)),
        "maxrss_mib": [round(r.maxrss_kib / 1024, 1) for r in runs],
        "maxrss_median_mib": _round(_median(r.maxrss_kib / 1024 for r in ok), 1),
    }
    if any(r.tree_peak_kib is not None for r in runs):
        out["tree_peak_mib"] = [round((r.tree_peak_kib or 0) / 1024, 1) for r in runs]
        out["tree_peak_median_mib"] = _round(_median((r.tree_peak_kib or 0) / 1024 for r in ok), 1)
        out["tree_samples"] = [r.tree_samples for r in runs]
        out["max_processes"] = max(r.max_processes for r in runs)
        out["tail_seconds"] = [round(r.tail_seconds, 3) for r in runs]
    if inner is not None:
        good = [i for i in inner if "seconds" in i]
        out["seconds"] = [i["seconds"] for i in good]
        out["median"] = _round(_median(i["seconds"] for i in good))
        out["cpu_seconds"] = [i["cpu_seconds"] for i in good]
        out["cpu_median"] = _round(_median(i["cpu_seconds"] for i in good))
        out["import_seconds_median"] = _round(_median(i["import_seconds"] for i in good))
        out["peak_mib"] = [round(i["maxrss_kib"] / 1024, 1) for i in good]
        out["peak_median_mib"] = _round(_median(i["maxrss_kib"] / 1024 for i in good), 1)
    failures = [r.stderr.strip().splitlines()[-3:] for r in runs if r.returncode != 0]
    if failures:
        out["errors"] = failures[:2]
    return out


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def _ratio(a: float | None, b: float | None, digits: int = 3) -> float | None:
    return None if a is None or b is None or b == 0 else round(a / b, digits)


def _log(message: str) -> None:
    stamp = datetime.now(UTC).strftime("%H:%M:%S")
    print(f"[{stamp}] {message}", file=sys.stderr, flush=True)


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ----------------------------------------------------------------------------- machine
def machine_info() -> dict[str, Any]:
    """CPU model, cores, RAM, OS, versions, git commit and load, for the results file."""
    import importlib.metadata as md

    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram_gib = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                ram_gib = round(int(line.split()[1]) / 1024**2, 1)
    except OSError:
        pass
    versions: dict[str, str | None] = {"python": platform.python_version()}
    for dist in ("skills", "polars", "pandas", "pyarrow", "numpy", "duckdb", "narwhals", "pyspark"):
        try:
            versions[dist] = md.version(dist)
        except md.PackageNotFoundError:
            versions[dist] = None
    commit = _git("rev-parse", "--short", "HEAD")
    dirty = _git("status", "--porcelain")
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram_gib,
        "os": platform.platform(),
        "versions": versions,
        "git_commit": commit,
        "git_dirty": bool(dirty) if dirty is not None else None,
        "load_average_start": _load(),
    }


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], capture_output=True, text=True, check=True, timeout=10, cwd=ROOT
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()


# ----------------------------------------------------------------------------- aggregation
def compare_outputs(ours: str | Path, theirs: str | Path, kind: str) -> dict[str, Any]:
    """Compare two panel outputs: same keys, same values (counts exactly)."""
    import polars as pl

    def load(path: str | Path) -> pl.DataFrame:
        frame = pl.read_parquet(path)
        return frame.select(
            *(pl.col(k).cast(pl.String) for k in _KEY), pl.col("value").cast(pl.Float64)
        ).sort(list(_KEY), nulls_last=True)

    a, b = load(ours), load(theirs)
    result: dict[str, Any] = {"rows": [a.height, b.height]}
    if a.height != b.height or not a.select(_KEY).equals(b.select(_KEY)):
        return {**result, "same_keys": False, "same_numbers": False}
    diff = (a["value"] - b["value"]).abs()
    scale = b["value"].abs()
    rel = (diff / scale.clip(lower_bound=1e-300)).max()
    max_abs = diff.max()
    max_rel = float(rel) if isinstance(rel, int | float) else 0.0
    exact = bool((diff == 0).all())
    same = exact if kind == "job_ads" else max_rel <= _REL_TOL
    return {
        **result,
        "same_keys": True,
        "identical_values": exact,
        "values_differing": int((diff != 0).sum()),
        "max_abs_diff": float(max_abs) if isinstance(max_abs, int | float) else 0.0,
        "max_rel_diff": max_rel,
        "tolerance": "exact" if kind == "job_ads" else f"relative {_REL_TOL:g}",
        "same_numbers": same,
    }


def _worker(engine: str, kind: str, src: Path, out: Path, strategy: str = "auto") -> list[str]:
    cmd = [sys.executable, str(WORKER), engine, kind, str(src), str(out)]
    return [*cmd, "--strategy", strategy] if engine == "polars" else cmd


def bench_aggregation(
    kind: str,
    rows: int,
    *,
    data_dir: Path,
    work_dir: Path,
    reps: int = 3,
    pandas_reps: int | None = None,
    pandas_max_rows: int | None = None,
    timeout: float = 3600.0,
) -> dict[str, Any]:
    """Polars streaming vs pandas on ``rows`` generated records of ``kind``."""
    from skills.sources.records.synthetic import generate

    _log(f"generate {kind} {rows:,}")
    start = time.perf_counter()
    src = generate(kind, rows, data_dir)
    generated = time.perf_counter() - start
    work_dir.mkdir(parents=True, exist_ok=True)
    ours_out = work_dir / f"{kind}_{rows}_polars.parquet"
    theirs_out = work_dir / f"{kind}_{rows}_pandas.parquet"
    pandas_reps = reps if pandas_reps is None else pandas_reps
    run_pandas = pandas_max_rows is None or rows <= pandas_max_rows
    ours: list[Measured] = []
    theirs: list[Measured] = []
    load = [_load()]
    for rep in range(max(reps, pandas_reps if run_pandas else 0)):
        if rep < reps:
            _log(f"  polars {kind} {rows:,} rep {rep + 1}")
            ours.append(measure(_worker("polars", kind, src, ours_out), timeout=timeout))
        if run_pandas and rep < pandas_reps:
            _log(f"  pandas {kind} {rows:,} rep {rep + 1}")
            theirs.append(measure(_worker("pandas", kind, src, theirs_out), timeout=timeout))
            if theirs[-1].returncode != 0:
                _log(f"  pandas failed (exit {theirs[-1].returncode}); not repeated")
                run_pandas = False
        load.append(_load())
    ours_inner = [r.json() for r in ours]
    theirs_inner = [r.json() for r in theirs]
    result: dict[str, Any] = {
        "kind": kind,
        "rows": rows,
        "input": {"path": str(src), "bytes": src.stat().st_size},
        "generate_seconds": round(generated, 2),
        "result_rows": next((i.get("rows") for i in ours_inner if "rows" in i), None),
        "polars": _summary(ours, ours_inner),
        "pandas": _summary(theirs, theirs_inner) if theirs else None,
        "load_average": load,
    }
    if theirs and ours and theirs[-1].returncode == 0 and ours[-1].returncode == 0:
        result["check"] = compare_outputs(ours_out, theirs_out, kind)
        p, q = result["polars"], result["pandas"]
        result["speedup"] = _ratio(q["median"], p["median"], 2)
        result["speedup_wall"] = _ratio(q["wall_median"], p["wall_median"], 2)
        result["memory_ratio"] = _ratio(p["peak_median_mib"], q["peak_median_mib"])
        result["cpu_ratio"] = _ratio(q["cpu_median"], p["cpu_median"], 2)
    elif not run_pandas and not theirs:
        result["pandas_skipped"] = f"rows above --pandas-max-rows {pandas_max_rows:,}"
    for path in (ours_out, theirs_out):
        path.unlink(missing_ok=True)
    return result


def bench_variants(
    kind: str, rows: int, *, data_dir: Path, work_dir: Path, reps: int = 3
) -> dict[str, Any]:
    """Each key strategy on each file encoding: what every optimisation changed."""
    from skills.sources.records.streaming import STRATEGIES
    from skills.sources.records.synthetic import generate

    out: dict[str, Any] = {"kind": kind, "rows": rows, "runs": {}}
    work_dir.mkdir(parents=True, exist_ok=True)
    for encoding in ("strings", "codes"):
        src = generate(kind, rows, data_dir, encoding=encoding)
        for strategy in STRATEGIES:
            _log(f"variant {kind} {rows:,} {encoding} {strategy}")
            dst = work_dir / f"{kind}_{rows}_{encoding}_{strategy}.parquet"
            runs = [measure(_worker("polars", kind, src, dst, strategy)) for _ in range(reps)]
            out["runs"][f"{encoding}/{strategy}"] = _summary(runs, [r.json() for r in runs])
            dst.unlink(missing_ok=True)
    return out


# ----------------------------------------------------------------------------- end to end
def bench_end_to_end(
    rows: int,
    *,
    data_dir: Path,
    work_dir: Path,
    reps: int = 3,
    engines: Sequence[str] | None = None,
    encodings: Sequence[str] = ("strings", "codes"),
    timeout: float = 900.0,
) -> dict[str, Any]:
    """Whole processes on ``rows`` job ads, per file encoding: every engine of
    :data:`benchmarks.end_to_end.ENGINES`, repetitions interleaved, medians, and a check
    that the engines counted the same cells."""
    from benchmarks.end_to_end import ENGINES, check_counts, command
    from skills.sources.records.synthetic import generate

    chosen = list(engines or ENGINES)
    work_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"kind": "job_ads", "rows": rows, "encodings": {}}
    for encoding in encodings:
        src = generate("job_ads", rows, data_dir, encoding=encoding)
        runs: dict[str, list[Measured]] = {e: [] for e in chosen}
        outputs = {e: work_dir / f"e2e_{encoding}_{e}.parquet" for e in chosen}
        load = [_load()]
        for rep in range(reps):
            for engine in chosen:
                _log(f"end to end {rows:,} {encoding} {engine} rep {rep + 1}")
                outputs[engine].unlink(missing_ok=True)
                cmd = command(engine, src, outputs[engine], encoding)
                runs[engine].append(measure(cmd, timeout=timeout))
            load.append(_load())
        item: dict[str, Any] = {
            "input": {"path": str(src), "bytes": src.stat().st_size},
            "commands": {
                e: " ".join(
                    Path(c).name if i == 0 else c
                    for i, c in enumerate(command(e, src, outputs[e], encoding))
                )
                if e == "skills"
                else f"python -c <{e} script in benchmarks/end_to_end.py>"
                for e in chosen
            },
            "engines": {e: _summary(r) for e, r in runs.items()},
            "load_average": load,
        }
        walls = {e: s["wall_median"] for e, s in item["engines"].items()}
        if "skills" in walls:
            item["skills_speedup_over"] = {
                e: _ratio(w, walls["skills"], 2) for e, w in walls.items() if e != "skills"
            }
            item["skills_over_floor"] = _ratio(walls["skills"], walls.get("floor"), 2)
            written = {e: p for e, p in outputs.items() if e != "floor" and p.exists()}
            if "skills" in written:
                item["check"] = check_counts(written, src)
        for path in outputs.values():
            path.unlink(missing_ok=True)
        out["encodings"][encoding] = item
    return out


def spark_missing() -> str | None:
    """Why a local Spark session cannot start here (PySpark or Java missing), else None."""
    import importlib.util

    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed (pip install 'skills[spark]')"
    home = os.environ.get("JAVA_HOME")
    if not (home and (Path(home) / "bin" / "java").is_file()) and not shutil.which("java"):
        return "Java is not found (JAVA_HOME or java on the PATH)"
    return None


def _java_version() -> str | None:
    try:
        done = subprocess.run(
            ["java", "-version"], capture_output=True, text=True, check=True, timeout=30
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = (done.stderr or done.stdout).strip().splitlines()
    return lines[0] if lines else None


def bench_engines(
    rows: int,
    *,
    data_dir: Path,
    work_dir: Path,
    reps: int = 3,
    engines: Sequence[str] | None = None,
    encodings: Sequence[str] = ("strings", "codes"),
    spark_rows: Sequence[int] = (10_000_000,),
    master: str | None = None,
    sample_seconds: float = 0.05,
    timeout: float = 1800.0,
) -> dict[str, Any]:
    """Whole processes on ``rows`` job ads, per file encoding: ``skills bench aggregate``
    on its default path and on the portable one (DuckDB, Spark), DuckDB SQL and pandas.

    Repetitions are interleaved (each repetition runs every engine once, in the order of
    :data:`benchmarks.end_to_end.PORTABLE_ENGINES`); medians are reported. Every run's
    peak memory is that of its process tree, sampled every ``sample_seconds`` (see
    :func:`measure`), next to the ``ru_maxrss`` of its largest process. Ratios are wall
    times over DuckDB SQL's and over pandas' of the same run. After the timing the
    outputs are compared (:func:`benchmarks.end_to_end.check_counts`).

    Parameters
    ----------
    rows
        Job ads in the generated file (reused from ``data_dir`` when already there).
    engines
        Default: all of :data:`benchmarks.end_to_end.PORTABLE_ENGINES`.
    spark_rows
        ``skills-spark`` runs at these sizes only; it is skipped, with the reason in the
        result, when PySpark or Java is missing (:func:`spark_missing`).
    master
        Spark master of ``skills-spark`` (default :data:`benchmarks.end_to_end.MASTER`,
        ``local[2]``).
    """
    from benchmarks.end_to_end import MASTER, PORTABLE_ENGINES, check_counts, command
    from skills.sources.records.synthetic import generate

    master = master or MASTER
    chosen = list(engines or PORTABLE_ENGINES)
    skipped: dict[str, str] = {}
    if "skills-spark" in chosen:
        missing = spark_missing()
        if rows not in spark_rows:
            sizes = ", ".join(f"{n:,}" for n in spark_rows)
            skipped["skills-spark"] = (
                f"runs at {sizes} rows only (--spark-rows)"
                if sizes
                else "not run (--spark-rows is empty)"
            )
        elif missing:
            skipped["skills-spark"] = f"skipped: {missing}"
            _log(f"engines {rows:,}: skills-spark skipped: {missing}")
    chosen = [e for e in chosen if e not in skipped]
    work_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {
        "kind": "job_ads",
        "rows": rows,
        "engines": chosen,
        "skipped": skipped,
        "master": master if "skills-spark" in chosen else None,
        "java": _java_version() if "skills-spark" in chosen else None,
        "memory": (
            f"tree_peak: the largest sum of the resident sets (/proc/PID/statm) of the "
            f"process and all its descendants, sampled every {sample_seconds * 1000:.0f} ms; "
            "maxrss: ru_maxrss of the command's process (wait4): its own peak (or a "
            "descendant's it waited for, if larger), never a sum"
        ),
        "sample_seconds": sample_seconds,
        "encodings": {},
    }
    for encoding in encodings:
        src = generate("job_ads", rows, data_dir, encoding=encoding)
        runs: dict[str, list[Measured]] = {e: [] for e in chosen}
        outputs = {e: work_dir / f"engines_{encoding}_{e}.parquet" for e in chosen}
        cmds = {e: command(e, src, outputs[e], encoding, master=master) for e in chosen}
        load = [_load()]
        for rep in range(reps):
            for engine in chosen:
                _log(f"engines {rows:,} {encoding} {engine} rep {rep + 1}")
                outputs[engine].unlink(missing_ok=True)
                runs[engine].append(
                    measure(cmds[engine], timeout=timeout, sample_seconds=sample_seconds)
                )
            load.append(_load())
        summaries = {e: _summary(r) for e, r in runs.items()}
        walls = {e: s["wall_median"] for e, s in summaries.items()}
        peaks = {e: s.get("tree_peak_median_mib") for e, s in summaries.items()}
        item: dict[str, Any] = {
            "input": {"path": str(src), "bytes": src.stat().st_size},
            "commands": {
                e: " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))
                if e.startswith("skills")
                else f"python -c <{e} script in benchmarks/end_to_end.py>"
                for e, cmd in cmds.items()
            },
            "engines": summaries,
            "load_average": load,
            "wall_ratio_to_duckdb_sql": {
                e: _ratio(w, walls.get("duckdb")) for e, w in walls.items()
            },
            "wall_ratio_to_pandas": {e: _ratio(w, walls.get("pandas")) for e, w in walls.items()},
            "memory_ratio_to_duckdb_sql": {
                e: _ratio(p, peaks.get("duckdb")) for e, p in peaks.items()
            },
        }
        written = {
            e: p
            for e, p in outputs.items()
            if e != "floor" and p.exists() and runs[e] and runs[e][-1].returncode == 0
        }
        if "skills" in written:
            item["check"] = check_counts(written, src)
        for path in outputs.values():
            path.unlink(missing_ok=True)
        out["encodings"][encoding] = item
    return out


def bench_profile(
    rows: int,
    *,
    data_dir: Path,
    work_dir: Path,
    encodings: Sequence[str] = ("strings", "codes"),
) -> dict[str, Any]:
    """The phases of ``skills bench aggregate job_ads`` before (the Polars query) and after
    (the dense path), one fresh process each (:mod:`benchmarks.profile`)."""
    from skills.sources.records.synthetic import generate

    work_dir.mkdir(parents=True, exist_ok=True)
    out: dict[str, Any] = {"kind": "job_ads", "rows": rows, "encodings": {}}
    for encoding in encodings:
        src = generate("job_ads", rows, data_dir, encoding=encoding)
        item: dict[str, Any] = {}
        for path in ("polars", "dense"):
            _log(f"profile {rows:,} {encoding} {path}")
            run = measure(
                [sys.executable, str(PROFILE), path, str(src), str(work_dir / "profile.parquet")]
            )
            item[path] = {
                "wall_seconds": round(run.seconds, 4),
                "maxrss_mib": round(run.maxrss_kib / 1024, 1),
                "phases": run.json().get("phases"),
                "load_average": _load(),
            }
        out["encodings"][encoding] = item
    return out


# ----------------------------------------------------------------------------- refresh
_PROBE: Final = """
import json, sys
from skills.cli import main
libs, target = json.loads(sys.argv[1]), sys.argv[2]
sys.argv = ["skills", "refresh", *sys.argv[3:]]
try:
    main()
except SystemExit:
    pass
with open(target, "w") as fh:
    json.dump([m for m in libs if m in sys.modules], fh)
"""


def _cli(*args: str) -> list[str]:
    return [sys.executable, "-m", "skills.cli", *args]


def bench_refresh(work_dir: Path, *, reps: int = 3) -> dict[str, Any]:
    """The demo refresh against the import time of its libraries, and a no-change rerun."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    ws = work_dir / "ws"
    _log("refresh: write the demo workspace")
    written = measure(_cli("demo", str(ws), "--no-run"))
    if written.returncode != 0:
        return {"error": f"skills demo failed: {written.stderr[-500:]}"}
    spec = ws / "pipeline.toml"

    probe_file = work_dir / "imported.json"
    measure(
        [
            sys.executable,
            "-c",
            _PROBE,
            json.dumps(_LIBRARIES),
            str(probe_file),
            str(spec),
            "--out",
            str(work_dir / "probe"),
        ]
    )
    libraries = json.loads(probe_file.read_text()) if probe_file.exists() else ["polars"]
    import_cmd = [sys.executable, "-c", "import " + ", ".join(libraries)]

    full: list[Measured] = []
    imports: list[Measured] = []
    startup: list[Measured] = []
    for rep in range(reps):
        _log(f"refresh: full run {rep + 1}")
        full.append(
            measure(_cli("refresh", str(spec), "--out", str(work_dir / f"out{rep}"), "--json"))
        )
        imports.append(measure(import_cmd))
        startup.append(measure([sys.executable, "-c", "pass"]))
    reruns: list[Measured] = []
    for rep in range(max(reps, 5)):
        _log(f"refresh: no-change rerun {rep + 1}")
        reruns.append(
            measure(_cli("refresh", str(spec), "--out", str(work_dir / "out0"), "--json"))
        )
    statuses_full = [r.json().get("status") for r in full]
    statuses_rerun = [r.json().get("status") for r in reruns]
    full_s = _summary(full)
    import_s = _summary(imports)
    rerun_s = _summary(reruns)
    inner_full = [r.json().get("seconds") for r in full]
    inner_rerun = [r.json().get("seconds") for r in reruns]
    rerun_implemented = all(s == "unchanged" for s in statuses_rerun)
    stages = [
        {"stage": st.get("stage"), "status": st.get("status"), "seconds": st.get("seconds")}
        for st in (full[0].json().get("stages") or [] if full else [])
    ]
    return {
        "spec": str(spec),
        "commands": {
            "full": "python -m skills.cli refresh WS/pipeline.toml --out FRESH_DIR --json",
            "rerun": "python -m skills.cli refresh WS/pipeline.toml --out SAME_DIR --json",
            "imports": "python -c " + json.dumps(import_cmd[-1]),
        },
        "libraries": libraries,
        "full": {
            **full_s,
            "status": statuses_full,
            "reported_seconds": inner_full,
            "stages_of_first_run": stages,
        },
        "imports": import_s,
        "python_startup": _summary(startup),
        "rerun": {
            **rerun_s,
            "status": statuses_rerun,
            "reported_seconds": inner_rerun,
            "implemented": rerun_implemented,
        },
        "refresh_over_imports": _ratio(full_s["wall_median"], import_s["wall_median"], 2),
        "rerun_over_full": _ratio(rerun_s["wall_median"], full_s["wall_median"], 4),
        "load_average_end": _load(),
    }


def bench_help(*, reps: int = 7) -> dict[str, Any]:
    """``skills --help`` against ``python -c "import polars"``."""
    script = Path(sys.executable).with_name("skills")
    commands: dict[str, list[str]] = {
        "help_module": _cli("--help"),
        "import_polars": [sys.executable, "-c", "import polars"],
        "python_startup": [sys.executable, "-c", "pass"],
    }
    if script.exists():
        commands["help_script"] = [str(script), "--help"]
    runs: dict[str, list[Measured]] = {name: [] for name in commands}
    for _ in range(reps):
        for name, cmd in commands.items():
            runs[name].append(measure(cmd))
    out: dict[str, Any] = {name: _summary(r) for name, r in runs.items()}
    out["commands"] = {
        name: " ".join(Path(c).name if i == 0 else c for i, c in enumerate(cmd))
        for name, cmd in commands.items()
    }
    base = out["import_polars"]["wall_median"]
    out["help_over_import_polars"] = _ratio(out["help_module"]["wall_median"], base, 3)
    if "help_script" in out:
        out["script_over_import_polars"] = _ratio(out["help_script"]["wall_median"], base, 3)
    return out


# ----------------------------------------------------------------------------- targets
def _targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    agg = results.get("aggregation", {})
    jobs = [v for v in agg.values() if v.get("kind") == "job_ads"]
    compared = [v for v in jobs if v.get("speedup") is not None]
    if compared:
        top = max(compared, key=lambda v: v["rows"])
        largest = max(v["rows"] for v in jobs)
        note = (
            f"at {top['rows']:,} rows (largest size pandas completed)"
            if top["rows"] < largest
            else f"at {top['rows']:,} rows"
        )
        out.append(
            {
                "target": "job-ad aggregation >= 5x faster than pandas",
                "measured": top["speedup"],
                "met": top["speedup"] >= 5 and top["check"]["same_numbers"],
                "note": note,
            }
        )
        out.append(
            {
                "target": "job-ad aggregation peak RSS < 1/4 of pandas",
                "measured": top["memory_ratio"],
                "met": top["memory_ratio"] is not None and top["memory_ratio"] < 0.25,
                "note": note,
            }
        )
    for _, e2e in sorted(results.get("end_to_end", {}).items()):
        strings = e2e.get("encodings", {}).get("strings", {})
        over = strings.get("skills_speedup_over", {})
        note = f"{e2e['rows']:,} job ads, strings encoding, whole processes"
        if over.get("duckdb") is not None:
            out.append(
                {
                    "target": "skills bench aggregate >= 3x faster than DuckDB",
                    "measured": over["duckdb"],
                    "met": over["duckdb"] >= 3,
                    "note": note,
                }
            )
        if strings.get("skills_over_floor") is not None:
            out.append(
                {
                    "target": "skills bench aggregate <= 1.5x the floor",
                    "measured": strings["skills_over_floor"],
                    "met": strings["skills_over_floor"] <= 1.5,
                    "note": note,
                }
            )
    refresh = results.get("refresh", {})
    if refresh.get("refresh_over_imports") is not None:
        ratio = refresh["refresh_over_imports"]
        out.append(
            {
                "target": "demo refresh <= 2x import time of its libraries",
                "measured": ratio,
                "met": ratio <= 2,
            }
        )
    if refresh.get("rerun_over_full") is not None:
        ratio = refresh["rerun_over_full"]
        implemented = refresh["rerun"]["implemented"]
        out.append(
            {
                "target": "no-change rerun < 10% of a full run",
                "measured": ratio,
                "met": implemented and ratio < 0.10,
                "note": None if implemented else "pending: rerun did not report 'unchanged'",
            }
        )
    helps = results.get("help", {})
    if helps.get("help_over_import_polars") is not None:
        ratio = helps["help_over_import_polars"]
        out.append(
            {
                "target": "skills --help no slower than python -c 'import polars'",
                "measured": ratio,
                "met": ratio <= 1,
            }
        )
    return out


# ----------------------------------------------------------------------------- reporting
def _fmt(value: Any, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


_NAMES: Final[dict[str, str]] = {
    "skills": "skills (polars, default)",
    "skills-duckdb": "skills --engine duckdb",
    "skills-spark": "skills --engine spark",
    "duckdb": "DuckDB SQL",
    "pandas": "pandas",
    "floor": "floor",
}


def _engines_markdown(section: dict[str, Any]) -> list[str]:
    """The table of the ``engines`` section."""
    lines = [
        "| job ads | encoding | engine | wall s | peak tree MiB | process ru_maxrss MiB "
        "| × DuckDB SQL | × pandas | same counts | same panel |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    notes: list[str] = []
    memory = None
    for item in sorted(section.values(), key=lambda x: x["rows"]):
        for encoding, enc in item["encodings"].items():
            check = enc.get("check", {})
            for engine, summ in enc["engines"].items():
                mine = check.get(engine, {})
                same = mine.get("same_counts")
                frame = mine.get("same_frame")
                lines.append(
                    f"| {item['rows']:,} | {encoding} | {_NAMES.get(engine, engine)} "
                    f"| {_fmt(summ.get('wall_median'))} "
                    f"| {_fmt(summ.get('tree_peak_median_mib'), ',.0f')} "
                    f"| {_fmt(summ.get('maxrss_median_mib'), ',.0f')} "
                    f"| {_fmt(enc['wall_ratio_to_duckdb_sql'].get(engine))} "
                    f"| {_fmt(enc['wall_ratio_to_pandas'].get(engine), '.3f')} "
                    f"| {'-' if same is None else ('yes' if same else 'NO')} "
                    f"| {'-' if frame is None else ('yes' if frame else 'NO')} |"
                )
        for engine, why in item.get("skipped", {}).items():
            notes.append(f"{item['rows']:,} job ads: {_NAMES.get(engine, engine)} {why}.")
        memory = item.get("memory")
    lines += ["", f"Memory: {memory}. × = wall time over that baseline's, same run.", *notes, ""]
    return lines


def summary_markdown(results: dict[str, Any]) -> str:
    """A short Markdown summary of a results dict (the tables of BENCHMARKS.md)."""
    m = results.get("machine", {})
    v = m.get("versions", {})
    lines = [
        f"Run {results.get('date', '?')} on {m.get('cpu')} ({m.get('cores')} cores, "
        f"{m.get('ram_gib')} GiB RAM), Python {v.get('python')}, polars {v.get('polars')}, "
        f"pandas {v.get('pandas')}, pyarrow {v.get('pyarrow')}; commit "
        f"{m.get('git_commit')}{' (dirty)' if m.get('git_dirty') else ''}; load average at "
        f"start {m.get('load_average_start')}.",
        "",
    ]
    agg = results.get("aggregation", {})
    if agg:
        lines += [
            "| records | rows | groups | polars s | pandas s | speed-up | polars CPU s "
            "| pandas CPU s | polars MiB | pandas MiB | memory ratio | same numbers |",
            "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
        ]
        for item in sorted(agg.values(), key=lambda x: (x["kind"], x["rows"])):
            p, q = item["polars"], item.get("pandas") or {}
            check = item.get("check", {})
            same = check.get("same_numbers")
            same_text = "-" if same is None else ("yes" if same else "NO")
            if check.get("max_rel_diff"):
                same_text += f" (max rel. diff {check['max_rel_diff']:.1e})"
            lines.append(
                f"| {item['kind']} | {item['rows']:,} | {_fmt(item.get('result_rows'), ',')} "
                f"| {_fmt(p.get('median'))} | {_fmt(q.get('median'))} "
                f"| {_fmt(item.get('speedup'), '.1f')} | {_fmt(p.get('cpu_median'))} "
                f"| {_fmt(q.get('cpu_median'))} | {_fmt(p.get('peak_median_mib'), '.0f')} "
                f"| {_fmt(q.get('peak_median_mib'), '.0f')} "
                f"| {_fmt(item.get('memory_ratio'), '.3f')} | {same_text} |"
            )
        lines.append("")
    variants = results.get("variants", {})
    if variants:
        lines += [
            "| records | rows | file encoding / key strategy | median s | CPU s | peak MiB |",
            "|---|---:|---|---:|---:|---:|",
        ]
        for item in sorted(variants.values(), key=lambda x: (x["kind"], x["rows"])):
            for name, run in item["runs"].items():
                lines.append(
                    f"| {item['kind']} | {item['rows']:,} | {name} | {_fmt(run.get('median'))} "
                    f"| {_fmt(run.get('cpu_median'))} | {_fmt(run.get('peak_median_mib'), '.0f')} |"
                )
        lines.append("")
    e2e = results.get("end_to_end", {})
    if e2e:
        lines += [
            "| job ads | encoding | engine | wall s | peak MiB | skills faster by | same counts |",
            "|---:|---|---|---:|---:|---:|---|",
        ]
        for item in sorted(e2e.values(), key=lambda x: x["rows"]):
            for encoding, enc in item["encodings"].items():
                check = enc.get("check", {})
                for engine, summ in enc["engines"].items():
                    ratio = enc.get("skills_speedup_over", {}).get(engine)
                    same = check.get(engine, {}).get("same_counts")
                    lines.append(
                        f"| {item['rows']:,} | {encoding} | {engine} "
                        f"| {_fmt(summ.get('wall_median'))} "
                        f"| {_fmt(summ.get('maxrss_median_mib'), '.0f')} "
                        f"| {_fmt(ratio, '.2f')} "
                        f"| {'-' if same is None else ('yes' if same else 'NO')} |"
                    )
        lines.append("")
    portable = results.get("engines", {})
    if portable:
        lines += _engines_markdown(portable)
    for item in sorted(results.get("profile", {}).values(), key=lambda x: x["rows"]):
        lines += [
            f"Phases at {item['rows']:,} job ads (each phase after the imports "
            "includes those before it):",
            "",
            "| encoding | path | phase | wall s | CPU s |",
            "|---|---|---|---:|---:|",
        ]
        for encoding, paths in item["encodings"].items():
            for path, run in paths.items():
                for ph in run.get("phases") or []:
                    lines.append(
                        f"| {encoding} | {path} | {ph['phase']} | {_fmt(ph['wall'])} "
                        f"| {_fmt(ph['cpu'])} |"
                    )
        lines.append("")
    refresh = results.get("refresh", {})
    helps = results.get("help", {})
    if refresh or helps:
        lines += ["| comparison | measured | baseline | ratio |", "|---|---:|---:|---:|"]
        if refresh.get("full"):
            lines.append(
                f"| demo refresh vs `import {', '.join(refresh['libraries'])}` "
                f"| {_fmt(refresh['full']['wall_median'])} s "
                f"| {_fmt(refresh['imports']['wall_median'])} s "
                f"| {_fmt(refresh['refresh_over_imports'])} |"
            )
            lines.append(
                f"| no-change rerun vs full refresh | {_fmt(refresh['rerun']['wall_median'])} s "
                f"| {_fmt(refresh['full']['wall_median'])} s "
                f"| {_fmt(refresh['rerun_over_full'], '.3f')} |"
            )
        if helps.get("help_module"):
            lines.append(
                f"| `python -m skills.cli --help` vs `python -c 'import polars'` "
                f"| {_fmt(helps['help_module']['wall_median'], '.3f')} s "
                f"| {_fmt(helps['import_polars']['wall_median'], '.3f')} s "
                f"| {_fmt(helps['help_over_import_polars'], '.2f')} |"
            )
            if helps.get("help_script"):
                lines.append(
                    f"| `skills --help` (installed script) vs `python -c 'import polars'` "
                    f"| {_fmt(helps['help_script']['wall_median'], '.3f')} s "
                    f"| {_fmt(helps['import_polars']['wall_median'], '.3f')} s "
                    f"| {_fmt(helps['script_over_import_polars'], '.2f')} |"
                )
        lines.append("")
    targets = results.get("targets", [])
    if targets:
        lines += ["| target | measured | met |", "|---|---:|---|"]
        for t in targets:
            note = f" ({t['note']})" if t.get("note") else ""
            lines.append(
                f"| {t['target']}{note} | {_fmt(t['measured'], '.3f')} "
                f"| {'met' if t['met'] else 'MISSED'} |"
            )
        lines.append("")
    return "\n".join(lines)


# ----------------------------------------------------------------------------- driver
def wait_for_idle(max_seconds: float, threshold: float = 1.0) -> dict[str, Any]:
    """Wait (up to ``max_seconds``) for the 1-minute load average to drop below
    ``threshold``; the benchmarks share the machine, and 2 cores are quickly taken."""
    start = time.perf_counter()
    while os.getloadavg()[0] >= threshold and time.perf_counter() - start < max_seconds:
        time.sleep(5)
    waited = round(time.perf_counter() - start, 1)
    return {"waited_seconds": waited, "load_average": _load(), "threshold": threshold}


def run_benchmarks(
    rows: Sequence[int] = DEFAULT_ROWS,
    *,
    sections: Sequence[str] = ("aggregation", "refresh", "help"),
    kinds: Sequence[str] = ("job_ads", "lfs"),
    reps: int = 3,
    pandas_reps: int | None = None,
    pandas_max_rows: int | None = None,
    variant_rows: Sequence[int] = (10_000_000,),
    data_dir: str | Path = "benchmarks/data",
    results_dir: str | Path = "benchmarks/results",
    work_dir: str | Path | None = None,
    keep_data: bool = True,
    wait_idle: float = 0.0,
    engines: Sequence[str] | None = None,
    encodings: Sequence[str] = ("strings", "codes"),
    spark_rows: Sequence[int] = (10_000_000,),
    master: str | None = None,
    sample_seconds: float = 0.05,
) -> tuple[dict[str, Any], Path]:
    """Run the chosen sections and write ``<results_dir>/<date>.json``.

    Parameters
    ----------
    rows
        Record counts of the aggregation section.
    sections
        Any of :data:`SECTIONS`.
    kinds
        ``job_ads`` and/or ``lfs``.
    reps, pandas_reps
        Repetitions (medians are reported); ``pandas_reps`` defaults to ``reps``.
    pandas_max_rows
        Skip the pandas baseline above this many rows (default: always run it; a
        failure - out of memory - is recorded, not fatal).
    variant_rows
        Sizes of the ``variants`` section.
    data_dir, results_dir, work_dir
        Generated inputs (reused when already there), results, and scratch outputs
        (default: a temporary folder).
    keep_data
        Keep generated inputs (else files above 10M rows are deleted after use).
    engines
        Engines of the ``end_to_end`` and ``engines`` sections (default: all of
        :data:`benchmarks.end_to_end.ENGINES`, resp.
        :data:`benchmarks.end_to_end.PORTABLE_ENGINES`).
    encodings
        File encodings of the ``end_to_end`` and ``engines`` sections.
    spark_rows, master
        Sizes at which the ``engines`` section runs ``skills-spark``, and its Spark master
        (default ``local[2]``).
    sample_seconds
        Interval of the process-tree memory sampling of the ``engines`` section.
    wait_idle
        Seconds to wait at most, before each section, for the 1-minute load average to
        fall below 1 (0: do not wait). What was waited is recorded.

    Returns
    -------
    (dict, pathlib.Path)
        The results of this run merged into the day's file, and that file's path.
    """
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        raise ValueError(f"unknown sections {sorted(unknown)}: use {', '.join(SECTIONS)}")
    data = Path(data_dir)
    scratch = Path(work_dir) if work_dir else Path(tempfile.mkdtemp(prefix="skills-bench-"))
    now = datetime.now(UTC)
    results: dict[str, Any] = {
        "date": now.strftime("%Y-%m-%d"),
        "started": now.isoformat(timespec="seconds"),
        "command": " ".join([Path(sys.argv[0]).name, *sys.argv[1:]]),
        "machine": machine_info(),
    }
    idle: dict[str, Any] = {}

    def settle(section: str) -> None:
        if wait_idle > 0:
            _log(f"{section}: waiting for the load average to drop below 1")
            idle[section] = wait_for_idle(wait_idle)

    try:
        if "aggregation" in sections:
            settle("aggregation")
            results["aggregation"] = {}
            for n in rows:
                for kind in kinds:
                    item = bench_aggregation(
                        kind,
                        n,
                        data_dir=data,
                        work_dir=scratch / "agg",
                        reps=reps,
                        pandas_reps=pandas_reps,
                        pandas_max_rows=pandas_max_rows,
                    )
                    results["aggregation"][f"{kind}/{n}"] = item
                    if not keep_data and n > 10_000_000:
                        Path(item["input"]["path"]).unlink(missing_ok=True)
        if "variants" in sections:
            settle("variants")
            results["variants"] = {}
            for n in variant_rows:
                for kind in kinds:
                    results["variants"][f"{kind}/{n}"] = bench_variants(
                        kind, n, data_dir=data, work_dir=scratch / "variants", reps=reps
                    )
        if "end_to_end" in sections:
            settle("end_to_end")
            results["end_to_end"] = {}
            for n in rows:
                results["end_to_end"][f"job_ads/{n}"] = bench_end_to_end(
                    n,
                    data_dir=data,
                    work_dir=scratch / "e2e",
                    reps=reps,
                    engines=engines,
                    encodings=encodings,
                )
        if "engines" in sections:
            settle("engines")
            results["engines"] = {}
            for n in rows:
                results["engines"][f"job_ads/{n}"] = bench_engines(
                    n,
                    data_dir=data,
                    work_dir=scratch / "engines",
                    reps=reps,
                    engines=engines,
                    encodings=encodings,
                    spark_rows=spark_rows,
                    master=master,
                    sample_seconds=sample_seconds,
                )
        if "profile" in sections:
            settle("profile")
            results["profile"] = {}
            for n in rows:
                results["profile"][f"job_ads/{n}"] = bench_profile(
                    n, data_dir=data, work_dir=scratch / "profile"
                )
        if "refresh" in sections:
            settle("refresh")
            results["refresh"] = bench_refresh(scratch / "refresh", reps=reps)
        if "help" in sections:
            settle("help")
            results["help"] = bench_help(reps=max(reps, 7))
    finally:
        if not work_dir:
            shutil.rmtree(scratch, ignore_errors=True)
    results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
    results["machine"]["waited_for_idle"] = idle
    results["machine"]["load_average_end"] = _load()
    out_dir = Path(results_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"{results['date']}.json"
    merged = _merge(json.loads(path.read_text()) if path.exists() else {}, results)
    merged["targets"] = _targets(merged)
    path.write_text(json.dumps(merged, indent=2) + "\n", encoding="utf-8")
    return merged, path


def _merge(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """A day's results: sections of ``new`` replace those of ``old`` entry by entry."""
    out = dict(old)
    runs = list(old.get("runs", []))
    runs.append({k: new[k] for k in ("started", "finished", "command", "machine")})
    for key, value in new.items():
        if key in {"aggregation", "variants", "end_to_end", "engines", "profile"}:
            out[key] = {**old.get(key, {}), **value}
        elif key not in {"machine", "started", "finished", "command"}:
            out[key] = value
    out["machine"] = new["machine"]
    out["runs"] = runs
    return out


def _int_list(text: str) -> list[int]:
    return [int(float(x)) for x in text.replace("_", "").split(",") if x]


def use_this_checkout() -> None:
    """Put :data:`ROOT` first on ``PYTHONPATH``, for this process's children."""
    paths = [str(ROOT), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))


def main(argv: list[str] | None = None) -> int:
    """Command line of ``benchmarks/run.py``; prints the Markdown summary."""
    parser = argparse.ArgumentParser(
        prog="benchmarks/run.py",
        description="Time skills' streaming aggregations, refresh and CLI start-up.",
    )
    parser.add_argument(
        "--rows",
        type=_int_list,
        default=list(DEFAULT_ROWS),
        help="record counts, comma-separated (default 1000000,10000000,50000000)",
    )
    parser.add_argument(
        "--sections",
        default="aggregation,refresh,help",
        help=f"comma-separated, from {','.join(SECTIONS)} (default aggregation,refresh,help)",
    )
    parser.add_argument("--kinds", default="job_ads,lfs", help="job_ads,lfs (default both)")
    parser.add_argument("--reps", type=int, default=3, help="repetitions (default 3)")
    parser.add_argument("--pandas-reps", type=int, default=None, help="default: --reps")
    parser.add_argument("--pandas-max-rows", type=int, default=None)
    parser.add_argument("--variant-rows", type=_int_list, default=[10_000_000])
    parser.add_argument("--data", default="benchmarks/data", help="generated inputs")
    parser.add_argument("--results", default="benchmarks/results", help="results folder")
    parser.add_argument("--work", default=None, help="scratch folder (default: temporary)")
    parser.add_argument(
        "--delete-data", action="store_true", help="delete inputs above 10M rows after use"
    )
    parser.add_argument(
        "--wait-idle",
        type=float,
        default=0.0,
        metavar="SECONDS",
        help="before each section, wait up to SECONDS for the load average to fall below 1",
    )
    parser.add_argument(
        "--engines",
        default=None,
        help="engines of the end_to_end / engines sections, comma-separated (default all: "
        "skills,duckdb,pandas,floor / skills,skills-duckdb,skills-spark,duckdb,pandas)",
    )
    parser.add_argument(
        "--encodings",
        default="strings,codes",
        help="file encodings of the end_to_end and engines sections (default strings,codes)",
    )
    parser.add_argument(
        "--spark-rows",
        type=_int_list,
        default=[10_000_000],
        help="sizes at which the engines section runs skills-spark (default 10000000)",
    )
    parser.add_argument(
        "--master", default=None, help="Spark master of skills-spark (default local[2])"
    )
    parser.add_argument(
        "--sample-ms",
        type=float,
        default=50.0,
        help="engines section: interval of the process-tree RSS sampling (default 50)",
    )
    args = parser.parse_args(argv)
    use_this_checkout()
    results, path = run_benchmarks(
        args.rows,
        sections=[s for s in args.sections.split(",") if s],
        kinds=[k for k in args.kinds.split(",") if k],
        reps=args.reps,
        pandas_reps=args.pandas_reps,
        pandas_max_rows=args.pandas_max_rows,
        variant_rows=args.variant_rows,
        data_dir=args.data,
        results_dir=args.results,
        work_dir=args.work,
        keep_data=not args.delete_data,
        wait_idle=args.wait_idle,
        engines=[e for e in args.engines.split(",") if e] if args.engines else None,
        encodings=[e for e in args.encodings.split(",") if e],
        spark_rows=args.spark_rows,
        master=args.master,
        sample_seconds=args.sample_ms / 1000,
    )
    print(summary_markdown(results))
    print(f"results: {path}")
    return 0
