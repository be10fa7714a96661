"""The benchmark harness (a source checkout only; not in the installed package).

``python benchmarks/run.py --help`` runs it; see ``BENCHMARKS.md``. Modules:
:mod:`benchmarks.harness` (timing, checks, JSON, the Markdown summary),
:mod:`benchmarks.worker` (one measured run in a fresh process) and
:mod:`benchmarks.baseline` (the plain pandas aggregations). The code they measure is the
package's: :mod:`skills.sources.records`.
"""
