"""Where the portable aggregation runs: DuckDB in process, or Spark (local or a cluster).

:func:`scan` opens a record-level Parquet source on an engine and returns a narwhals
lazy frame over it; :mod:`skills.sources.records.portable` writes the aggregation once
on that frame. Only the aggregated cells come back to Python (through Arrow).

Engines (:data:`ENGINES`):

``polars``
    the default: the package's optimised Polars / direct-addressing path
    (:mod:`~skills.sources.records.streaming`, :mod:`~skills.sources.records.dense`),
    local files only;
``duckdb``
    an in-process DuckDB connection (``pip install 'skills[bench]'`` or ``duckdb``):
    a local file, a folder of Parquet files, or a glob (``ads/*.parquet``);
``spark``
    a Spark session (``pip install 'skills[spark]'``): any location Spark reads -
    a local path, ``hdfs://``, ``s3a://`` through the cluster's configuration.

How the Spark session is found (:func:`spark_session`), first match wins:

1. ``master`` given (spec key ``master``, ``--master``): ``local[N]``/``spark://...``/
   ``yarn``/``k8s://...`` builds a classic session; ``sc://host:port`` a Spark Connect
   session;
2. an active session (a notebook), or the session of ``spark-submit`` when the command
   runs under it (its master and configuration apply);
3. ``SPARK_REMOTE`` set: a Spark Connect session to it;
4. otherwise ``local[*]`` on this machine.

A local session binds to the loopback interface only (``spark.driver.host`` and
``spark.driver.bindAddress`` ``127.0.0.1``, ``SPARK_LOCAL_IP`` defaulted to it) and has
no web UI and no console progress bar (the output of a scheduled job stays readable).

Errors: PySpark, Java (for a classic session) or DuckDB missing is a
:class:`~skills.errors.ConfigError` (exit code 2) that says what to install; a source the
engine cannot read or whose values do not convert is an
:class:`~skills.errors.InputError` (exit code 1); a session that does not start, a
cluster that cannot be reached or a job that dies is an :class:`EngineError` (exit
code 3: the run may succeed later).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from skills.errors import ConfigError, InputError, SkillsError

if TYPE_CHECKING:
    import narwhals as nw

__all__ = [
    "ENGINES",
    "LOOPBACK",
    "EngineError",
    "check_engine",
    "count_records",
    "engine_fault",
    "is_uri",
    "location_digest",
    "scan",
    "spark_session",
]

#: The engines of ``engine =`` (spec) and ``--engine`` (``skills bench aggregate``).
ENGINES: Final[tuple[str, ...]] = ("polars", "duckdb", "spark")
#: The address a local Spark session binds to.
LOOPBACK: Final = "127.0.0.1"


class EngineError(SkillsError):
    """The engine failed for a reason that is not the data: a Spark session or cluster
    that cannot be reached, a job that dies. Exit code 3 (a fault): the run may succeed
    later; nothing is published."""

    exit_code = 3


#: Exception class names of the engines that mean "this input is wrong" (an unreadable
#: or inconsistent file, a value that does not convert): an InputError, exit code 1.
#: Anything else an engine raises is an EngineError (exit code 3).
_INPUT_FAULTS: Final = frozenset(
    {
        # DuckDB
        "IOException",
        "InvalidInputException",
        "ConversionException",
        "BinderException",
        "OutOfRangeException",
        # PySpark (classic and Connect)
        "AnalysisException",
        "NumberFormatException",
        "ArithmeticException",
        "IllegalArgumentException",
        "SparkUpgradeException",
        # Polars
        "ComputeError",
        "InvalidOperationError",
        "SchemaError",
        "ColumnNotFoundError",
    }
)


def engine_fault(exc: BaseException, source: str | Path, doing: str) -> SkillsError:
    """The package's error for an exception an engine raised while ``doing`` something
    with ``source``: an :class:`InputError` when it is about the data, else an
    :class:`EngineError`."""
    text = str(exc).strip()
    reason = text.splitlines()[0] if text else type(exc).__name__
    names = {cls.__name__ for cls in type(exc).__mro__}
    if names & _INPUT_FAULTS or isinstance(exc, OSError):
        return InputError(source, f"{doing} ({reason})")
    return EngineError(f"{source}: the engine failed: {doing} ({type(exc).__name__}: {reason})")


def check_engine(engine: str) -> str:
    """``engine`` if it is one of :data:`ENGINES`, else a :class:`ConfigError`."""
    if engine not in ENGINES:
        raise ConfigError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    return engine


def is_uri(location: str | Path) -> bool:
    """True for ``scheme://...`` locations (``s3a://``, ``hdfs://``, ``file://``)."""
    return "://" in str(location)


def _java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return True
    return shutil.which("java") is not None


def spark_session(master: str | None = None) -> Any:
    """The Spark session the aggregation runs in (see the module docstring for the order).

    Raises
    ------
    skills.errors.ConfigError
        PySpark is not installed, or Java is not found for a classic session, or the
        session cannot start (the reason is given).
    """
    import warnings

    # PySpark 4.3 warns that pandas 3 is not fully supported; the package hands Spark no
    # pandas objects (the cells come back through Arrow), so the warning is noise here
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigError(
            "engine 'spark' needs PySpark: pip install 'skills[spark]' (PySpark 4, with "
            "Java 17 or 21 for a local or classic session)"
        ) from exc
    remote = master if master and master.startswith("sc://") else None
    if master is None:
        active = SparkSession.getActiveSession()
        if active is not None:
            return active
        if os.environ.get("PYSPARK_GATEWAY_PORT"):
            # started by spark-submit: its master and configuration apply
            return SparkSession.builder.appName("skills").getOrCreate()
        remote = os.environ.get("SPARK_REMOTE") or None
        master = None if remote else "local[*]"
    try:
        if remote:
            return SparkSession.builder.remote(remote).appName("skills").getOrCreate()
        if not _java_available():
            raise ConfigError(
                "engine 'spark' needs Java 17 or 21 for a classic Spark session: set "
                "JAVA_HOME or put java on the PATH (Debian: apt-get install "
                "openjdk-17-jre-headless), or give a Spark Connect master (sc://host:15002)"
            )
        assert master is not None
        builder = SparkSession.builder.master(master).appName("skills")
        if master.startswith("local"):
            os.environ.setdefault("SPARK_LOCAL_IP", LOOPBACK)
            builder = (
                builder.config("spark.driver.host", LOOPBACK)
                .config("spark.driver.bindAddress", LOOPBACK)
                .config("spark.ui.enabled", "false")
                .config("spark.ui.showConsoleProgress", "false")
            )
        return builder.getOrCreate()
    except ConfigError:
        raise
    except Exception as exc:  # PySparkRuntimeError (JAVA_GATEWAY_EXITED), connect errors
        raise EngineError(
            f"engine 'spark': the Spark session did not start (master {master or remote}: {exc})"
        ) from exc


def _duckdb_location(source: str | Path) -> str:
    path = Path(source)
    if path.is_dir():
        return str(path / "**" / "*.parquet")
    return str(source)


def scan(source: str | Path, engine: str, *, master: str | None = None) -> nw.LazyFrame[Any]:
    """A narwhals lazy frame over the Parquet ``source`` on ``engine`` (nothing read yet
    but the schema).

    ``polars`` here is a plain ``scan_parquet`` (used to run the portable query on Polars
    in the parity tests); the package's default Polars path does not come through here.

    Raises
    ------
    skills.errors.InputError
        The source does not exist or is not readable Parquet (the engine's reason given).
    skills.errors.ConfigError
        The engine is unknown or not installed.
    """
    import narwhals as nw

    check_engine(engine)
    if not is_uri(source) and not Path(source).exists():
        raise InputError(source, "no such Parquet file or folder")
    try:
        if engine == "polars":
            import polars as pl

            native: Any = pl.scan_parquet(source)
            native.collect_schema()
        elif engine == "duckdb":
            try:
                import duckdb
            except ImportError as exc:
                raise ConfigError(
                    "engine 'duckdb' needs DuckDB: pip install 'skills[bench]' (or duckdb)"
                ) from exc
            native = duckdb.connect().read_parquet(_duckdb_location(source))
        else:
            native = spark_session(master).read.parquet(str(source))
    except SkillsError:
        raise
    except Exception as exc:  # each engine has its own I/O and analysis exceptions
        raise engine_fault(exc, source, "not a readable Parquet source") from exc
    lazy: nw.LazyFrame[Any] = nw.from_native(native)
    return lazy


def location_digest(location: str | Path, *, master: str | None = None) -> tuple[str, int, int]:
    """A SHA-256 fingerprint of a record-level source, its bytes and its files.

    A file: the SHA-256 of its bytes. A folder: the SHA-256 of the sorted list of its
    ``.parquet`` files' relative names and SHA-256 digests. A URI (read by Spark): the
    SHA-256 of the sorted listing of its files' paths, sizes and modification times as
    Spark reports them (the ``_metadata`` column): a rewritten or added file changes it,
    but the bytes themselves are not read.
    """
    import hashlib

    from skills._fileio import file_sha256

    if not is_uri(location):
        path = Path(location)
        if path.is_file():
            return file_sha256(path), path.stat().st_size, 1
        files = sorted(path.rglob("*.parquet"))
        listing = "\n".join(f"{f.relative_to(path).as_posix()}\t{file_sha256(f)}" for f in files)
        size = sum(f.stat().st_size for f in files)
        return hashlib.sha256(listing.encode()).hexdigest(), size, len(files)
    frame = spark_session(master).read.parquet(str(location))
    try:
        rows = (
            frame.select(
                "_metadata.file_path", "_metadata.file_size", "_metadata.file_modification_time"
            )
            .distinct()
            .collect()
        )
    except Exception as exc:
        raise engine_fault(exc, location, "Spark could not list its files") from exc
    entries = sorted(f"{r[0]}\t{r[1]}\t{r[2].isoformat()}" for r in rows)
    digest = hashlib.sha256("\n".join(entries).encode()).hexdigest()
    return digest, sum(int(r[1]) for r in rows), len(rows)


def count_records(location: str | Path, engine: str, *, master: str | None = None) -> int:
    """The number of records (rows) of a source, counted by ``engine``."""
    import narwhals as nw

    if engine == "polars":
        import polars as pl

        return int(pl.scan_parquet(location).select(pl.len()).collect().item())
    counted = scan(location, engine, master=master).select(nw.len()).collect("polars")
    return int(counted.item())
