"""Input checks shared by the mismatch, qualification and shortage measures.

Each measure validates its frame the same way: required columns and types at call time,
and value guards (negative or non-finite counts, duplicated keys) that raise a
``ValueError`` naming the function, the column and example rows - at once for a
DataFrame, when the result is collected for a LazyFrame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import polars as pl

FrameT = TypeVar("FrameT", pl.DataFrame, pl.LazyFrame)

_ALL = "__all_rows__"
_GUARD_EXAMPLES = 5


# ------------------------------------------------------------------ shared helpers
# (also used by skills.indicators.qualification and skills.indicators.shortage)
def _start(frame: object, fname: str) -> pl.LazyFrame:
    """The input as a LazyFrame; TypeError for anything that is not a Polars frame."""
    if isinstance(frame, pl.DataFrame | pl.LazyFrame):
        return frame.lazy()
    msg = f"{fname}: expected a polars DataFrame or LazyFrame, got {type(frame).__name__}"
    raise TypeError(msg)


def _finish(lf: pl.LazyFrame, like: FrameT) -> FrameT:
    """``lf`` collected when the caller passed a DataFrame, else as it is."""
    if isinstance(like, pl.DataFrame):
        return lf.collect()
    return lf


def _names(value: str | Iterable[str], what: str, fname: str) -> tuple[str, ...]:
    """A column name or a sequence of names as a tuple; no blanks, no repeats."""
    names = (value,) if isinstance(value, str) else tuple(value)
    for n in names:
        if not isinstance(n, str) or not n:
            msg = f"{fname}: {what} must be column names, got {n!r}"
            raise ValueError(msg)
    if len(set(names)) != len(names):
        msg = f"{fname}: {what} repeats a column: {list(names)}"
        raise ValueError(msg)
    return names


def _distinct(fname: str, **roles: str | Sequence[str] | None) -> None:
    """Raise if one column plays two roles (e.g. the unit is also a grouping column)."""
    seen: dict[str, str] = {}
    for role, cols in roles.items():
        if cols is None:
            continue
        for c in (cols,) if isinstance(cols, str) else cols:
            if c in seen:
                msg = f"{fname}: column {c!r} is used both as {seen[c]} and as {role}"
                raise ValueError(msg)
            seen[c] = role


def _check_columns(lf: pl.LazyFrame, columns: Iterable[str], fname: str) -> pl.Schema:
    """The frame's schema; ValueError naming the missing columns, if any."""
    schema = lf.collect_schema()
    missing = [c for c in columns if c not in schema]
    if missing:
        msg = (
            f"{fname}: missing column(s) {missing}; the frame has {schema.names()}. "
            "Pass the column names as keyword arguments if they differ."
        )
        raise ValueError(msg)
    return schema


def _check_numeric(schema: pl.Schema, columns: Iterable[str], fname: str) -> None:
    bad = {c: str(schema[c]) for c in columns if not schema[c].is_numeric()}
    if bad:
        msg = f"{fname}: column(s) must be numeric, got {bad}"
        raise ValueError(msg)


def _check_string(schema: pl.Schema, columns: Iterable[str], fname: str) -> None:
    bad = {c: str(schema[c]) for c in columns if schema[c] != pl.String}
    if bad:
        msg = f"{fname}: code column(s) must be String (codes keep leading zeros), got {bad}"
        raise ValueError(msg)


def _label(columns: Sequence[str]) -> pl.Expr:
    """A readable row label for error messages: the values of ``columns`` joined by /."""
    if not columns:
        return pl.lit("(all rows)")
    parts = [pl.col(c).cast(pl.String).fill_null("null") for c in columns]
    return pl.concat_str(parts, separator="/")


def _guard(lf: pl.LazyFrame, bad: pl.Expr, label: pl.Expr, message: str) -> pl.LazyFrame:
    """Raise ValueError(``message``) when any row has ``bad`` true, once data are evaluated.

    The check is a filter that keeps every row, so the optimiser can neither drop it nor
    evaluate it on other rows than those of ``lf``; the error lists up to five labels.
    """

    def check(s: pl.Series, return_dtype: Any = None) -> pl.Series:
        flags = s.struct.field("bad").fill_null(False)
        if flags.any():
            labels = s.struct.field("label").filter(flags).unique(maintain_order=True)
            shown = labels.head(_GUARD_EXAMPLES).to_list()
            more = f" and {labels.len() - len(shown)} more" if labels.len() > len(shown) else ""
            raise ValueError(f"{message} (at {shown}{more})")
        return pl.Series(values=[True] * s.len(), dtype=pl.Boolean)

    payload = pl.struct(bad.alias("bad"), label.cast(pl.String).alias("label"))
    return lf.filter(payload.map_batches(check, return_dtype=pl.Boolean))


def _nan_to_null(columns: Iterable[str], schema: pl.Schema) -> list[pl.Expr]:
    return [pl.col(c).fill_nan(None) for c in columns if schema[c].is_float()]


def _guard_values(
    lf: pl.LazyFrame,
    columns: Iterable[str],
    keys: Sequence[str],
    fname: str,
    *,
    positive: bool = False,
) -> pl.LazyFrame:
    """Reject infinite and negative (or, with ``positive``, non-positive) values."""
    for c in columns:
        col = pl.col(c).cast(pl.Float64)
        low = col <= 0 if positive else col < 0
        what = "zero or negative" if positive else "negative"
        lf = _guard(
            lf,
            col.is_infinite() | low,
            _label(keys),
            f"{fname}: column {c!r} has infinite or {what} values",
        )
    return lf


def _guard_unique(lf: pl.LazyFrame, keys: Sequence[str], fname: str) -> pl.LazyFrame:
    """Reject rows sharing ``keys`` (they would be counted twice)."""
    return _guard(
        lf,
        pl.len().over(list(keys)) > 1,
        _label(keys),
        f"{fname}: more than one row per {list(keys)}; aggregate or filter first",
    )


def _keys(lf: pl.LazyFrame, by: Sequence[str]) -> tuple[pl.LazyFrame, list[str]]:
    """Grouping keys usable in ``over``/``join``: a constant dummy when ``by`` is empty."""
    if by:
        return lf, list(by)
    return lf.with_columns(pl.lit(0, pl.Int8).alias(_ALL)), [_ALL]


def _drop_dummy(lf: pl.LazyFrame) -> pl.LazyFrame:
    return lf.drop(_ALL, strict=False)


def _agg(lf: pl.LazyFrame, by: Sequence[str], exprs: Sequence[pl.Expr]) -> pl.LazyFrame:
    """``group_by(by).agg(exprs)`` sorted by ``by``; one row overall when ``by`` is empty."""
    if not by:
        return lf.select(exprs)
    return lf.group_by(list(by)).agg(exprs).sort(list(by), nulls_last=False)


def _check_fraction(value: object, name: str, fname: str) -> float:
    """A float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        msg = f"{fname}: {name} must be a number in (0, 1), got {value!r}"
        raise ValueError(msg)
    x = float(value)
    if not (math.isfinite(x) and 0 < x < 1):
        msg = f"{fname}: {name} must lie strictly between 0 and 1, got {value!r}"
        raise ValueError(msg)
    return x


# ------------------------------------------------------------------ unit frames
def _unit_frame(
    frame: object,
    fname: str,
    *,
    unemployed: str,
    vacancies: str,
    unit: str,
    by: str | Sequence[str],
    extra: Sequence[str] = (),
) -> tuple[pl.LazyFrame, tuple[str, ...]]:
    """Validated unit-level input of :func:`jackman_roper` and :func:`sahin_index`."""
    lf = _start(frame, fname)
    by_: tuple[str, ...] = _names(by, "by", fname)
    _distinct(fname, by=by_, unit=unit, unemployed=unemployed, vacancies=vacancies, extra=extra)
    counts = [unemployed, vacancies]
    schema = _check_columns(lf, [*by_, unit, *counts, *extra], fname)
    _check_numeric(schema, [*counts, *extra], fname)
    lf = lf.with_columns(_nan_to_null([*counts, *extra], schema))
    lf = _guard_values(lf, counts, [*by_, unit], fname)
    lf = _guard_values(lf, extra, [*by_, unit], fname, positive=True)
    lf = _guard_unique(lf, [*by_, unit], fname)
    return lf, by_
