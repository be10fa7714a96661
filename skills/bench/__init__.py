"""Scale: synthetic record-level data, streaming aggregations and the benchmark harness.

* :func:`generate` - deterministic synthetic LFS person records and job-ad records as
  Parquet, at any size, in bounded memory (:mod:`skills.bench.synthetic`);
* :func:`aggregate_job_ads`, :func:`aggregate_lfs` - Polars lazy, streaming
  aggregations of such records into the aligned panel's long shape
  (:mod:`skills.bench.streaming`);
* :func:`run_benchmarks` - the harness comparing them with plain pandas, and timing the
  demo refresh, a no-change rerun and ``skills --help`` (:mod:`skills.bench.harness`).

Names are imported lazily, so that the pandas baseline's worker process never loads
Polars. See ``BENCHMARKS.md`` at the repository root for results and how to reproduce
them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from skills.bench.harness import run_benchmarks, summary_markdown
    from skills.bench.streaming import (
        STRATEGIES,
        aggregate,
        aggregate_file,
        aggregate_job_ads,
        aggregate_lfs,
    )
    from skills.bench.synthetic import (
        DEFAULT_SEED,
        KINDS,
        code_lists,
        data_path,
        file_info,
        generate,
        read_records,
    )

_WHERE = {
    "STRATEGIES": "streaming",
    "aggregate": "streaming",
    "aggregate_file": "streaming",
    "aggregate_job_ads": "streaming",
    "aggregate_lfs": "streaming",
    "DEFAULT_SEED": "synthetic",
    "KINDS": "synthetic",
    "code_lists": "synthetic",
    "data_path": "synthetic",
    "file_info": "synthetic",
    "generate": "synthetic",
    "read_records": "synthetic",
    "run_benchmarks": "harness",
    "summary_markdown": "harness",
}

__all__ = [
    "DEFAULT_SEED",
    "KINDS",
    "STRATEGIES",
    "aggregate",
    "aggregate_file",
    "aggregate_job_ads",
    "aggregate_lfs",
    "code_lists",
    "data_path",
    "file_info",
    "generate",
    "read_records",
    "run_benchmarks",
    "summary_markdown",
]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        module = importlib.import_module(f"skills.bench.{_WHERE[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'skills.bench' has no attribute {name!r}")
