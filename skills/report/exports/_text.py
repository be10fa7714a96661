"""Formula-injection neutralising, and the texts every part of the exports shares.

Formula injection (OWASP, "CSV Injection"): a *text* cell whose first character is
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a single quote in front
(:func:`neutralise`), in the CSV files and in the workbook alike. Numeric cells are never
touched: a negative gap stays the number -19.3.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.i18n import Messages

#: First characters that make a spreadsheet read a text cell as a formula (OWASP).
DANGEROUS_PREFIXES: tuple[str, ...] = ("=", "+", "-", "@", "\t", "\r")


def neutralise(text: str) -> str:
    """``text`` with a single quote in front when a spreadsheet would read it as a formula.

    OWASP's guidance on CSV injection: a cell beginning with ``=``, ``+``, ``-``, ``@``,
    a tab or a carriage return is prefixed with ``'``. Nothing else changes, so the
    original is the result less its first character whenever the two differ; the
    function is idempotent.

    >>> [neutralise(s) for s in ("=SUM(A1)", "+39 011", "@x", "Torino", "")]
    ["'=SUM(A1)", "'+39 011", "'@x", 'Torino', '']
    """
    return f"'{text}" if text[:1] in DANGEROUS_PREFIXES else text


def neutralise_expr(expr: pl.Expr) -> pl.Expr:
    """:func:`neutralise` on a String expression (nulls stay null, the name is kept)."""
    return expr.str.replace(r"^([=+\-@\t\r])", "'${1}")


def _shown_label(label: str | None, t: Messages) -> str:
    """The data label in the reader's language, in capitals ('' for real data)."""
    from skills.report.frames import data_label_text

    text = data_label_text(label, t)
    return text.upper() if text else ""


def _title(pub: Publication, t: Messages) -> str:
    """The exports' title: the pipeline's title (else the region) and the run id."""
    title = pub.title(t.lang) or pub.region or "skills"
    return t("exports.def.title", title=title, run_id=pub.run_id)
