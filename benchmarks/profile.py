"""Where the time of ``skills bench aggregate job_ads`` goes: ``python benchmarks/profile.py``.

``python benchmarks/profile.py PATH FILE`` runs one path in this process, phase by
phase, and prints each phase's wall and CPU seconds (user + system, all threads) as
JSON. ``PATH`` is

``polars``
    the Polars query (:func:`skills.sources.records.streaming.aggregate_job_ads`, the
    path of ``skills bench aggregate`` before the dense one): importing the CLI, then
    Polars; reading the four columns (a count of their values); reading and building the
    packed key (its maximum); the group-by with the keys decoded; the 19-column panel in
    memory; writing it (zstd, Polars' default, then LZ4);
``dense``
    the dense path (:mod:`skills.sources.records.dense`): importing the CLI, then NumPy
    and pyarrow; reading the four columns (pyarrow, two threads); counting; the panel
    built and written.

Each phase after the imports runs from the file again, so its time includes the phases
before it: the table in BENCHMARKS.md reports the differences. Run each path in a fresh
process (the harness does: ``--sections profile``).
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path
from typing import Any

_ROOT = str(Path(__file__).resolve().parents[1])
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

_COLUMNS = ["posted_on", "geo_nuts3", "isco08", "education_level"]


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


class _Clock:
    def __init__(self) -> None:
        self.phases: list[dict[str, Any]] = []
        self.wall, self.cpu = time.perf_counter(), _cpu()

    def mark(self, phase: str) -> None:
        wall, cpu = time.perf_counter(), _cpu()
        self.phases.append(
            {"phase": phase, "wall": round(wall - self.wall, 4), "cpu": round(cpu - self.cpu, 4)}
        )
        self.wall, self.cpu = time.perf_counter(), _cpu()


def profile_polars(src: str, out: str) -> list[dict[str, Any]]:
    """The phases of the Polars query (see the module docstring)."""
    clock = _Clock()
    import skills.cli  # noqa: F401

    clock.mark("import the CLI (typer, skills)")
    import polars as pl

    from skills.sources.records.streaming import (
        _group,
        _job_ads_parts,
        _resolve_strategy,
        aggregate_job_ads,
        pack_key,
    )

    clock.mark("import Polars and the query")
    pl.scan_parquet(src).select(pl.col(_COLUMNS).count()).collect(engine="streaming")
    clock.mark("read the four columns (count their values)")
    frame, parts, _ = _job_ads_parts(src, 3, "month", "auto", None)
    key = pack_key([p.code for p in parts], [p.size for p in parts])
    frame.select(key.max()).collect(engine="streaming")
    clock.mark("read + build the packed key")
    strategy = _resolve_strategy("auto", src, parts)
    _group(frame, parts, None, strategy).collect(engine="streaming")
    clock.mark("read + key + group-by (sorted) + decode")
    panel = aggregate_job_ads(src).collect(engine="streaming")
    clock.mark("read + key + group-by + the 19-column panel")
    panel.write_parquet(out)
    clock.mark("write the panel (zstd)")
    panel.write_parquet(out, compression="lz4")
    clock.mark("write the panel (lz4)")
    aggregate_job_ads(src).sink_parquet(out, engine="streaming")
    clock.mark("the command's own work: sink_parquet of the query")
    return clock.phases


def profile_dense(src: str, out: str) -> list[dict[str, Any]]:
    """The phases of the dense path (see the module docstring)."""
    from concurrent.futures import ThreadPoolExecutor

    clock = _Clock()
    import skills.cli  # noqa: F401

    clock.mark("import the CLI (typer, skills)")
    import numpy  # noqa: F401
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    from skills.sources.records import dense

    clock.mark("import NumPy, pyarrow and the dense path")
    groups = range(pq.ParquetFile(src).num_row_groups)

    def read(group: int) -> int:
        return int(pq.ParquetFile(src).read_row_group(group, columns=_COLUMNS).num_rows)

    with ThreadPoolExecutor(max_workers=2) as pool:
        sum(pool.map(read, groups))
    clock.mark("read the four columns (pyarrow, two threads)")
    blocks = dense.job_ads_blocks(src)
    clock.mark("read + key + count")
    dense.write_panel(blocks, out)
    clock.mark("build and write the panel (snappy)")
    return clock.phases


def main(argv: list[str] | None = None) -> int:
    """``profile.py PATH FILE [OUT]``: print the phases as JSON."""
    args = sys.argv[1:] if argv is None else argv
    path, src = args[0], args[1]
    out = args[2] if len(args) > 2 else str(Path(src).with_suffix(".profile.parquet"))
    phases = (profile_polars if path == "polars" else profile_dense)(src, out)
    Path(out).unlink(missing_ok=True)
    print(json.dumps({"path": path, "input": src, "phases": phases}))
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
