"""Extra analyses: indicators, tables and models of your own, run and published by a refresh.

A pipeline spec names a function by its import path::

    [analyses.hires_realisation]
    function = "piedmont_extras.hires:hires_realisation"
    inputs = ["hires", "hiring_plans"]           # skipped, with the reason logged, without them
    options = { min_years = 3 }                   # keyword arguments of the function

After the built-in analyses, the refresh imports the function and calls it as
``function(context, **options)`` with an :class:`AnalysisContext` (the checked inputs by
role, the aligned panel, the indicators and tables so far, the region). It returns an
:class:`AnalysisResult`: indicator rows (shaped by :func:`skills.indicators.as_indicator`)
with an :class:`IndicatorDefinition` for every new id, tables by name, and
:class:`~skills.models.ModelResult` objects (built with :func:`skills.models.build_result`
for a model fitted with any library).

What the refresh does with it, exactly as with the built-in analyses:

* the indicator rows join ``indicators.parquet`` and go through the ``indicators`` suite,
  their ids, units and valid ranges checked against the declared definitions; the model
  rows join ``models.parquet`` (``models`` suite) and ``models_glance.parquet``; each
  table is written as ``<name>.parquet`` after a structural check (rows, finite numbers);
* every file is listed in the manifest; ``manifest.json`` ``extensions`` records each
  analysis (import path, digest of its code, options, what it produced, the definitions)
  and ``analyses`` (the run log) says whether it ran or why it was skipped;
* its stage is cached on its inputs, its options and the digest of its code (every
  ``.py`` file of the function's top-level package), so editing the code reruns it.

Errors stop the run and publish nothing (``DIR/latest`` is untouched): an import path
that does not import, names no function or does not accept the options is a
:class:`~skills.errors.ConfigError` (exit 2); an exception inside the function, a return
value that is not an :class:`AnalysisResult` or rows that break the contract are an
:class:`~skills.errors.ExtensionError` (exit 3); checked outputs that fail a suite are a
:class:`~skills.errors.QualityError` (exit 1). Every message names ``[analyses.<name>]``.


Modules
-------
``contract`` (:class:`AnalysisContext`, :class:`AnalysisResult`,
:class:`IndicatorDefinition`, :data:`BUILTIN_TABLES`), ``resolve`` (importing the
function, digesting its code: :func:`resolve_extensions`), ``run`` (calling it and checking
what it returns: :func:`run_extension`), ``checks`` (:func:`check_extension_tables`). Import
the names from ``skills.extensions``; the modules import one way, contract <- resolve <-
run, and checks alone.
"""

from __future__ import annotations

from skills.extensions.checks import check_extension_tables
from skills.extensions.contract import (
    BUILTIN_TABLES,
    AnalysisContext,
    AnalysisResult,
    IndicatorDefinition,
)
from skills.extensions.resolve import Extension, resolve_extension, resolve_extensions
from skills.extensions.run import ExtensionOutput, run_extension, skipped_output
from skills.extensions.run import _reserved_names as _reserved_names  # tests/test_roles.py

__all__ = [
    "BUILTIN_TABLES",
    "AnalysisContext",
    "AnalysisResult",
    "Extension",
    "ExtensionOutput",
    "IndicatorDefinition",
    "check_extension_tables",
    "resolve_extension",
    "resolve_extensions",
    "run_extension",
    "skipped_output",
]
