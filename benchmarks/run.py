"""Run the skills benchmarks: ``python benchmarks/run.py --rows 50000000``.

A thin wrapper around :func:`benchmarks.harness.main`; see BENCHMARKS.md for what is
measured and how to read the results. Not part of the test suite, nor of the installed
package: it runs from a source checkout, whose ``skills`` it measures.
"""

from __future__ import annotations

import sys
from pathlib import Path

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

from benchmarks.harness import main  # noqa: E402

if __name__ == "__main__":
    sys.exit(main())
