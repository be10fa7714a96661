"""ISCO-08 occupation groups and the Polars expressions that normalise ISCO-08 codes."""

from __future__ import annotations

from functools import cache

import polars as pl

from skills.classifications._shipped import _read_shipped

__all__ = ["isco08_groups", "isco08_major", "isco08_to_eurostat", "normalise_isco08"]

_ISCO_CODE_RE = r"^\d{1,4}$"


@cache
def _isco08_groups() -> pl.DataFrame:
    return _read_shipped("isco08_groups.csv")


def isco08_groups() -> pl.DataFrame:
    """Return the ISCO-08 major (10), sub-major (43) and minor (130) groups.

    Returns
    -------
    polars.DataFrame
        ``isco08`` (String, plain digits with leading zeros: ``0``, ``01``, ``011``),
        ``level`` (Int8, 1-3 = number of digits), ``parent`` (String, null for major
        groups), ``title_en`` (ILO English title, sentence case), ``skill_group_oecd``
        (``high`` for major groups 1-3, ``middle`` for 4, 7, 8, ``low`` for 5, 9; null for
        0 and 6, which OECD Employment Outlook 2017 leaves out of the denominator),
        ``ilo_skill_level_min`` / ``ilo_skill_level_max`` (Int8; ILO ISCO-08 vol. I,
        Table 1: 1 -> 3-4, 2 -> 4, 3 -> 3, 4-8 -> 2, 9 -> 1; the armed forces span 1-4
        as a major group, with 01 -> 4, 02 -> 2, 03 -> 1; within managers, 11-13 -> 4
        and 14 -> 3). Sorted by code.
    """
    return _isco08_groups().clone()


def _as_expr(expr: pl.Expr | str) -> pl.Expr:
    return pl.col(expr) if isinstance(expr, str) else expr


def normalise_isco08(expr: pl.Expr | str) -> pl.Expr:
    """Map Eurostat ISCO-08 codes (``OC1``, ``OC11``, ``OC0``) and plain digits to digits.

    Parameters
    ----------
    expr
        A String expression (or a column name) holding ISCO-08 codes as Eurostat writes
        them (``OC`` + 1-4 digits) or as plain digits; surrounding blanks and lower case
        are tolerated.

    Returns
    -------
    polars.Expr
        Plain digits with leading zeros kept (``OC01`` -> ``01``, ``OC1`` -> ``1``,
        ``0110`` -> ``0110``). Eurostat's non-occupation codes ``TOTAL`` (all
        occupations), ``NRP`` (no response) and ``UNK`` (unknown) become **null**, and so
        does anything else that is not 1-4 digits after an optional ``OC``: compare
        with the input's nulls to find such values. Whether a well-formed code exists
        in ISCO-08 is not checked here (join with :func:`isco08_groups`).
    """
    text = _as_expr(expr).cast(pl.String).str.strip_chars().str.to_uppercase()
    digits = text.str.replace(r"^OC", "")
    return (
        pl.when(digits.str.contains(_ISCO_CODE_RE))
        .then(digits)
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def isco08_to_eurostat(expr: pl.Expr | str) -> pl.Expr:
    """Write plain-digit ISCO-08 codes the Eurostat way (``251`` -> ``OC251``).

    The inverse of :func:`normalise_isco08` on valid codes; anything that is not 1-4
    digits (including nulls) becomes null.
    """
    text = _as_expr(expr).cast(pl.String)
    return (
        pl.when(text.str.contains(_ISCO_CODE_RE))
        .then(text.str.replace(r"^(\d{1,4})$", "OC$1"))
        .otherwise(pl.lit(None, dtype=pl.String))
    )


def isco08_major(expr: pl.Expr | str) -> pl.Expr:
    """Return the ISCO-08 major group (one digit, String) of Eurostat or plain codes.

    ``OC251`` and ``2512`` give ``2``; ``OC0`` and ``011`` give ``0``; ``TOTAL``,
    ``NRP``, ``UNK`` and malformed values give null (see :func:`normalise_isco08`).
    """
    return normalise_isco08(expr).str.slice(0, 1)
