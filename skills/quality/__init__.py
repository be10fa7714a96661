"""Data-quality suites: run the expectations in ``expectations/`` and return a typed report.

Every table a run reads or writes has one suite, a great-expectations suite kept as a
reviewable JSON file in ``expectations/`` and named by table (``indicators.json``,
``panel.json``, ``its_courses.json``, ``eurostat__unemployment_rate.json``, ...). Each
expectation carries a severity in its ``meta``: ``error`` stops the run, ``warning`` is
reported.

How a table is validated
------------------------
1. Structure, in Polars: required columns, dtypes, key uniqueness, row count
   (:func:`check_structure`).
2. Values, on the table's own rows and on aggregated check tables Polars computes first:
   ``steps`` (period-on-period ratios), ``gaps`` (missing periods per series),
   ``periods`` (row counts per period), ``shares`` (sums of shares per group), ... (see
   :mod:`skills.quality._checks`). The simple expectation types (not-null, between,
   in-set, regex, non-null share, column pairs) are evaluated in Polars with
   great-expectations' semantics (:mod:`skills.quality._polars_values`); any other type
   runs in great-expectations on a pandas copy (:mod:`skills.quality._gx`).

great_expectations is imported only when an expectation needs it (it takes seconds to
import); the shipped suites need it for none. ``SKILLS_QUALITY_ENGINE=great_expectations``
(or ``engine="great_expectations"``) runs every value expectation in GX, the reference
the Polars evaluator is tested against (``tests/test_quality_polars.py``).

Examples
--------
>>> from skills.quality import validate_tables, render_quality_html  # doctest: +SKIP
>>> report = validate_tables({"indicators": indicators, "panel": panel})  # doctest: +SKIP
>>> report.passed, report.counts  # doctest: +SKIP
>>> print(report.summary_text())  # doctest: +SKIP
"""

from __future__ import annotations

from skills.quality._html import render_quality_html
from skills.quality._report import ExpectationOutcome, Severity, ValidationReport
from skills.quality._run import (
    ENGINE_ENV,
    check_structure,
    gx_context,
    validate_table,
    validate_tables,
    value_engine,
)
from skills.quality._suite import (
    Expectation,
    Suite,
    available_suites,
    load_suite,
    parse_suite,
    suite_for_role,
    suite_parameters,
)

__all__ = [
    "ENGINE_ENV",
    "Expectation",
    "ExpectationOutcome",
    "Severity",
    "Suite",
    "ValidationReport",
    "available_suites",
    "check_structure",
    "gx_context",
    "load_suite",
    "parse_suite",
    "render_quality_html",
    "suite_for_role",
    "suite_parameters",
    "validate_table",
    "validate_tables",
    "value_engine",
]
