"""The metadata of a record-level Parquet file: its code lists, and reading it as text.

A file written by :func:`skills.sources.records.synthetic.generate` (``skills bench
generate``) stores, in its key-value metadata under :data:`META_KEY` (JSON), its kind,
rows, seed, encoding, generator version and the code lists its integer columns index.
The readers (:mod:`skills.sources.records.streaming`, :func:`read_records`) take the code
lists from there, or defaults (:mod:`skills.sources.records.codes`) for a file without
them. Files generated before the key was renamed carry it as ``skills.bench``
(:data:`LEGACY_META_KEYS`); they are read the same way.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from skills.sources.records.codes import (
    EDUCATION_LEVELS,
    NUTS2_CODES,
    QUARTERS_ALL,
    STATUSES,
    nuts3_codes,
)

if TYPE_CHECKING:
    import polars as pl

__all__ = [
    "LEGACY_META_KEYS",
    "META_KEY",
    "check_code_range",
    "code_lists",
    "file_info",
    "read_records",
]

#: The key of the file metadata written today.
META_KEY: Final = b"skills.records"
#: Keys of the same metadata in files written by earlier versions (still read).
LEGACY_META_KEYS: Final[tuple[bytes, ...]] = (b"skills.bench",)


def file_info(path: str | Path) -> dict[str, Any] | None:
    """The ``skills.records`` metadata of a file (kind, encoding, code lists, ...), or None.

    Files written before the key was renamed carry it as ``skills.bench``; both are read.
    A folder of Parquet files is described by its first file (sorted by path); a location
    Python cannot open (``s3a://...``) has none.
    """
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    if Path(path).is_dir():
        first = min(Path(path).rglob("*.parquet"), default=None)
        if first is None:
            return None
        path = first
    try:
        meta = pq.read_schema(path).metadata or {}
    except (OSError, ValueError):
        return None
    raw = next((meta[key] for key in (META_KEY, *LEGACY_META_KEYS) if key in meta), None)
    return dict(json.loads(raw)) if raw else None


def code_lists(path: str | Path, names: Iterable[str] | None = None) -> dict[str, tuple[str, ...]]:
    """The code lists of a file: those in its ``skills.records`` metadata, else defaults.

    Defaults (for files without the metadata): the NUTS 2 and NUTS 3 lists of
    :mod:`skills.sources.records.codes`, every quarter 1990-2049, the three statuses and the
    Excelsior education levels. ``isco08`` and ``isced11`` are numeric (the ISCO-08 code,
    the ISCED level) and need no list. ``names`` limits the defaults looked up.
    """
    info = file_info(path) or {}
    lists = {k: tuple(v) for k, v in (info.get("codes") or {}).items()}
    defaults: dict[str, Callable[[], tuple[str, ...]]] = {
        "geo_nuts2": lambda: NUTS2_CODES,
        "geo_nuts3": nuts3_codes,
        "period": lambda: QUARTERS_ALL,
        "status": lambda: STATUSES,
        "education_level": lambda: EDUCATION_LEVELS,
    }
    wanted = defaults.keys() if names is None else names
    for name in wanted:
        if name not in lists and name in defaults:
            lists[name] = defaults[name]()
    return lists


def read_records(path: str | Path) -> Any:
    """A generated file's records with every code as text: a :class:`polars.LazyFrame`.

    Index columns of a ``codes`` file become :class:`polars.Enum` columns of their code
    lists (``geo_nuts3`` = ``ITC11``, ...), ``isco08`` the zero-padded 4-digit code
    (``0110``) and ``isced11`` ``ED<level>``; a ``strings`` file's categorical columns
    are read as they are. For looking at the data: the aggregations read the integer
    codes directly, which is what makes them fast.
    """
    import polars as pl

    info = file_info(path)
    frame = pl.scan_parquet(path)
    if not info or info.get("encoding") != "codes":
        return frame
    decoded = [
        pl.col(name)
        .replace_strict(dict(enumerate(codes)), return_dtype=pl.Enum(list(dict.fromkeys(codes))))
        .alias(name)
        for name, codes in (info.get("codes") or {}).items()
    ]
    numeric = info.get("numeric") or {}
    if "isco08" in numeric:
        decoded.append(pl.col("isco08").cast(pl.String).str.zfill(4))
    if "isced11" in numeric:
        decoded.append(pl.format("ED{}", pl.col("isced11")))
    return frame.with_columns(decoded)


def _integer_code_bounds(source: str | Path, column: str) -> tuple[Any, Any] | None:
    """Min and max of an integer column from the file's row-group statistics (None if any
    row group lacks them)."""
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(source).metadata
    index = meta.schema.names.index(column)
    lows, highs = [], []
    for g in range(meta.num_row_groups):
        group = meta.row_group(g)
        if group.num_rows == 0:
            continue
        stats = group.column(index).statistics
        if stats is None or not stats.has_min_max:
            if stats is not None and stats.null_count == group.num_rows:
                continue  # an all-null row group has no min and max
            return None
        lows.append(stats.min)
        highs.append(stats.max)
    return (min(lows), max(highs)) if lows else (0, 0)


def check_code_range(
    source: str | Path, frame: pl.LazyFrame, schema: pl.Schema, sizes: Mapping[str, int]
) -> None:
    """Refuse an integer code outside ``0 .. size - 1`` (an :class:`InputError`).

    A code is an index into its code list; one beyond the list would otherwise overflow
    into the next part of the packed key and be counted in another cell. The bounds come
    from the file's statistics (free); a file without them is scanned once for the
    column's min and max. The error names the file, the column and the first bad row.
    """
    import polars as pl

    from skills.errors import InputError

    for column, size in sizes.items():
        if not schema[column].is_integer():
            continue
        bounds = _integer_code_bounds(source, column)
        if bounds is None:
            row = frame.select(pl.col(column).min().alias("lo"), pl.col(column).max().alias("hi"))
            lo, hi = row.collect().row(0)
            bounds = (0 if lo is None else lo, 0 if hi is None else hi)
        if bounds[0] >= 0 and bounds[1] < size:
            continue
        bad = (
            frame.select(pl.col(column))
            .with_row_index("_row")
            .filter((pl.col(column) < 0) | (pl.col(column) >= size))
            .head(1)
            .collect()
        )
        row_n, value = bad.row(0)
        raise InputError(
            source,
            f"row {row_n + 1:,}: code {value} is outside its code list "
            f"(0 to {size - 1}: {size} codes)",
            column=column,
        )
