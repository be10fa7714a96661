"""Run the skills benchmarks: ``python benchmarks/run.py --rows 50000000``.

A thin wrapper around :func:`skills.bench.harness.main`; see BENCHMARKS.md for what is
measured and how to read the results. Not part of the test suite.
"""

from __future__ import annotations

import sys

from skills.bench.harness import main

if __name__ == "__main__":
    sys.exit(main())
