"""The report: one self-contained HTML page per publication and language, plus every chart
as files.

:func:`build_report` reads a publication folder (``manifest.json``, the parquet tables,
``quality.json``) and writes, next to them:

* ``report.html``: the page in the report's first language, opening with no network
  (Vega, Vega-Lite and Vega-Embed inlined once, then ``vegaEmbed`` per chart spec),
  printable; ``report.<lang>.html`` the same page in each further language (Italian
  first, then English, for an Italian region: :func:`skills.report.i18n.default_languages`);
* ``charts/<chart_id>.vl.json``, ``.svg`` and ``.png``: each chart as a Vega-Lite spec
  and rendered by vl-convert, once, in the first language (the pages draw their charts
  live from their own language's specs).

It never recomputes an indicator or refits a model: charts draw small aggregates of the
published tables. Importing this package is cheap; altair and vl_convert are imported
only when a report is built.

>>> from pathlib import Path
>>> from skills.report import build_report
>>> result = build_report(Path("demo-out/out/latest"))  # doctest: +SKIP
>>> result.report, result.bytes  # doctest: +SKIP
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skills._fileio import atomic_write_bytes, cache_dir

if TYPE_CHECKING:
    from skills.report._publication import Publication
    from skills.report.exports import ExportsResult
    from skills.report.i18n import Messages

__all__ = [
    "CHART_IDS",
    "FORMATS",
    "ReportResult",
    "build_report",
    "check_languages",
    "rebuild_folder",
]

#: What build_report can write ("csv" and "xlsx": the exports, skills.report.exports).
FORMATS: tuple[str, ...] = ("html", "png", "svg", "json", "csv", "xlsx")

#: Every chart id, in page order (see docs/report.md).
CHART_IDS: tuple[str, ...] = (
    "its_gap_by_area",
    "its_gap_map",
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
        ``report.html``, the page in the first language (None when ``"html"`` was not
        among the formats).
    charts
        The chart files written (``charts/<chart_id>.vl.json|.svg|.png``).
    bytes
        Size of ``report.html`` in bytes (0 without HTML).
    chart_ids
        The charts drawn, in page order.
    notes
        What was left out and why (a missing file, a chart without data), in the first
        language, as ``report.html`` says it.
    seconds
        Wall time per step (``read``, ``charts``, ``bundle``, ``html``, ``json``,
        ``svg``, ``png``, ``exports``, ``total``; ``charts`` and ``html`` summed over the
        languages).
    exports
        The files of ``exports/`` (CSV per table and per chart, the XLSX workbook, the
        read-me; :func:`skills.report.exports.write_exports`).
    pages
        Every page written, one per language, the first language's ``report.html`` first.
    languages
        The report's languages, in page order.
    """

    report: Path | None
    charts: tuple[Path, ...]
    bytes: int
    chart_ids: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    seconds: dict[str, float] = field(default_factory=dict)
    exports: tuple[Path, ...] = ()
    pages: tuple[Path, ...] = ()
    languages: tuple[str, ...] = ()

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
    languages: Sequence[str] | None = None,
) -> ReportResult:
    """Build ``report.html`` (and ``report.<lang>.html``) and ``charts/`` for a publication.

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
    languages
        The report's languages (``"it"``, ``"en"``), the first written to ``report.html``
        and every further one to ``report.<lang>.html``. Default: the languages the
        refresh recorded in the manifest (``pipeline.languages``, from the spec's
        ``[outputs] languages``), else :func:`~skills.report.i18n.default_languages` of
        the region. Chart files are drawn once, in the first language.

    Raises
    ------
    skills.errors.ConfigError
        ``publication_dir`` is not a folder, a format or a language is unknown, or the
        languages are empty or repeated (exit code 2).
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
    if languages is not None:
        check_languages(languages)
    target = Path(out) if out is not None else folder
    target.mkdir(parents=True, exist_ok=True)
    if target.resolve() != folder.resolve() and (folder / "quality.html").is_file():
        # the page links the publication's quality report: keep the link working
        shutil.copy2(folder / "quality.html", target / "quality.html")

    from skills.report._build import _names, prepare_charts, render_notes, write_chart_files
    from skills.report._publication import read_publication
    from skills.report.i18n import LANGUAGES, Messages, default_languages

    seconds: dict[str, float] = {}
    pub = read_publication(folder)
    if languages is None:
        recorded = pub.languages
        languages = recorded if recorded and set(recorded) <= set(LANGUAGES) else None
    langs = tuple(languages or default_languages(pub.region))
    check_languages(langs)
    messages = [Messages(lang) for lang in langs]
    seconds["read"] = time.perf_counter() - t0
    t = time.perf_counter()
    built = [prepare_charts(pub, t=m, strict=strict) for m in messages]
    seconds["charts"] = time.perf_counter() - t

    import altair as alt

    vl_version = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    # the chart files are drawn once, in the first language
    first_items = built[0][0]
    timings, first_render_notes = write_chart_files(
        first_items, target / "charts", formats, vl_version, strict=strict, t=messages[0]
    )
    seconds.update(timings)
    drawn = {item.chart_id: item for item in first_items}
    pages_notes: list[list[str]] = [[*built[0][1], *first_render_notes]]
    for (items, notes), m in zip(built[1:], messages[1:], strict=True):
        for item in items:
            if item.chart_id in drawn:
                item.files = list(drawn[item.chart_id].files)
                item.render_error = drawn[item.chart_id].render_error
        pages_notes.append([*notes, *render_notes(items, m)])
    exported = _write_exports(pub, target, first_items, formats, strict=strict, t=messages[0])
    if exported is not None:
        seconds["exports"] = exported.seconds.get("total", 0.0)
        pages_notes[0].extend(exported.notes)
    report: Path | None = None
    pages: list[Path] = []
    size = 0
    if "html" in formats:
        t = time.perf_counter()
        bundle = javascript_bundle(vl_version)
        seconds["bundle"] = time.perf_counter() - t
        t = time.perf_counter()
        from skills.report.page import page_name, render_page

        names = _names(pub)
        for (items, _), notes, m in zip(built, pages_notes, messages, strict=True):
            html = render_page(
                pub,
                items,
                notes,
                bundle=bundle,
                names=names,
                strict=strict,
                t=m,
                languages=langs,
                exports=exported,
            )
            page = target / page_name(m.lang, langs)
            atomic_write_bytes(page, html.encode("utf-8"), fsync=False)  # promote() flushes
            pages.append(page)
        # a page of a language this report no longer has would link to nothing
        for lang in LANGUAGES:
            if lang not in langs[1:]:
                (target / f"report.{lang}.html").unlink(missing_ok=True)
        report = pages[0]
        size = report.stat().st_size
        seconds["html"] = time.perf_counter() - t
    seconds["total"] = time.perf_counter() - t0
    return ReportResult(
        report=report,
        charts=tuple(p for item in first_items for p in item.files),
        bytes=size,
        chart_ids=tuple(item.chart_id for item in first_items),
        notes=(*pub.note_texts(messages[0]), *pages_notes[0]),
        seconds={k: round(v, 3) for k, v in seconds.items()},
        exports=exported.paths if exported is not None else (),
        pages=tuple(pages),
        languages=langs,
    )


def check_languages(languages: Sequence[str]) -> tuple[str, ...]:
    """``languages`` if it is a non-empty list of known languages without repeats.

    Raises
    ------
    skills.errors.ConfigError
        Otherwise, naming the problem and the known languages.
    """
    from skills.errors import ConfigError
    from skills.report.i18n import LANGUAGES

    langs = tuple(languages)
    known = ", ".join(LANGUAGES)
    if not langs:
        raise ConfigError(f"no report language given; use any of {known}")
    unknown = [lang for lang in langs if lang not in LANGUAGES]
    if unknown:
        raise ConfigError(f"unknown report language(s) {', '.join(unknown)}; use any of {known}")
    repeated = sorted({lang for lang in langs if langs.count(lang) > 1})
    if repeated:
        raise ConfigError(f"report language(s) {', '.join(repeated)} given more than once")
    return langs


def _write_exports(
    pub: Publication,
    target: Path,
    items: Sequence[Any],
    formats: Sequence[str],
    *,
    strict: bool,
    t: Messages | None = None,
) -> ExportsResult | None:
    """``exports/`` from the charts' own frames (None when no export format is asked for
    or, unless ``strict``, when writing fails: the page then says nothing of exports)."""
    wanted = [f for f in formats if f in {"csv", "xlsx"}]
    if not wanted:
        return None
    import logging

    from skills.report.exports import chart_frames_of, write_exports
    from skills.report.i18n import Messages, default_languages

    try:
        return write_exports(
            pub,
            target,
            t=t if t is not None else Messages(default_languages(pub.region)[0]),
            chart_frames=chart_frames_of(items),
            formats=wanted,
        )
    except Exception as exc:  # an export problem must not block a validated publication
        if strict:
            raise
        logging.getLogger("skills.report").warning("report exports failed: %s", exc)
        return None


def javascript_bundle(vl_version: str) -> str:
    """Vega, Vega-Lite and Vega-Embed as one script, cached on disk per vl-convert version.

    ``vl_convert.javascript_bundle()`` takes about a second and a half and always returns
    the same text for the same vl-convert and Vega-Lite versions, so it is kept in the
    user cache (``$SKILLS_CACHE_DIR/vl-convert``, else ``$XDG_CACHE_HOME/skills/vl-convert``
    or ``~/.cache/skills/vl-convert``) and written atomically.
    """
    from importlib.metadata import version

    import vl_convert as vlc

    try:
        folder = cache_dir("vl-convert")
    except RuntimeError:  # no home folder and no cache variable: build it each time
        folder = None
    path = (folder or Path()) / f"bundle-{version('vl-convert-python')}-vl{vl_version}.js"
    if folder is not None:
        try:
            return path.read_text(encoding="utf-8")
        except OSError:
            pass
    # the stub marks snippet as required; at run time it defaults to None, the standard
    # bundle that puts vegaEmbed, vega and vegaLite on window
    text: str = vlc.javascript_bundle(vl_version=vl_version)  # type: ignore[call-arg]
    if folder is None:
        return text
    try:
        folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(path, text.encode("utf-8"), fsync=False)  # a cache: rebuilt if lost
    except OSError:  # a read-only home: build it each time
        pass
    return text


def rebuild_folder(publication: Path) -> Path:
    """Where ``skills report`` writes when no ``--out`` is given: never the publication.

    A publication's ``manifest.json`` lists the sha256 of every file, so rebuilding its
    report in place would make ``skills manifest verify`` fail. A run of a refresh
    (``OUT/runs/<run_id>``, also reached through ``OUT/latest``) gets
    ``OUT/reports/<run_id>/``; any other folder ``<folder>-report`` beside it.
    """
    real = Path(publication).resolve()
    if real.parent.name == "runs":
        return real.parent.parent / "reports" / real.name
    return real.parent / f"{real.name}-report"
