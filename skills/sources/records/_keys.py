"""The key parts of the dense job-ad count (:mod:`skills.sources.records.dense`).

Each part turns one column of a row group into integers that are already multiplied by
their place value in the packed key: a coded column (province, education level), the
ISCO-08 group (a slot per group met), the month of the posting date. The small array
helpers they share and the refusal that sends a file back to the Polars query are here
too.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # type: ignore[import-untyped]
import pyarrow.compute as pc  # type: ignore[import-untyped]

IntArray = npt.NDArray[np.int64]

_PER_DAY: Final[dict[str, int]] = {
    "s": 86_400,
    "ms": 86_400_000,
    "us": 86_400_000_000,
    "ns": 86_400_000_000_000,
}


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
