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
import pyarrow.compute as pc  # type: ignore[import-untyped]
import pyarrow.parquet as pq  # type: ignore[import-untyped]

from skills.sources.records.codes import PANEL_COLUMNS, UNKNOWN

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
_PER_DAY: Final[dict[str, int]] = {
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}
#: Columns whose statistics are written (those a reader filters on; the constant and
#: empty columns would cost as much again for nothing).
_STATISTICS: Final = ("geo", "period", "isco08", "education_level", "value")
#: Rows of a written row group (the panel is built and written block by block, in two
#: threads).
_BLOCK_ROWS: Final = 1 << 20

IntArray = npt.NDArray[np.int64]


class _RefusedError(Exception):
    """The file is outside what the dense path handles (the callers fall back)."""


# ----------------------------------------------------------------------------- reading
def _values(array: Any, dtype: Any) -> npt.NDArray[Any]:
    """The data buffer of a primitive Arrow array as NumPy (null slots hold anything)."""
    width = np.dtype(dtype).itemsize
    buf = array.buffers()[1]
    return np.frombuffer(buf, dtype=dtype, count=len(array), offset=array.offset * width)


def _np_int(dtype: Any) -> Any:
    """The NumPy dtype of an Arrow integer type (without pyarrow's pandas shim)."""
    kind = "i" if pa.types.is_signed_integer(dtype) else "u"
    return np.dtype(f"{kind}{dtype.bit_width // 8}")


def _nulls_mask(array: Any) -> npt.NDArray[np.bool_]:
    """A boolean mask of the null slots of an Arrow array that has some."""
    bits = np.unpackbits(np.frombuffer(array.buffers()[0], np.uint8), bitorder="little")
    valid: npt.NDArray[np.bool_] = bits[array.offset : array.offset + len(array)].view(np.bool_)
    return ~valid


def _error(source: str | Path, column: str, row: int, reason: str) -> Exception:
    from skills.errors import InputError

    return InputError(source, f"row {row + 1:,}: {reason}", column=column)


def _scalar(value: int, dtype: Any) -> Any:
    """An Arrow integer scalar, made without ``pa.scalar`` (which imports pandas)."""
    data = pa.py_buffer(np.array([value], dtype=_np_int(dtype)))
    return pa.Array.from_buffers(dtype, 1, [None, data])[0]


def _filled(array: Any, value: int) -> npt.NDArray[Any]:
    """An integer Arrow array as NumPy, its null slots set to ``value`` (cast up if needed)."""
    if array.null_count:
        if value > np.iinfo(_np_int(array.type)).max:
            array = array.cast(pa.int32())
        array = pc.fill_null(array, _scalar(value, array.type))
    return _values(array, _np_int(array.type))


def _first_bad(index: npt.NDArray[Any], bad: npt.NDArray[np.bool_]) -> int:
    """The first position whose ``index`` is flagged in ``bad``."""
    return int(np.argmax(bad[index]))


class _Coded:
    """A coded column (province, education level): its code list position x place.

    ``terms`` gives, for each row of a chunk, ``position * place`` as ``uint32`` (the
    null code is the last position): a gather from a table built once per chunk
    dictionary (text codes) or once (integer codes).
    """

    def __init__(self, name: str, codes: Sequence[str], place: int) -> None:
        self.name = name
        self.size = len(codes) + 1  # the last value is null
        self.place = place
        self.position = {c: i for i, c in enumerate(codes)}
        self.table = (np.arange(self.size, dtype=np.int64) * place).astype(np.uint32)

    def terms(self, array: Any, source: str | Path, start: int) -> npt.NDArray[np.uint32]:
        """The key terms of one chunk (``position * place``)."""

        null = self.size - 1
        if pa.types.is_dictionary(array.type):
            words = array.dictionary.to_pylist()
            position = [self.position.get(w, -1) if w is not None else null for w in words]
            index = _filled(array.indices, len(words))
            if -1 in position:
                bad = np.array([p < 0 for p in position] + [False])
                if bad[index].any():
                    row = _first_bad(index, bad)
                    raise self._unknown(source, start + row, words[int(index[row])])
            table = self.table[np.array([*position, null], dtype=np.int64)]
            terms: npt.NDArray[np.uint32] = table[index]
            return terms
        if pa.types.is_integer(array.type):
            low, high = pc.min_max(array).values()
            low, high = low.as_py(), high.as_py()
            if low is not None and (low < 0 or high >= null):
                values = _values(array, _np_int(array.type)).astype(np.int64)
                bad = (values < 0) | (values >= null)
                if array.null_count:
                    bad &= ~_nulls_mask(array)
                row = int(np.argmax(bad))
                raise self._unknown(source, start + row, int(values[row]))
            coded: npt.NDArray[np.uint32] = self.table[_filled(array, null)]
            return coded
        raise _RefusedError(f"{self.name} is {array.type}")

    def _unknown(self, source: str | Path, row: int, value: object) -> Exception:
        return _error(source, self.name, row, f"{value!r} is not in the code list")

    def labels(self, codes: Sequence[str]) -> list[str | None]:
        return [*codes, None]


class _Isco:
    """ISCO-08 groups: a slot per group, in the order met (the outermost place)."""

    def __init__(self, digits: int, place: int) -> None:
        self.divisor = 10 ** (4 - digits)
        self.digits = digits
        self.place = place
        self.null = 10**digits  # the group of a null code
        self.slot = np.full(10**digits + 1, -1, dtype=np.int64)
        self.groups: list[int] = []  # group of each slot
        self.lock = threading.Lock()

    def _terms(self, groups: IntArray) -> npt.NDArray[np.uint32]:
        """Key terms (``slot * place``) of ``groups`` (0 .. 10**digits), new slots assigned."""
        with self.lock:
            slots = self.slot[groups]
            if (slots < 0).any():
                for g in np.unique(groups[slots < 0]).tolist():
                    self.slot[g] = len(self.groups)
                    self.groups.append(g)
                slots = self.slot[groups]
        terms: npt.NDArray[np.uint32] = (slots * self.place).astype(np.uint32)
        return terms

    def terms(self, array: Any, source: str | Path, start: int) -> npt.NDArray[np.uint32]:
        if pa.types.is_dictionary(array.type):
            words = array.dictionary.to_pylist()
            groups = np.empty(len(words) + 1, dtype=np.int64)
            for i, w in enumerate(words):
                ok = isinstance(w, str) and len(w) == 4 and w.isascii() and w.isdigit()
                groups[i] = int(w) // self.divisor if ok else -1
            groups[-1] = self.null
            index = _filled(array.indices, len(words))
            if (groups < 0).any():
                bad = groups < 0
                if bad[index].any():
                    row = _first_bad(index, bad)
                    raise _error(
                        source,
                        "isco08",
                        start + row,
                        f"{words[int(index[row])]!r} is not a 4-digit ISCO-08 code",
                    )
                groups = np.where(bad, self.null, groups)
            by_word: npt.NDArray[np.uint32] = self._terms(groups)[index]
            return by_word
        if pa.types.is_integer(array.type):
            low, high = pc.min_max(array).values()
            low, high = low.as_py(), high.as_py()
            if low is not None and (low < 0 or high > 9999):
                values = _values(array, _np_int(array.type)).astype(np.int64)
                bad = (values < 0) | (values > 9999)
                if array.null_count:
                    bad &= ~_nulls_mask(array)
                row = int(np.argmax(bad))
                raise _error(
                    source, "isco08", start + row, f"{int(values[row])} is not an ISCO-08 code"
                )
            # a table by 4-digit code (10000 = null): one gather per row
            values = _filled(array, 10_000)
            present = np.flatnonzero(np.bincount(values, minlength=10_001))
            table = np.zeros(10_001, dtype=np.uint32)
            table[present] = self._terms(present // self.divisor)
            return table[values]
        raise _RefusedError(f"isco08 is {array.type}")


class _Months:
    """Posting day -> month (or quarter) index over the days the file's statistics span."""

    def __init__(self, dtype: Any, first: int, last: int, frequency: str, place: int) -> None:
        if pa.types.is_timestamp(dtype):
            if dtype.tz is not None:
                raise _RefusedError("posted_on has a time zone")
            self.per_day = _PER_DAY[dtype.unit]
            self.width: Any = np.int64
        elif pa.types.is_date32(dtype):
            self.per_day, self.width = 1, np.int32
        else:
            raise _RefusedError(f"posted_on is {dtype}")
        self.first = first
        days = np.arange(first, last + 1).astype("datetime64[D]")
        months = days.astype("datetime64[M]").astype(np.int64)
        if frequency == "quarter":
            months = months // 3
        self.first_period = int(months[0])
        index = months - self.first_period
        self.size = int(index[-1]) + 2  # the last value is null
        self.frequency = frequency
        self.place = place
        # one more day, after the last: the slot of a null date
        self.table = (np.append(index, self.size - 1) * place).astype(np.uint32)

    def terms(self, array: Any, source: str | Path, start: int) -> npt.NDArray[np.uint32]:
        if array.null_count:
            array = array.view(pa.int64() if self.width is np.int64 else pa.int32())
            fill = (self.first + len(self.table) - 1) * self.per_day
            array = pc.fill_null(array, _scalar(fill, array.type))
        values = _values(array, self.width)
        day = values // self.per_day if self.per_day != 1 else values.astype(np.int64)
        day -= self.first
        if len(day) and (day.min() < 0 or day.max() >= len(self.table)):
            raise _RefusedError("posted_on outside its statistics")
        terms: npt.NDArray[np.uint32] = self.table[day]
        return terms

    def labels(self) -> list[str | None]:
        out: list[str | None] = []
        for i in range(self.size - 1):
            p = self.first_period + i
            if self.frequency == "month":
                out.append(f"{1970 + p // 12}-{p % 12 + 1:02d}")
            else:
                out.append(f"{1970 + p // 4}-Q{p % 4 + 1}")
        return [*out, None]


def _day_range(pf: Any, column: int, dtype: Any) -> tuple[int, int]:
    """First and last posting day from the row-group statistics (refused without them)."""
    if pa.types.is_timestamp(dtype) and dtype.unit == "s":
        raise _RefusedError("posted_on in seconds (stored in another unit)")
    per_day = _PER_DAY[dtype.unit] if pa.types.is_timestamp(dtype) else 1
    days: list[int] = []
    meta = pf.metadata
    for i in range(meta.num_row_groups):
        group = meta.row_group(i)
        stats = group.column(column).statistics
        if group.num_rows == 0 or (stats is not None and stats.null_count == group.num_rows):
            continue
        if stats is None or not stats.has_min_max or stats.physical_type not in {"INT32", "INT64"}:
            raise _RefusedError("posted_on has no statistics")
        days += [int(stats.min_raw) // per_day, int(stats.max_raw) // per_day]
    if not days:
        return 0, 0
    first, last = min(days), max(days)
    # The Polars query's calendar spans 1900-2099: keep its behaviour outside it.
    if first < -25_567 or last >= 47_482:
        raise _RefusedError("posted_on outside 1900-2099")
    return first, last


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
    constants: dict[str, object] = {
        "measure": "job_ads_n",
        "geo_level": 3,
        "nuts_version": nuts_version,
        "unit": "ads",
        "role": "job_ads",
        "source": source_label or Path(source).name,
    }
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
