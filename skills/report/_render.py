"""Render Vega-Lite specs to SVG and PNG files: in this process, or in a helper process.

``vl_convert`` serialises its calls (two threads render no faster than one), and a chart
takes 0.2-0.4 s, so :func:`skills.report._build.write_chart_files` hands part of the
charts to a helper process started with ``python -m skills.report._render JOBS``, where
``JOBS`` is a JSON file::

    {"vl_version": "5.20", "formats": ["png", "svg"], "png_scale": 1.0,
     "charts": [{"svg": "/path/id.svg", "png": "/path/id.png", "spec": {...}}, ...]}

The helper writes each file under a temporary name and renames it into place. A chart
that cannot be rendered is skipped; the helper prints ``{"failed": {id: message}}`` as
its last line and exits 0. Any other error exits 1 (the error on standard error), and the
parent renders the helper's charts itself.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from skills._fileio import atomic_write_bytes

__all__ = ["render_charts"]


def render_charts(
    charts: Sequence[Mapping[str, Any]], formats: Sequence[str], vl_version: str, png_scale: float
) -> tuple[dict[str, float], dict[str, str]]:
    """Write each chart's ``svg`` and/or ``png`` file.

    Returns the seconds spent per format, and chart id -> error message for the charts
    that could not be rendered (their files are not written; the others are).

    Parameters
    ----------
    charts
        Each with ``id``, ``spec`` (a static Vega-Lite spec) and the target paths ``svg``
        and ``png``.
    formats
        Which of ``svg`` and ``png`` to write (a PNG is rendered from the SVG).
    vl_version, png_scale
        Passed to ``vl_convert``.
    """
    import vl_convert as vlc

    timings = {"svg": 0.0, "png": 0.0}
    failed: dict[str, str] = {}
    for chart in charts:
        try:
            t0 = time.perf_counter()
            svg = vlc.vegalite_to_svg(chart["spec"], vl_version=vl_version)
            timings["svg"] += time.perf_counter() - t0
            png = None
            if "png" in formats:
                t0 = time.perf_counter()
                png = vlc.svg_to_png(svg, scale=png_scale)
                timings["png"] += time.perf_counter() - t0
        except ValueError as exc:  # vl-convert's conversion errors
            failed[str(chart["id"])] = str(exc).splitlines()[0] if str(exc) else repr(exc)
            continue
        if "svg" in formats:
            _write(Path(chart["svg"]), svg.encode("utf-8"))
        if png is not None:
            _write(Path(chart["png"]), png)
    return timings, failed


def _write(path: Path, data: bytes) -> None:
    # inside the publication being written: promote() flushes it as a whole
    atomic_write_bytes(path, data, fsync=False)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the helper process (see the module docstring)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print("usage: python -m skills.report._render JOBS.json", file=sys.stderr)
        return 2
    try:
        jobs = json.loads(Path(args[0]).read_text(encoding="utf-8"))
        _, failed = render_charts(
            jobs["charts"], jobs["formats"], jobs["vl_version"], jobs["png_scale"]
        )
    except Exception as exc:  # reported to the parent, which renders the charts itself
        print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
        return 1
    print(json.dumps({"failed": failed}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
