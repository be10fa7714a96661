"""One measured run in a fresh process: ``python benchmarks/worker.py ENGINE KIND IN OUT``.

``ENGINE`` is ``polars`` (:func:`skills.sources.records.streaming.aggregate` with ``--strategy``,
collected with the streaming engine) or ``pandas`` (:mod:`benchmarks.baseline`). The
engine's libraries are imported first; the clock then covers reading the input and
building the panel rows as a data frame in memory. The frame is then written to ``OUT``
(Parquet, outside the timed span) so that the harness can compare the two engines'
numbers.

The last line printed is JSON: ``seconds`` (the timed span), ``cpu_seconds`` (user +
system CPU time of the span, all threads), ``import_seconds``, ``rows`` (result rows),
``maxrss_kib`` (this process's peak resident set when the result was complete, from
``getrusage``: the memory figure the harness compares) and ``maxrss_end_kib`` (after
writing ``OUT``). The process must be started from a small parent (the harness's
launcher): Linux counts the peak of the address space a process had before ``exec``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

# Run as a script: make the checkout's root (``benchmarks``, ``skills``) importable.
_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _maxrss() -> int:
    return int(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


def main(argv: list[str] | None = None) -> int:
    """Run one aggregation and print its measurements as JSON."""
    parser = argparse.ArgumentParser(prog="python benchmarks/worker.py")
    parser.add_argument("engine", choices=["polars", "pandas"])
    parser.add_argument("kind", choices=["job_ads", "lfs"])
    parser.add_argument("input")
    parser.add_argument("output")
    parser.add_argument("--strategy", default="auto")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    strategy = None
    if args.engine == "polars":
        from skills.sources.records.streaming import aggregate, chosen_strategy

        strategy = chosen_strategy(args.kind, args.input, args.strategy)
        imported, cpu_start = time.perf_counter(), _cpu()
        frame = aggregate(args.kind, args.input, strategy=args.strategy).collect(engine="streaming")
        done, cpu_done, rss_done = time.perf_counter(), _cpu(), _maxrss()
        rows = frame.height
        frame.write_parquet(args.output)
    else:
        import pandas as pd

        from benchmarks.baseline import job_ads_pandas, lfs_pandas

        del pd
        imported, cpu_start = time.perf_counter(), _cpu()
        run = job_ads_pandas if args.kind == "job_ads" else lfs_pandas
        frame = run(args.input)
        done, cpu_done, rss_done = time.perf_counter(), _cpu(), _maxrss()
        rows = len(frame)
        frame.to_parquet(args.output, index=False)
    report = {
        "engine": args.engine,
        "kind": args.kind,
        "strategy": strategy,
        "seconds": round(done - imported, 4),
        "cpu_seconds": round(cpu_done - cpu_start, 4),
        "import_seconds": round(imported - start, 4),
        "rows": int(rows),
        "maxrss_kib": rss_done,
        "maxrss_end_kib": _maxrss(),
        "polars_loaded": "polars" in sys.modules,
        "pandas_loaded": "pandas" in sys.modules,
    }
    print(json.dumps(report))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
