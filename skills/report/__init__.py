"""The report: one self-contained HTML page per publication, plus every chart as files.

:func:`build_report` reads a publication folder (``manifest.json``, the parquet tables,
``quality.json``) and writes, next to them:

* ``report.html``: the page, opening with no network (Vega, Vega-Lite and Vega-Embed
  inlined once, then ``vegaEmbed`` per chart spec), printable;
* ``charts/<chart_id>.vl.json``, ``.svg`` and ``.png``: each chart as a Vega-Lite spec
  and rendered by vl-convert.

It never recomputes an indicator or refits a model: charts draw small aggregates of the
published tables. Importing this package is cheap; altair and vl_convert are imported
only when a report is built.

>>> from pathlib import Path
>>> from skills.report import build_report
>>> result = build_report(Path("demo-out/out/latest"))  # doctest: +SKIP
>>> result.report, result.bytes  # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["CHART_IDS", "FORMATS", "ReportResult", "build_report"]

#: What build_report can write.
FORMATS: tuple[str, ...] = ("html", "png", "svg", "json")

#: Every chart id, in page order (see docs/report.md).
CHART_IDS: tuple[str, ...] = (
    "its_gap_by_area",
    "its_supply_demand_trend",
    "its_outcomes",
    "its_gap_drivers",
    "skill_shares_trend",
    "skill_share_change",
    "polarisation_percentiles",
    "polarisation_u_test",
    "beveridge_curve",
    "mismatch_indices",
    "shortage_ranking",
)


@dataclass(frozen=True)
class ReportResult:
    """What :func:`build_report` wrote.

    Attributes
    ----------
    report
        ``report.html`` (None when ``"html"`` was not among the formats).
    charts
        The chart files written (``charts/<chart_id>.vl.json|.svg|.png``).
    bytes
        Size of ``report.html`` in bytes (0 without HTML).
    chart_ids
        The charts drawn, in page order.
    notes
        What was left out and why (a missing file, a chart without data).
    seconds
        Wall time per step (``read``, ``charts``, ``bundle``, ``html``, ``json``,
        ``svg``, ``png``, ``total``).
    """

    report: Path | None
    charts: tuple[Path, ...]
    bytes: int
    chart_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def chart_bytes(self) -> int:
        """Total size of the chart files."""
        return sum(p.stat().st_size for p in self.charts if p.exists())


def build_report(
    publication_dir: Path,
    *,
    out: Path | None = None,
    formats: Sequence[str] = FORMATS,
    strict: bool = False,
) -> ReportResult:
    """Build ``report.html`` and ``charts/`` for the publication in ``publication_dir``.

    Parameters
    ----------
    publication_dir
        A publication folder (``OUT/latest`` or the refresh's temporary folder). Only
        its files are read.
    out
        Folder to write into; defaults to ``publication_dir``.
    formats
        Any of ``"html"``, ``"png"``, ``"svg"``, ``"json"``.
    strict
        Raise when a chart cannot be built (tests); by default the chart is left out and
        the page says why, so a report problem never blocks a validated publication.

    Raises
    ------
    skills.errors.ConfigError
        ``publication_dir`` is not a folder, or a format is unknown (exit code 2).
    """
    from skills.errors import ConfigError

    t0 = time.perf_counter()
    folder = Path(publication_dir)
    if not folder.is_dir():
        raise ConfigError(f"{folder}: not a publication folder")
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown report format(s) {', '.join(unknown)}; use any of {', '.join(FORMATS)}"
        )
    target = Path(out) if out is not None else folder
    target.mkdir(parents=True, exist_ok=True)

    from skills.report._build import _names, prepare_charts, write_chart_files
    from skills.report._publication import read_publication

    seconds: dict[str, float] = {}
    pub = read_publication(folder)
    seconds["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    items, notes = prepare_charts(pub, strict=strict)
    seconds["charts"] = time.perf_counter() - t

    import altair as alt

    vl_version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    timings, render_notes = write_chart_files(
        items, target / "charts", formats, vl_version, strict=strict
    )
    seconds.update(timings)
    notes = [*notes, *render_notes]
    report: Path | None = None
    size = 0
    if "html" in formats:
        t = time.perf_counter()
        bundle = javascript_bundle(vl_version)
        seconds["bundle"] = time.perf_counter() - t
        t = time.perf_counter()
        from skills.report.page import render_page

        html = render_page(pub, items, notes, bundle=bundle, names=_names(pub), strict=strict)
        report = target / "report.html"
        tmp = report.with_suffix(".html.tmp")
        tmp.write_text(html, encoding="utf-8")
        tmp.replace(report)
        size = report.stat().st_size
        seconds["html"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    return ReportResult(
        report=report,
        charts=tuple(p for item in items for p in item.files),
        bytes=size,
        chart_ids=tuple(item.chart_id for item in items),
        notes=(*pub.notes, *notes),
        seconds={k: round(v, 3) for k, v in seconds.items()},
    )


def javascript_bundle(vl_version: str) -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, cached on disk per vl-convert version.

    ``vl_convert.javascript_bundle()`` takes about a second and a half and always returns
    the same text for the same vl-convert and Vega-Lite versions, so it is kept in the
    user cache (``$SKILLS_CACHE_DIR/vl-convert``, else ``$XDG_CACHE_HOME/skills/vl-convert``
    or ``~/.cache/skills/vl-convert``) and written atomically.
    """
    import os
    from importlib.metadata import version

    import vl_convert as vlc

    base = os.environ.get("SKILLS_CACHE_DIR", "").strip()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if base:
        folder = Path(base).expanduser() / "vl-convert"
    elif xdg and Path(xdg).is_absolute():
        folder = Path(xdg) / "skills" / "vl-convert"
    else:
        folder = Path.home() / ".cache" / "skills" / "vl-convert"
    path = folder / f"bundle-{version('vl-convert-python')}-vl{vl_version}.js"
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    # the stub marks snippet as required; at run time it defaults to None, the standard
    # bundle that puts vegaEmbed, vega and vegaLite on window
    text: str = vlc.javascript_bundle(vl_version=vl_version)  # type: ignore[call-arg]
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(path)
    except OSError:  # a read-only home: build it each time
        pass
    return text
