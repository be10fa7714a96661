"""Job ads counted by direct addressing: the end-to-end path of ``skills bench aggregate``.

The lazy Polars query of :mod:`skills.sources.records.streaming` is the reader API; this
module computes **the same panel rows** from a job-ad Parquet file faster, end to end,
by never turning a code into text:

* **Dictionaries decoded once per chunk, not per row.** A text-coded column is read
  with pyarrow as what Parquet stores - a dictionary page and small integer indices -
  and only the chunk's dictionary (a few hundred strings at most) is looked up in the
  code list; the rows keep their indices. Integer-coded (``codes``) columns are read as
  they are. Reading a text column into a Polars ``Categorical`` and casting it to an
  ``Enum`` costs several times that.
* **One integer per row, built from lookup tables.** Each key part's table already holds
  its code times its place value, so a row's key is four gathers and three additions
  (months: a day -> month table over the days of the file's ``posted_on`` statistics;
  ISCO-08 groups: a slot per group met, in the order met).
* **Counting by direct addressing.** The keys index a dense array of ``int32`` counts
  (``slots x provinces x months x education levels``: about 5M cells at 50M ads, 20 MB)
  updated with :func:`numpy.add.at`: no hashing, no sorting. The cells with a non-zero
  count, taken in key order, are the panel rows, already sorted.
* **Two threads.** Row groups are read, keyed and counted by a pool of two threads,
  each into its own counts (pyarrow and NumPy release the GIL), summed at the end.
* **A cheap write.** The panel is built in blocks of about a million rows, each written
  by a second thread while the next is built. Text columns are written as dictionary
  arrays (the writer stores the dictionary as it is instead of hashing 3.5M strings);
  the constant columns are a one-entry dictionary; no Arrow schema is stored, so every
  reader reads them as plain text, exactly the columns and types of
  :data:`skills.align.PANEL_SCHEMA`. Snappy, large pages, statistics for the key and
  value columns only.

Neither Polars nor pandas is imported. :func:`job_ads_table` returns ``None`` when the
file is outside what the path handles (posting dates with a time zone or without
statistics, a key space over :data:`MAX_CELLS`); the callers then run the Polars query.
Measurements: ``BENCHMARKS.md``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from skills.sources.records._keys import (
    _Coded,
    _day_range,
    _Isco,
    _Months,
    _RefusedError,
)
from skills.sources.records.codes import PANEL_COLUMNS, UNKNOWN, panel_constants

__all__ = [
    "COMPRESSION",
    "MAX_CELLS",
    "PANEL_ARROW_TYPES",
    "job_ads_blocks",
    "job_ads_table",
    "write_panel",
]

#: Largest dense count array (cells) the path allocates; beyond it the callers fall back
#: to the Polars query (whose memory depends on the groups present).
MAX_CELLS: Final = 16 * 1024**2
#: Compression of the written panel (its columns are mostly dictionary indices and runs).
COMPRESSION: Final = "snappy"
#: Arrow type of each panel column (:data:`skills.align.PANEL_SCHEMA`, without Polars).
PANEL_ARROW_TYPES: Final[dict[str, str]] = {
    **dict.fromkeys(PANEL_COLUMNS, "string"),
    "geo_level": "int8",
    "nuts_version": "int16",
    "value": "float64",
}
_COLUMNS: Final = ("posted_on", "geo_nuts3", "isco08", "education_level")
#: Columns whose statistics are written (those a reader filters on; the constant and
#: empty columns would cost as much again for nothing).
_STATISTICS: Final = ("geo", "period", "isco08", "education_level", "value")
#: Rows of a written row group (the panel is built and written block by block, in two
#: threads).
_BLOCK_ROWS: Final = 1 << 20


# ----------------------------------------------------------------------------- counting
def job_ads_blocks(
    source: str | Path,
    *,
    isco_digits: int = 3,
    period: str = "month",
    codes: Mapping[str, Sequence[str]] | None = None,
    nuts_version: int = 2021,
    source_label: str | None = None,
) -> Iterator[Any] | None:
    """The panel rows of :func:`~skills.sources.records.streaming.aggregate_job_ads`, counted
    densely: :class:`pyarrow.Table` blocks (in order; built as they are taken), or None
    when the file is outside this path.

    Same options and result (rows, order, values) as the Polars query; a code that is not
    in its list raises :class:`skills.errors.InputError` naming the column and row. The
    counting is done before this returns.
    """

    from skills.errors import InputError
    from skills.sources.records.metadata import code_lists

    if period not in {"month", "quarter"}:
        raise ValueError(f"period must be 'month' or 'quarter', not {period!r}")
    if not 1 <= isco_digits <= 4:
        raise ValueError(f"isco_digits must be 1 to 4, not {isco_digits}")
    if not Path(source).is_file():
        raise InputError(source, "no such Parquet file")
    try:
        pf = pq.ParquetFile(source)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(source, f"not a readable Parquet file ({exc})") from exc
    schema = pf.schema_arrow
    for column in _COLUMNS:
        if column not in schema.names:
            raise InputError(
                source, f"missing; the file has {', '.join(schema.names)}", column=column
            )
    text = [
        c
        for c in _COLUMNS[1:]
        if pa.types.is_string(schema.field(c).type)
        or pa.types.is_large_string(schema.field(c).type)
    ]
    if text:
        pf = pq.ParquetFile(source, read_dictionary=text)
    needed = ("geo_nuts3", "education_level")
    lists = {**code_lists(source, needed), **{k: tuple(v) for k, v in (codes or {}).items()}}
    for name, values in lists.items():
        if len(set(values)) != len(values):
            # the Polars query refuses them too (an Enum's categories are unique)
            twice = sorted({v for v in values if values.count(v) > 1})
            raise ValueError(f"codes[{name!r}] lists {', '.join(map(repr, twice))} twice")
    try:
        return _count(
            pf,
            source,
            text,
            lists=lists,
            isco_digits=isco_digits,
            period=period,
            nuts_version=nuts_version,
            source_label=source_label,
        )
    except _RefusedError:
        return None


def job_ads_table(
    source: str | Path,
    *,
    isco_digits: int = 3,
    period: str = "month",
    codes: Mapping[str, Sequence[str]] | None = None,
    nuts_version: int = 2021,
    source_label: str | None = None,
) -> Any:
    """The panel rows of :func:`job_ads_blocks` as one :class:`pyarrow.Table` (or None)."""
    blocks = job_ads_blocks(
        source,
        isco_digits=isco_digits,
        period=period,
        codes=codes,
        nuts_version=nuts_version,
        source_label=source_label,
    )
    return None if blocks is None else pa.concat_tables(list(blocks))


def _count(
    pf: Any,
    source: str | Path,
    text: list[str],
    *,
    lists: Mapping[str, tuple[str, ...]],
    isco_digits: int,
    period: str,
    nuts_version: int,
    source_label: str | None,
) -> Iterator[Any]:
    schema = pf.schema_arrow
    edu = _Coded("education_level", lists["education_level"], 1)
    leaf = [pf.metadata.schema.column(i).path for i in range(pf.metadata.num_columns)]
    first, last = _day_range(pf, leaf.index("posted_on"), schema.field("posted_on").type)
    months = _Months(schema.field("posted_on").type, first, last, period, edu.size)
    geo = _Coded("geo_nuts3", lists["geo_nuts3"], months.size * edu.size)
    inner = geo.size * months.size * edu.size
    isco = _Isco(isco_digits, inner)
    if inner * (10**isco_digits + 1) >= 2**62 or inner > MAX_CELLS:
        raise _RefusedError("key space too large")
    starts = np.concatenate(
        [[0], np.cumsum([pf.metadata.row_group(i).num_rows for i in range(pf.num_row_groups)])]
    )

    # int32 counts while no cell can overflow them (numpy.add.at is fastest on them)
    dtype = np.int32 if pf.metadata.num_rows < 2**31 else np.int64
    one = dtype(1)
    local = threading.local()
    arrays: list[npt.NDArray[Any]] = []  # each thread's counts, summed at the end
    lock = threading.Lock()

    def count(group: int) -> None:
        """Read, key and count one row group, into this thread's own counts."""
        # one reader per thread: a ParquetFile is not meant to be read from two at once
        if not hasattr(local, "file"):
            local.file = pq.ParquetFile(source, read_dictionary=text or None)
            with lock:
                local.index = len(arrays)
                arrays.append(np.zeros(inner * 16, dtype=dtype))
        table = local.file.read_row_group(group, columns=list(_COLUMNS), use_threads=False)
        start = int(starts[group])
        for batch in table.to_batches():
            key = months.terms(batch.column(0), source, start)
            key += geo.terms(batch.column(1), source, start)
            key += edu.terms(batch.column(3), source, start)
            key += isco.terms(batch.column(2), source, start)
            start += batch.num_rows
            counts = arrays[local.index]
            need = len(isco.groups) * inner
            if need > len(counts):
                if need > MAX_CELLS:
                    raise _RefusedError("key space too large")
                grown = np.zeros(max(need, 2 * len(counts)), dtype=dtype)
                grown[: len(counts)] = counts
                arrays[local.index] = counts = grown
            np.add.at(counts, key, one)

    # two threads, each reading, keying and counting whole row groups: pyarrow, the
    # gathers and numpy.add.at release the GIL
    with ThreadPoolExecutor(max_workers=2) as pool:
        for done in pool.map(count, range(pf.num_row_groups)):
            del done
    counts: npt.NDArray[np.integer[Any]] = np.zeros(
        max([inner * 16, *(len(c) for c in arrays)]), dtype=dtype
    )
    for part in arrays:
        np.add(counts[: len(part)], part, out=counts[: len(part)])
    return _panel(
        counts,
        isco=isco,
        geo=geo,
        months=months,
        edu=edu,
        lists=lists,
        nuts_version=nuts_version,
        source_label=source_label,
        source=source,
    )


def _panel(
    counts: npt.NDArray[Any],
    *,
    isco: _Isco,
    geo: _Coded,
    months: _Months,
    edu: _Coded,
    lists: Mapping[str, tuple[str, ...]],
    nuts_version: int,
    source_label: str | None,
    source: str | Path,
) -> Iterator[Any]:
    """The non-empty cells in key order (province, period, ISCO-08, education): tables of
    about :data:`_BLOCK_ROWS` rows each, one or more provinces per table."""
    slots = len(isco.groups)
    order = np.argsort(np.array(isco.groups, dtype=np.int64), kind="stable")
    shape = (geo.size, months.size, slots, edu.size)
    cube = counts[: slots * geo.place * geo.size].reshape(slots, geo.size, geo.place)
    # (slot, geo, month x edu) -> (geo, month, slot in ISCO-08 order, edu): one copy
    cube = np.ascontiguousarray(
        cube[order].reshape(slots, geo.size, months.size, edu.size).transpose(1, 2, 0, 3)
    )
    per_geo = np.count_nonzero(cube.reshape(geo.size, -1), axis=1)
    group_of = np.array(isco.groups, dtype=np.int64)[order]
    labels = {
        "geo": _dictionary(geo.labels(lists["geo_nuts3"])),
        "period": _dictionary(months.labels()),
        "isco08": _dictionary(
            [None if g == isco.null else f"{g:0{isco.digits}d}" for g in group_of.tolist()]
        ),
        "education_level": _dictionary([*lists["education_level"], UNKNOWN]),
    }
    null_at = {
        "geo": geo.size - 1,
        "period": months.size - 1,
        "isco08": slots - 1 if slots and group_of[-1] == isco.null else -1,
        "education_level": -1,
    }
    constants = panel_constants(
        "job_ads", source, nuts_version=nuts_version, source_label=source_label
    )
    # the index of every cell of one province along each axis, and where it is non-zero
    axes = [
        np.repeat(np.arange(shape[1], dtype=np.int32), shape[2] * shape[3]),
        np.tile(np.repeat(np.arange(shape[2], dtype=np.int32), shape[3]), shape[1]),
        np.tile(np.arange(shape[3], dtype=np.int32), shape[1] * shape[2]),
    ]
    if not per_geo.any():
        # an empty panel: one empty table, with the columns and types
        empty = np.zeros(0, dtype=np.int32)
        columns = {
            name: pa.DictionaryArray.from_arrays(_arrow(empty, pa.int32()), labels[name])
            for name in labels
        }
        columns["value"] = _arrow(np.zeros(0), pa.float64())
        yield pa.Table.from_arrays(
            [
                columns[c] if c in columns else _constant(constants.get(c), PANEL_ARROW_TYPES[c], 0)
                for c in PANEL_COLUMNS
            ],
            names=list(PANEL_COLUMNS),
        )
        return
    first = 0
    while first < geo.size:
        last, rows = first, 0
        while last < geo.size and (rows == 0 or rows + per_geo[last] <= _BLOCK_ROWS):
            rows += int(per_geo[last])
            last += 1
        block = cube[first:last].reshape(last - first, -1)
        nonzero = block != 0
        n = int(rows)
        if n:
            index = {
                "geo": np.repeat(np.arange(first, last, dtype=np.int32), per_geo[first:last]),
                "period": np.concatenate([axes[0][nz] for nz in nonzero]),
                "isco08": np.concatenate([axes[1][nz] for nz in nonzero]),
                "education_level": np.concatenate([axes[2][nz] for nz in nonzero]),
            }
            columns = {
                name: pa.DictionaryArray.from_arrays(
                    _arrow(idx, pa.int32(), idx == null_at[name] if null_at[name] >= 0 else None),
                    labels[name],
                )
                for name, idx in index.items()
            }
            columns["value"] = _arrow(block[nonzero].astype(np.float64), pa.float64())
            arrays = [
                columns[c] if c in columns else _constant(constants.get(c), PANEL_ARROW_TYPES[c], n)
                for c in PANEL_COLUMNS
            ]
            yield pa.Table.from_arrays(arrays, names=list(PANEL_COLUMNS))
        first = last


def _dictionary(labels: Sequence[str | None]) -> Any:
    """The dictionary of a coded panel column (a null label is masked in the indices:
    a null inside a dictionary cannot be written)."""
    return _strings([v if v is not None else "" for v in labels])


def _constant(value: object, kind: str, n: int) -> Any:
    """A column of ``n`` equal values: a one-word dictionary (or all null)."""
    if value is None:
        return pa.nulls(n, pa.string())
    zeros = _arrow(np.zeros(n, dtype=np.int8), pa.int8())
    if kind == "string":
        return pa.DictionaryArray.from_arrays(zeros, _strings([str(value)]))
    one = _arrow(np.array([value], dtype=np.dtype(kind)), getattr(pa, kind)())
    return pa.DictionaryArray.from_arrays(zeros, one)


def _arrow(values: npt.NDArray[Any], dtype: Any, null: npt.NDArray[np.bool_] | None = None) -> Any:
    """A primitive Arrow array over a NumPy array's memory (``pa.array`` imports pandas)."""
    validity = None
    if null is not None and null.any():
        validity = pa.py_buffer(np.packbits(~null, bitorder="little"))
    data = pa.py_buffer(np.ascontiguousarray(values))
    return pa.Array.from_buffers(dtype, len(values), [validity, data])


def _strings(labels: Sequence[str | None]) -> Any:
    """An Arrow string array of ``labels`` (None for null), built from its buffers."""
    encoded = [b"" if v is None else v.encode() for v in labels]
    offsets = np.zeros(len(encoded) + 1, dtype=np.int32)
    offsets[1:] = np.cumsum([len(b) for b in encoded])
    null = np.array([v is None for v in labels], dtype=np.bool_)
    validity = pa.py_buffer(np.packbits(~null, bitorder="little")) if null.any() else None
    return pa.StringArray.from_buffers(
        len(encoded), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded)), validity
    )


def write_panel(blocks: Any, out: str | Path) -> None:
    """Write a panel (a table, or the blocks of :func:`job_ads_blocks`) to Parquet at ``out``.

    Each block is written by a second thread while the next one is built. Dictionary
    columns are written as they are (no re-hashing) and no Arrow schema is stored, so
    every reader gets plain columns of the panel's types.
    """
    tables = iter([blocks] if isinstance(blocks, pa.Table) else blocks)
    first = next(tables)
    with (
        pq.ParquetWriter(
            out,
            first.schema,
            compression=COMPRESSION,
            store_schema=False,
            write_statistics=list(_STATISTICS),
            write_batch_size=1 << 16,
            data_page_size=1 << 23,
        ) as writer,
        ThreadPoolExecutor(max_workers=1) as pool,
    ):
        pending = pool.submit(writer.write_table, first, row_group_size=_BLOCK_ROWS * 4)
        for table in tables:
            pending.result()
            pending = pool.submit(writer.write_table, table, row_group_size=_BLOCK_ROWS * 4)
        pending.result()
