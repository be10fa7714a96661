r"""Typed periods: one parser for every period label the package reads or writes.

A period label is never compared as a string (``"2020" < "2020-Q3"`` as strings, so a
string filter drops the year 2020 from an annual table asked to start in 2020-Q3, and
``"2025-Q2"`` sorts after ``"2025"``). Labels are parsed into :class:`Period`: a
frequency, a year, a sub-period and the first and last day covered.

Frequencies: ``A`` annual (``2019``), ``S`` half-year (``2019-S1``), ``Q`` quarterly
(``2019-Q3``, ``2019Q3``), ``M`` monthly (``2019-07``, ``2019M07``), ``W`` ISO week
(``2019-W05``), ``D`` day (``2019-07-01``).

Ordering and ranges
-------------------
Periods of one frequency are ordered by their :attr:`Period.ordinal` (consecutive integers:
``year * per_year + sub - 1``). Across frequencies, a range ``[start, end]`` keeps a period
when the two *overlap* in time: ``start_period = "2020-Q3"`` keeps the year ``2020`` of an
annual table (it covers 2020-Q3), ``end_period = "2020"`` keeps ``2020-Q4`` of a quarterly
one. The "latest" period is the one that ends last (ties: the longer period).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

import polars as pl

__all__ = [
    "FREQUENCY_NAMES",
    "Period",
    "frequency_of",
    "parse_period",
    "period_in_range",
    "period_ordinal",
    "period_sort_key",
]

Freq = Literal["A", "S", "Q", "M", "W", "D"]

#: Human names of the frequency codes (as Eurostat's ``freq`` dimension writes them).
FREQUENCY_NAMES: dict[str, str] = {
    "A": "annual",
    "S": "half-yearly",
    "Q": "quarterly",
    "M": "monthly",
    "W": "weekly",
    "D": "daily",
}
_PER_YEAR = {"A": 1, "S": 2, "Q": 4, "M": 12, "W": 53, "D": 366}
_PATTERNS: tuple[tuple[re.Pattern[str], Freq], ...] = (
    (re.compile(r"^(\d{4})$"), "A"),
    (re.compile(r"^(\d{4})-?S([12])$"), "S"),
    (re.compile(r"^(\d{4})-?Q([1-4])$"), "Q"),
    (re.compile(r"^(\d{4})(?:-|M)(0[1-9]|1[0-2])$"), "M"),
    (re.compile(r"^(\d{4})-?W(0[1-9]|[1-4]\d|5[0-3])$"), "W"),
    (re.compile(r"^(\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$"), "D"),
)


@dataclass(frozen=True)
class Period:
    """One parsed period.

    Attributes
    ----------
    freq
        ``A``, ``S``, ``Q``, ``M``, ``W`` or ``D``.
    year
        The calendar (ISO, for weeks) year.
    sub
        The half, quarter, month, week (1-based) or day of year; 1 for a year.
    start, end
        First and last day covered (inclusive).
    """

    freq: Freq
    year: int
    sub: int
    start: date
    end: date

    @property
    def ordinal(self) -> int:
        """Consecutive integers within one frequency: ``year * per_year + sub - 1``."""
        return self.year * _PER_YEAR[self.freq] + self.sub - 1

    @property
    def label(self) -> str:
        """The package's label: ``2019``, ``2019-S1``, ``2019-Q3``, ``2019-07``, ..."""
        if self.freq == "A":
            return str(self.year)
        if self.freq == "D":
            return self.start.isoformat()
        if self.freq == "M":
            return f"{self.year}-{self.sub:02d}"
        if self.freq == "W":
            return f"{self.year}-W{self.sub:02d}"
        return f"{self.year}-{self.freq}{self.sub}"

    def overlaps(self, start: Period | None, end: Period | None) -> bool:
        """Whether any day of this period lies in ``[start.start, end.end]``."""
        if start is not None and self.end < start.start:
            return False
        return not (end is not None and self.start > end.end)


def parse_period(text: str | int) -> Period:
    """Parse a period label (surrounding spaces allowed; an int is a year).

    Raises
    ------
    ValueError
        When the label is not one of the accepted forms.

    Examples
    --------
    >>> parse_period("2020-Q3").start.isoformat()
    '2020-07-01'
    >>> parse_period("2019M07").label
    '2019-07'
    >>> parse_period(" 2015 ").freq
    'A'
    """
    stripped = str(text).strip()
    for pattern, freq in _PATTERNS:
        match = pattern.match(stripped)
        if not match:
            continue
        year = int(match.group(1))
        if freq == "A":
            return Period("A", year, 1, date(year, 1, 1), date(year, 12, 31))
        if freq == "D":
            try:
                day = date(year, int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
            return Period("D", year, day.timetuple().tm_yday, day, day)
        sub = int(match.group(2))
        if freq == "W":
            try:
                first = date.fromisocalendar(year, sub, 1)
            except ValueError:
                break
            return Period("W", year, sub, first, first + timedelta(days=6))
        months = 12 // _PER_YEAR[freq]
        first_month = (sub - 1) * months + 1
        start = date(year, first_month, 1)
        after = (
            date(year + 1, 1, 1)
            if first_month + months > 12
            else date(year, first_month + months, 1)
        )
        return Period(freq, year, sub, start, after - timedelta(days=1))
    raise ValueError(
        f"{str(text)!r} is not a period: use a year (2019), a half-year (2019-S1), a quarter "
        "(2019-Q3), a month (2019-07), an ISO week (2019-W05) or a day (2019-07-01)"
    )


def frequency_of(text: str | int) -> Freq | None:
    """The frequency code of a period label, or ``None`` when it is not a period."""
    try:
        return parse_period(text).freq
    except ValueError:
        return None


def _parsed(labels: Iterable[object]) -> dict[object, Period | None]:
    out: dict[object, Period | None] = {}
    for label in labels:
        if label is None or label in out:
            continue
        try:
            out[label] = parse_period(str(label))
        except ValueError:
            out[label] = None
    return out


def period_in_range(
    periods: pl.Series, start: str | None = None, end: str | None = None
) -> pl.Series:
    """Boolean mask: which period labels overlap ``[start, end]`` (see the module notes).

    Unparseable labels and nulls are kept (``True``): the reader that made them decides.

    Raises
    ------
    ValueError
        When ``start`` or ``end`` is not a period, or ``start`` begins after ``end`` ends.
    """
    lo = parse_period(start) if start is not None else None
    hi = parse_period(end) if end is not None else None
    if lo is not None and hi is not None and lo.start > hi.end:
        raise ValueError(f"start period {start!r} is after end period {end!r}")
    parsed = _parsed(periods.unique().to_list())
    keep = {k: (p is None or p.overlaps(lo, hi)) for k, p in parsed.items()}
    return periods.replace_strict(keep, default=True, return_dtype=pl.Boolean).fill_null(True)


def period_sort_key(periods: pl.Series) -> pl.Series:
    """An integer that sorts period labels in time: by last day, then longer first.

    ``2025`` sorts after ``2025-Q3`` and before ``2026-Q1``; unparseable labels and nulls
    get null (sort them last with ``nulls_last=True``).
    """
    parsed = _parsed(periods.unique().to_list())
    keys = {
        k: (p.end.toordinal() * 1000 + min(999, (p.end - p.start).days)) if p else None
        for k, p in parsed.items()
    }
    return periods.replace_strict(keys, default=None, return_dtype=pl.Int64).alias(
        "period_sort_key"
    )


def period_ordinal(periods: pl.Series) -> tuple[pl.Series, int]:
    r"""The ordinal of each period label and the number of periods a year (1, 4 or 12).

    For the models' lags and time trends: annual, quarterly and monthly labels (and
    integer years), one frequency per column. With :math:`f` periods a year, the trend in
    years of ordinal :math:`o` is :math:`\lfloor o / f \rfloor + (o \bmod f)/f`.

    Raises
    ------
    ValueError
        When a label is not annual, quarterly or monthly, or the column mixes frequencies.
    """
    if periods.dtype.is_integer():
        return periods.cast(pl.Int64).alias("period_ordinal"), 1
    labels = periods.cast(pl.String).str.strip_chars()
    parsed = _parsed(labels.unique().to_list())
    bad = [k for k, p in parsed.items() if p is None or p.freq not in ("A", "Q", "M")]
    if bad or labels.null_count():
        shown = bad[0] if bad else None
        raise ValueError(
            f"column {periods.name!r}: period label {shown!r} is not annual (2019), "
            "quarterly (2019-Q3) or monthly (2019-07)"
        )
    kinds = {p.freq for p in parsed.values() if p is not None}
    if len(kinds) != 1:
        raise ValueError(f"column {periods.name!r} mixes period frequencies")
    ordinals = {k: p.ordinal for k, p in parsed.items() if p is not None}
    per_year = _PER_YEAR[next(iter(kinds))]
    return labels.replace_strict(ordinals, return_dtype=pl.Int64).alias("period_ordinal"), per_year
