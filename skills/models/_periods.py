r"""Period labels to numbers: an ordinal for lags and a time trend in years.

Accepted labels (one frequency per column): annual ``2019``; quarterly ``2019-Q3`` or
``2019Q3``; monthly ``2019-07`` or ``2019M07``; integer years. For a period with ordinal
:math:`o` in a frequency with :math:`f` periods a year,

.. math:: \text{years}(o) = \lfloor o / f \rfloor + (o \bmod f)/f,
          \qquad \text{trend} = \text{years} - \min(\text{years}),

so ``2019-Q3`` is 2019.5 and the trend counts years since the first period, with quarters
and months as fractions.
"""

from __future__ import annotations

import polars as pl

__all__ = ["period_ordinal"]

_PATTERNS: tuple[tuple[str, int, str], ...] = (
    ("annual", 1, r"^(\d{4})$"),
    ("quarterly", 4, r"^(\d{4})-?Q([1-4])$"),
    ("monthly", 12, r"^(\d{4})(?:-|M)(0[1-9]|1[0-2])$"),
)


def period_ordinal(periods: pl.Series) -> tuple[pl.Series, int]:
    """The ordinal (consecutive integers within a frequency) of each period label, and the
    number of periods a year (1, 4 or 12).

    Raises
    ------
    ValueError
        When a label is not recognised or the column mixes frequencies.
    """
    if periods.dtype.is_integer():
        return periods.cast(pl.Int64).alias("period_ordinal"), 1
    labels = periods.cast(pl.String).str.strip_chars()
    found: list[tuple[int, pl.Series]] = []
    matched = pl.Series([False] * labels.len())
    for _, per_year, pattern in _PATTERNS:
        hit = labels.str.contains(pattern).fill_null(False)
        if hit.any():
            year = labels.str.extract(pattern, 1).cast(pl.Int64)
            sub = labels.str.extract(pattern, 2).cast(pl.Int64) if per_year > 1 else None
            ordinal = year * per_year + (sub - 1 if sub is not None else 0)
            found.append((per_year, ordinal))
            matched = matched | hit
    bad = labels.filter(~matched)
    if bad.len():
        raise ValueError(
            f"column {periods.name!r}: period label {bad[0]!r} is not annual (2019), "
            "quarterly (2019-Q3) or monthly (2019-07)"
        )
    if len(found) != 1:
        raise ValueError(f"column {periods.name!r} mixes period frequencies")
    per_year, ordinal = found[0]
    return ordinal.alias("period_ordinal"), per_year
