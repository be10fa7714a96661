"""Record-level sources: job-ad records and labour-force person records, in Parquet.

Tens of millions of rows are aggregated to the aligned panel's rows in one streaming
Polars query (projection and predicate pushdown into the scan, nothing collected before
the group-by, bounded memory); the query itself is :mod:`skills.sources.records.streaming`,
where its design is documented (measurements: ``BENCHMARKS.md``).

Job ads (role ``job_ads``), one row per advertisement:

===============  ==================================================================
column           content
===============  ==================================================================
posted_on        posting date (Date or Datetime)
geo_nuts3        province, NUTS 3 code (``ITC11``), as text or as an index into the
                 code list in the file's metadata
                 (:mod:`skills.sources.records.metadata`)
isco08           ISCO-08 unit group, 4 digits (``2512``; text, or a number: ``110``
                 is ``0110``)
education_level  education asked (Excelsior levels, ``docs/schemas.md``); null = not
                 stated, published as ``UNK``
===============  ==================================================================

Labour-force person records (role ``lfs_microdata``), one row per person and quarter:
``geo_nuts2``, ``period`` (``2023-Q1``), ``status`` (``employed``, ``unemployed``,
``inactive``), ``isco08`` (4 digits, null when none), ``isced11`` (``ED0`` ... ``ED8``,
or the level number), ``weight`` (persons represented).

Other columns are not read. ``skills bench generate`` writes synthetic files of both
kinds.

The package:

* :mod:`~skills.sources.records.streaming` - the streaming aggregations;
* :mod:`~skills.sources.records.metadata` - a file's metadata and code lists;
* :mod:`~skills.sources.records.dense` - job ads counted by direct addressing, the fast
  end-to-end path of :func:`aggregate_to_parquet` (no Polars);
* :mod:`~skills.sources.records.codes` - the default code lists (no Polars);
* :mod:`~skills.sources.records.synthetic` - the synthetic data generator;
* :mod:`~skills.sources.records.portable` - both aggregations written once on narwhals,
  for other engines, and :mod:`~skills.sources.records.engines` - DuckDB and Spark
  sessions (``engine = "duckdb" | "spark"``; ``docs/scale.md``).

Polars is imported when a reader runs, not with the package, so that the benchmark's
pandas worker can import the code lists without loading it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "RECORD_KINDS",
    "aggregate_on_engine",
    "aggregate_records",
    "aggregate_to_parquet",
    "read_job_ads",
    "read_lfs_microdata",
]

#: Source role -> kind of records.
RECORD_KINDS: dict[str, str] = {"job_ads": "job_ads", "lfs_microdata": "lfs"}


def read_job_ads(
    path: str | Path,
    *,
    isco_digits: int = 3,
    period: str = "month",
    source_label: str | None = None,
) -> pl.LazyFrame:
    """Ads by province, month (or quarter), ISCO-08 group and education asked.

    A lazy query in the aligned panel's columns (``measure`` = ``job_ads_n``, ``unit`` =
    ``ads``, ``role`` = ``job_ads``): run it with ``.collect(engine="streaming")``.
    See :func:`skills.sources.records.streaming.aggregate_job_ads` for every option.
    """
    from skills.sources.records.streaming import aggregate_job_ads

    return aggregate_job_ads(
        path, isco_digits=isco_digits, period=period, source_label=source_label
    )


def read_lfs_microdata(
    path: str | Path,
    *,
    isco_digits: int = 2,
    source_label: str | None = None,
    thousands: bool = True,
) -> pl.LazyFrame:
    """Weighted employment and unemployment (thousands) by region, quarter, ISCO-08 and ISCED.

    .. math:: E_{r,t,o,e} = \\frac{1}{1000} \\sum_{i \\in (r,t,o,e),\\ employed} w_i

    and likewise for the unemployed (by region, quarter and ISCED group only). Inactive
    persons are filtered out in the scan. A lazy query in the panel's columns (``role``
    = ``lfs_microdata``); see :func:`skills.sources.records.streaming.aggregate_lfs`
    (``thousands=False``: persons, measures ``employment_n`` and ``unemployed_n``).
    """
    from skills.sources.records.streaming import aggregate_lfs

    return aggregate_lfs(
        path, isco_digits=isco_digits, source_label=source_label, thousands=thousands
    )


def aggregate_records(
    role: str,
    path: str | Path,
    *,
    source_label: str | None = None,
    engine: str = "polars",
    master: str | None = None,
    **options: Any,
) -> pl.DataFrame:
    """Run the aggregation of a record-level source and collect its panel rows.

    ``engine`` ``polars`` (default) runs the optimised streaming query; ``duckdb`` and
    ``spark`` run the portable query of :mod:`skills.sources.records.portable` there
    (``master``: the Spark master, see :func:`skills.sources.records.engines.spark_session`)
    and give the same rows.

    Raises
    ------
    skills.errors.InputError
        The file is missing, not Parquet, lacks a column (named), or holds a code that is
        not in its code list (the column and the code are named).
    skills.errors.ConfigError
        An unknown engine, or one that is not installed (PySpark, Java, DuckDB).
    """
    import polars as pl

    from skills.errors import InputError

    if role not in RECORD_KINDS:
        raise ValueError(f"unknown record-level role {role!r}: use {', '.join(RECORD_KINDS)}")
    if engine != "polars":
        return aggregate_on_engine(
            RECORD_KINDS[role], path, engine, master=master, source_label=source_label, **options
        )
    reader = read_job_ads if role == "job_ads" else read_lfs_microdata
    try:
        return reader(path, source_label=source_label, **options).collect(engine="streaming")
    except pl.exceptions.InvalidOperationError as exc:
        raise InputError(path, f"a code not in its code list: {exc}") from exc


#: The code lists each kind of records needs.
_CODE_LISTS: dict[str, tuple[str, ...]] = {
    "job_ads": ("geo_nuts3", "education_level"),
    "lfs": ("geo_nuts2", "period", "status"),
}


def aggregate_on_engine(
    kind: str,
    source: str | Path,
    engine: str,
    *,
    master: str | None = None,
    codes: Any = None,
    **options: Any,
) -> pl.DataFrame:
    """The portable aggregation of ``source`` (``kind`` ``job_ads`` or ``lfs``) on
    ``engine`` (``duckdb``, ``spark``, or ``polars`` for the portable query on Polars).

    Code lists come from the file's metadata (a folder: its first Parquet file), else
    the defaults, and ``codes`` overrides them; a location Python cannot read (``s3a://``)
    uses the defaults unless ``codes`` gives them.
    """
    from skills.sources.records.engines import scan
    from skills.sources.records.metadata import code_lists
    from skills.sources.records.portable import aggregate_portable

    if kind not in _CODE_LISTS:
        raise ValueError(f"unknown kind {kind!r}: use job_ads or lfs")
    options.pop("strategy", None)  # the default path's strategies do not apply
    lists = {
        **code_lists(source, _CODE_LISTS[kind]),
        **{k: tuple(v) for k, v in (codes or {}).items()},
    }
    frame = scan(source, engine, master=master)
    return aggregate_portable(kind, frame, codes=lists, source=source, **options)


def aggregate_to_parquet(
    kind: str,
    source: str | Path,
    out: str | Path,
    *,
    engine: str = "polars",
    master: str | None = None,
    **options: Any,
) -> Path:
    """Aggregate a record-level file (``kind`` ``job_ads`` or ``lfs``) into the Parquet file
    ``out``, by the fastest path that gives the panel rows of the Polars query.

    ``engine`` other than ``polars`` runs :func:`aggregate_on_engine` there instead (the
    same rows); the aggregated panel is written from Polars.

    Job ads are counted by :func:`skills.sources.records.dense.job_ads_table` (without
    importing Polars) unless ``strategy`` names a Polars strategy or the file is outside
    that path; everything else runs
    :func:`skills.sources.records.streaming.aggregate_file`. The file is written to a
    temporary name and renamed into place when complete.
    """
    from skills._fileio import atomic_path
    from skills.sources.records.engines import check_engine

    if check_engine(engine) != "polars":
        panel = aggregate_on_engine(kind, source, engine, master=master, **options)
        out = Path(out)
        with atomic_path(out) as tmp:
            panel.write_parquet(tmp)
        return out
    strategy = options.get("strategy", "auto")
    if kind == "job_ads" and strategy in {"auto", "dense"}:
        from skills.sources.records.dense import job_ads_blocks, write_panel

        dense_options = {k: v for k, v in options.items() if k != "strategy"}
        blocks = job_ads_blocks(source, **dense_options)
        if blocks is not None:
            out = Path(out)
            with atomic_path(out) as tmp:
                write_panel(blocks, tmp)
            return out
        if strategy == "dense":
            raise ValueError(f"{source}: the dense path cannot read this file")
        options = dense_options
    from skills.sources.records.streaming import aggregate_file

    if options.get("strategy") == "dense":
        options = {k: v for k, v in options.items() if k != "strategy"}
    return aggregate_file(kind, source, out, **options)
