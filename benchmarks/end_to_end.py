"""End-to-end comparison: what a user running one command on a job-ad file waits for.

Whole processes, imports and the written result included, in one run, on both file
encodings (``strings``: the codes as dictionary text, what exports usually hold;
``codes``: integer codes with their lists in the file metadata):

``skills``
    ``python -m skills.cli bench aggregate job_ads FILE --out OUT`` - the 19-column
    panel (province x month x ISCO-08 minor group x education asked);
``duckdb``
    one SQL statement, ``COPY (SELECT ... GROUP BY` the same four keys) TO OUT``;
``pandas``
    ``read_parquet(columns)`` + ``groupby().size()`` + ``to_parquet``;
``floor``
    a Polars streaming scan of the same four columns that only counts their values
    (every value decoded, nothing else done): no aggregation can be faster on this
    machine with this reader.

The ``engines`` section adds the same command on the portable path
(:mod:`skills.sources.records.portable`), run by another engine:

``skills-duckdb``
    ``python -m skills.cli bench aggregate job_ads FILE --out OUT --engine duckdb``;
``skills-spark``
    ``... --engine spark --master local[2]`` (a local Spark session: a JVM started by
    PySpark, a child process of the Python one).

The outputs of ``skills``, ``duckdb`` and ``pandas`` are compared after the timing:
the same number of cells and the same count in every cell (:func:`check_counts`); the
panels of ``skills-duckdb`` and ``skills-spark`` must moreover be the same frame as
``skills``'s (``polars.testing.assert_frame_equal``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Final

__all__ = ["ENGINES", "MASTER", "PORTABLE", "PORTABLE_ENGINES", "check_counts", "command"]

#: The engines compared, in the order they run within a repetition.
ENGINES: Final[tuple[str, ...]] = ("skills", "duckdb", "pandas", "floor")
#: ``skills bench aggregate --engine E`` for each portable engine E.
PORTABLE: Final[dict[str, str]] = {"skills-duckdb": "duckdb", "skills-spark": "spark"}
#: The engines of the ``engines`` section, in the order they run within a repetition.
PORTABLE_ENGINES: Final[tuple[str, ...]] = (
    "skills",
    "skills-duckdb",
    "skills-spark",
    "duckdb",
    "pandas",
)
#: The Spark master of ``skills-spark``: a local session on two cores.
MASTER: Final = "local[2]"
_COLUMNS: Final = ("posted_on", "geo_nuts3", "isco08", "education_level")

_DUCKDB: Final = """
import sys, duckdb
src, out, text = sys.argv[1], sys.argv[2], sys.argv[3] == "strings"
isco = "substr(isco08, 1, 3)" if text else "isco08 // 10"
duckdb.sql(f'''
COPY (
  SELECT geo_nuts3 AS geo, strftime(posted_on, '%Y-%m') AS period, {isco} AS isco08,
         education_level, count(*) AS n
  FROM read_parquet('{src}')
  GROUP BY ALL
) TO '{out}' (FORMAT parquet)''')
"""

_PANDAS: Final = """
import sys, pandas as pd
src, out = sys.argv[1], sys.argv[2]
ads = pd.read_parquet(src, columns=["posted_on", "geo_nuts3", "isco08", "education_level"])
ads["period"] = ads["posted_on"].dt.strftime("%Y-%m")
if isinstance(ads["isco08"].dtype, pd.CategoricalDtype):
    ads["isco08"] = ads["isco08"].map({c: c[:3] for c in ads["isco08"].cat.categories})
else:
    ads["isco08"] = ads["isco08"] // 10
counts = (
    ads.groupby(["geo_nuts3", "period", "isco08", "education_level"], dropna=False,
                observed=True)
    .size()
    .rename("n")
    .reset_index()
)
counts.to_parquet(out, index=False)
"""

_FLOOR: Final = """
import sys, polars as pl
cols = ["posted_on", "geo_nuts3", "isco08", "education_level"]
print(pl.scan_parquet(sys.argv[1]).select(pl.col(cols).count()).collect(engine="streaming"))
"""


def command(engine: str, src: Path, out: Path, encoding: str, *, master: str = MASTER) -> list[str]:
    """The command line of ``engine`` on ``src`` (writing ``out``); ``master`` is the
    Spark master of ``skills-spark``."""
    py = sys.executable
    if engine == "skills" or engine in PORTABLE:
        cli = [py, "-m", "skills.cli", "bench", "aggregate", "job_ads", str(src), "--out"]
        if engine == "skills":
            return [*cli, str(out)]
        extra = ["--master", master] if PORTABLE[engine] == "spark" else []
        return [*cli, str(out), "--engine", PORTABLE[engine], *extra]
    if engine == "duckdb":
        return [py, "-c", _DUCKDB, str(src), str(out), encoding]
    if engine == "pandas":
        return [py, "-c", _PANDAS, str(src), str(out)]
    if engine == "floor":
        return [py, "-c", _FLOOR, str(src)]
    known = dict.fromkeys((*ENGINES, *PORTABLE_ENGINES))
    raise ValueError(f"unknown engine {engine!r}: use {', '.join(known)}")


def _normalised(path: Path, engine: str, src: Path) -> Any:
    """An engine's output as (geo, period, isco08, education_level, n), codes as text."""
    import polars as pl

    from skills.sources.records.metadata import code_lists, file_info

    frame = pl.read_parquet(path)
    if engine == "skills" or engine in PORTABLE:
        frame = frame.select(
            "geo",
            "period",
            "isco08",
            pl.col("education_level").replace("UNK", None),
            pl.col("value").cast(pl.Int64).alias("n"),
        )
    else:
        frame = frame.rename({"geo_nuts3": "geo"}) if "geo_nuts3" in frame.columns else frame
        info = file_info(src) or {}
        if info.get("encoding") == "codes":
            lists = code_lists(src, ["geo_nuts3", "education_level"])
            frame = frame.with_columns(
                pl.col("geo").replace_strict(dict(enumerate(lists["geo_nuts3"])), default=None),
                pl.col("isco08").cast(pl.Int64).cast(pl.String).str.zfill(3),
                pl.col("education_level").replace_strict(
                    dict(enumerate(lists["education_level"])), default=None
                ),
            )
        frame = frame.select(
            *(pl.col(c).cast(pl.String) for c in ("geo", "period", "isco08", "education_level")),
            pl.col("n").cast(pl.Int64),
        )
    keys = ["geo", "period", "isco08", "education_level"]
    return frame.sort(keys, nulls_last=True)


def check_counts(outputs: dict[str, Path], src: Path) -> dict[str, Any]:
    """Compare the engines' outputs with ``skills``'s: same cells, same count in each.

    The panels of the portable engines (:data:`PORTABLE`) must moreover equal
    ``skills``'s panel as frames (``same_frame``; ``difference`` says how they differ).
    """
    import polars as pl
    from polars.testing import assert_frame_equal

    base = _normalised(outputs["skills"], "skills", src)
    out: dict[str, Any] = {"cells": base.height, "ads": int(base["n"].sum())}
    panel = None
    for engine, path in outputs.items():
        if engine == "skills" or not path.exists():
            continue
        other = _normalised(path, engine, src)
        out[engine] = {"cells": other.height, "same_counts": bool(base.equals(other))}
        if engine in PORTABLE:
            panel = pl.read_parquet(outputs["skills"]) if panel is None else panel
            try:
                assert_frame_equal(pl.read_parquet(path), panel)
            except AssertionError as exc:
                out[engine].update(same_frame=False, difference=str(exc)[:500])
            else:
                out[engine]["same_frame"] = True
    return out
