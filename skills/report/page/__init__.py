"""Page assembly: one self-contained HTML page for one publication.

The page inlines the Vega + Vega-Lite + Vega-Embed bundle once (from
``vl_convert.javascript_bundle()``), holds each chart's Vega-Lite spec in a
``<script type="application/json">`` block and draws every chart with ``vegaEmbed``.
It loads nothing from anywhere: no ``<script src>``, no stylesheet or font links, no
images; the only links are to files of the same publication (``quality.html`` and the
chart exports), followed only when clicked.

Everything here is pure string building: :func:`render_page` takes what
:mod:`skills.report._build` prepared and returns the HTML text of one language's page.
Every word on it comes from the message catalogue (``messages/<lang>/page.toml``)
through a :class:`~skills.report.i18n.Messages` (``t``), numbers and dates are written
in that language's convention (``t.number``, ``t.percent``, ``t.date``), the ``<html>``
element carries its ``lang`` and a small language switch (``nav.langs``) links the
other languages' pages (:func:`page_name`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from html import escape
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.frames import data_label_text
from skills.report.i18n import Messages
from skills.report.layout import FIT_JS
from skills.report.summary import SORT_JS

if TYPE_CHECKING:
    from skills.quality._report import ValidationReport
    from skills.report._build import ChartItem
    from skills.report._publication import Publication
    from skills.report.exports import ExportsResult

__all__ = ["page_name", "render_page", "script_json"]

#: The input roles each model family is fitted on (by the model id's prefix).
MODEL_SOURCES: Mapping[str, tuple[str, ...]] = {
    "skill_share_panel": ("employment_by_occupation",),
    "polarisation_u_test": ("employment_by_occupation", "wages_by_occupation"),
    "matching_function": ("hires", "unemployment", "hiring_plans"),
}
ALL_ROLES: tuple[str, ...] = (
    "employment_by_occupation",
    "wages_by_occupation",
    "hires",
    "unemployment",
    "hiring_plans",
)

#: The page's sections after the profile: id -> (heading message, lead message).
SECTIONS: Mapping[str, tuple[str, str]] = {
    "planners": ("page.section.planners.heading", "page.section.planners.lead"),
    "economists": ("page.section.economists.heading", "page.section.economists.lead"),
}

CSS = """
:root { --ink: #1b1b1b; --muted: #555; --rule: #d0d0d0; --accent: #0072B2; --warn: #D55E00; }
* { box-sizing: border-box; }
html { font-size: 16px; }
body { margin: 0; color: var(--ink); background: #fff;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  line-height: 1.45; }
.wrap { max-width: 1080px; margin: 0 auto; padding: 0 1.25rem 3rem; }
img, svg, canvas, select, table { max-width: 100%; }
h1, h2, h3, h4, p, li, dd, dt, figcaption { overflow-wrap: break-word; }
nav.langs { float: right; font-size: .9rem; margin: .2rem 0 0 1rem; }
nav.langs a, nav.langs span { margin-left: .6rem; }
dl.summary dt { font-weight: 700; margin-top: .9rem; }
dl.summary dd { margin: .2rem 0 0 0; }
dl.summary dd p { margin: .15rem 0; }
table.sortable caption { text-align: left; color: var(--muted); font-size: .82rem;
  padding: .2rem 0; caption-side: bottom; }
table.sortable th button { font: inherit; font-weight: 600; background: none; border: 0;
  padding: 0; cursor: pointer; text-align: inherit; color: inherit; }
table.sortable th button::after { content: " ↕"; color: var(--muted); font-weight: 400; }
table.sortable th[aria-sort=ascending] button::after { content: " ↑"; color: var(--ink); }
table.sortable th[aria-sort=descending] button::after { content: " ↓"; color: var(--ink); }
.banner { background: #fff4d6; border: 2px solid #8a5a00; color: #4a3000; padding: .6rem 1rem;
  font-weight: 700; text-align: center; letter-spacing: .02em; }
header.top { padding: 1.2rem 0 .4rem; border-bottom: 1px solid var(--rule); }
h1 { font-size: 1.7rem; margin: .2rem 0 .3rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .4rem; padding-top: .4rem;
  border-top: 3px solid var(--ink); }
h3 { font-size: 1.1rem; margin: 0 0 .3rem; }
h4 { font-size: 1rem; margin: 1.2rem 0 .3rem; }
p.meta, .muted { color: var(--muted); font-size: .92rem; }
code { font-size: .9em; }
nav.toc ol { columns: 2; margin: .5rem 0; padding-left: 1.2rem; font-size: .95rem; }
.notes { border-left: 4px solid var(--warn); background: #fdf1ea; padding: .5rem .9rem;
  margin: 1rem 0; }
.notes ul { margin: .2rem 0; padding-left: 1.1rem; }
figure.chart { margin: 1.6rem 0; padding: 1rem 1rem .6rem; border: 1px solid var(--rule);
  border-radius: 4px; break-inside: avoid; page-break-inside: avoid; }
figure.chart .vis { width: 100%; min-height: 120px; overflow-x: auto; }
figure.chart .vis svg { max-width: 100%; height: auto; }
figure.chart p.lead { margin: 0 0 .6rem; font-size: .95rem; }
figcaption { color: var(--muted); font-size: .82rem; margin-top: .5rem;
  border-top: 1px dotted var(--rule); padding-top: .4rem; }
.vega-bindings { margin: .4rem 0 .2rem; font-size: .92rem; }
.vega-bind { display: inline-block; margin-right: 1.2rem; }
.vega-bind select { font-size: .92rem; max-width: 100%; }
ul.statements li { margin: .45rem 0; }
ul.statements .src { color: var(--muted); font-size: .85rem; }
table { border-collapse: collapse; width: 100%; font-size: .86rem; margin: .4rem 0 .3rem; }
th, td { text-align: left; padding: .28rem .5rem; border-bottom: 1px solid #e4e4e4;
  vertical-align: top; overflow-wrap: break-word; }
td.detail { color: var(--muted); font-size: .82rem; padding-top: 0; overflow-wrap: anywhere; }
td.nowrap { white-space: nowrap; overflow-wrap: normal; }
td.num.wrap, table.sortable th { white-space: normal; }
th { background: #f2f2f2; font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap;
  overflow-wrap: normal; }
tbody tr:nth-child(even) { background: #fafafa; }
.tablewrap { overflow-x: auto; }
.caption { color: var(--muted); font-size: .82rem; margin: 0 0 1rem; }
.status-pass { color: #006b4f; font-weight: 700; }
.status-fail { color: #a32000; font-weight: 700; }
.sev-error { color: #a32000; font-weight: 700; }
.sev-warning { color: #7a4d00; font-weight: 700; }
footer { margin-top: 3rem; border-top: 1px solid var(--rule); padding-top: .6rem;
  color: var(--muted); font-size: .85rem; }
@media (max-width: 640px) {
  html { font-size: 15px; }
  .wrap { padding: 0 .75rem 2rem; }
  h1 { font-size: 1.4rem; }
  h2 { font-size: 1.2rem; }
  nav.toc ol { columns: 1; }
  nav.langs { float: none; margin: 0 0 .4rem; }
  figure.chart { padding: .6rem .5rem .4rem; margin: 1.2rem 0; }
  .vega-bind { display: block; margin: 0 0 .4rem; }
  .vega-bind select { max-width: 100%; }
  th, td { padding: .25rem .35rem; }
}
@page { size: A4; margin: 14mm 12mm 16mm; }
@media print {
  html { font-size: 10.5pt; }
  .wrap { max-width: none; padding: 0; }
  nav.toc { display: none; }
  .banner { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  h2 { break-before: page; page-break-before: always; }
  h2.first { break-before: auto; page-break-before: auto; }
  figure.chart { border: none; padding: 0; }
  figure.chart .vis { overflow: visible; }
  figure.chart .vis svg { width: 100% !important; height: auto !important; }
  .vega-bind select { border: none; -webkit-appearance: none; appearance: none; font-weight: 600; }
  a { color: inherit; text-decoration: none; }
  table { font-size: 8.5pt; }
  .tablewrap { overflow: visible; }
  table { table-layout: fixed; }
  th, td, td.num, th.num, td.nowrap { white-space: normal; overflow-wrap: anywhere; }
  table.sortable th button::after { content: ""; }
  nav.langs { display: none; }
  tr, li, dd { break-inside: avoid; }
}
"""

EMBED_JS = """
(function () {
  "use strict";
  var figures = document.querySelectorAll("figure[data-chart-id]");
  var pending = figures.length;
  function settle() {
    pending -= 1;
    if (pending <= 0) { document.body.setAttribute("data-charts-ready", "true"); }
  }
  if (pending === 0) { document.body.setAttribute("data-charts-ready", "true"); }
  var options = { renderer: "svg", actions: false, tooltip: { theme: "light" } };
  // Each chart's words are fitted to its box (skills.report.layout.FIT_JS) when drawn, and
  // the chart is drawn again when its box changes width by more than a tenth (a phone
  // turned, a window resized), so no title or label is ever cut.
  function draw(figure, first) {
    var id = figure.getAttribute("data-chart-id");
    var target = figure.querySelector(".vis");
    var width = Math.max(200, target.clientWidth);
    var raw = JSON.parse(document.getElementById("spec-" + id).textContent);
    var spec = window.skillsFit(raw, width);
    if (figure.skillsView) { figure.skillsView.finalize(); }
    figure.skillsWidth = width;
    return vegaEmbed(target, spec, options).then(function (result) {
      figure.skillsView = result;
      figure.setAttribute("data-rendered", "true");
      if (first) { settle(); }
    }).catch(function (error) {
      figure.setAttribute("data-rendered", "error");
      target.textContent = (document.body.getAttribute("data-chart-error") || "") + error;
      console.error("chart " + id + ": " + error);
      if (first) { settle(); }
    });
  }
  figures.forEach(function (figure) { draw(figure, true); });
  var timer = null;
  window.addEventListener("resize", function () {
    clearTimeout(timer);
    timer = setTimeout(function () {
      figures.forEach(function (figure) {
        var width = Math.max(200, figure.querySelector(".vis").clientWidth);
        var before = figure.skillsWidth;
        if (before && Math.abs(width - before) > 0.1 * before) {
          draw(figure, false);
        }
      });
    }, 200);
  });
})();
"""


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside a ``<script>`` element."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _safe_script(code: str) -> str:
    """JavaScript that cannot close its ``<script>`` element early."""
    return re.sub(r"</(script)", r"<\\/\1", code, flags=re.IGNORECASE).replace("<!--", "<\\!--")


def _e(value: Any) -> str:
    return "" if value is None else escape(str(value))


def page_name(lang: str, languages: Sequence[str]) -> str:
    """The page's file name: ``report.html`` for the first language, else ``report.<lang>.html``."""
    return "report.html" if not languages or lang == languages[0] else f"report.{lang}.html"


def _h(t: Messages, key: str, /, **html: Any) -> str:
    """The message ``key`` as HTML: its words escaped, the ``html`` values (already
    escaped HTML) put in as they are."""
    marks = {name: f"\x00{i}\x00" for i, name in enumerate(html)}
    text = escape(t(key, **marks))
    for name, mark in marks.items():
        text = text.replace(mark, str(html[name]))
    return text


def _num(t: Messages, value: Any, digits: int = 4) -> str:
    """A number in ``t``'s convention (``1.234,5678``); very small or large floats in
    scientific notation with the language's decimal mark."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _e(t("page.yes") if value else t("page.no"))
    if isinstance(value, int):
        return t.number(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        if value != 0 and (abs(value) < 10 ** -(digits - 1) or abs(value) >= 10**7):
            return f"{value:.{digits - 1}e}".replace(".", t.number(0.5, 1)[1])
        return t.number(value, digits)
    return _e(value)


def _p(t: Messages, value: Any, upper_bound: bool = False) -> str:
    """A p-value: ``< 0.001`` below that, ``< p`` when ``p`` is an upper bound (a bootstrap
    with no draw as extreme as the data publishes 1/(B+1))."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if float(value) < 0.001:
        return f"&lt; {t.number(0.001, 3)}"
    text = t.number(float(value), 3)
    return f"&lt; {text}" if upper_bound else text


def _table(head: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[int] = ()) -> str:
    """An HTML table; cells are already escaped HTML."""
    num = set(numeric)
    ths = "".join(
        f'<th{" class=num" if i in num else ""} scope="col">{h}</th>' for i, h in enumerate(head)
    )
    body = "".join(
        "<tr>"
        + "".join(f"<td{' class=num' if i in num else ''}>{c}</td>" for i, c in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return (
        f'<div class="tablewrap"><table><thead><tr>{ths}</tr></thead>'
        f"<tbody>{body}</tbody></table></div>"
    )


def _label(pub: Publication, t: Messages) -> str | None:
    """The publication's data label in ``t``'s language, in capitals (None for real data)."""
    label = data_label_text(pub.data_label, t)
    return label.upper() if label else None


def _caption(pub: Publication, sources: str, t: Messages) -> str:
    label = _label(pub, t)
    version = (pub.manifest.get("package") or {}).get("version", "?")
    text = _h(
        t,
        "page.caption",
        sources=_e(sources),
        run_id=f"<code>{_e(pub.run_id)}</code>",
        version=_e(version),
    )
    return f"{text} {_e(label)}." if label else text


# ----------------------------------------------------------------------------- sections
def _profile_section(pub: Publication, names: Mapping[str, str], t: Messages) -> str:
    from skills.indicators.profile import headline_label, profile_statement_parts

    profile = pub.table("profile")
    region = pub.region
    title = f"{names.get(region, region)} ({region})" if region else t("page.profile.the_region")
    heading = _e(t("page.profile.heading", region=title))
    out = [f'<section id="profile"><h2 class="first">{heading}</h2>']
    if profile is None or profile.height == 0:
        out.append(f'<p class="muted">{_e(t("page.profile.missing"))}</p></section>')
        return "".join(out)
    out.append(f'<p class="muted">{_e(t("page.profile.lead"))}</p>')
    # the demo's sources carry its data label ("synthetic demo data: lfst_r_lfu3rt")
    label = pub.data_label
    shown = data_label_text(label, t)
    if label and shown != label:
        profile = profile.with_columns(
            pl.col("source").str.replace(f"{label}: ", f"{shown}: ", literal=True)
        )
    parts = profile_statement_parts(profile, names=names, t=t)
    out.append('<ul class="statements">')
    for (text, source), row in zip(parts, profile.iter_rows(named=True), strict=True):
        period = t("page.profile.period", period=row["period"])
        out.append(
            f'<li data-indicator="{_e(row["indicator"])}">{_e(text)} '
            f'<span class="src">{_e(source)} {_e(period)}</span></li>'
        )
    out.append("</ul>")
    rows = []
    for r in profile.iter_rows(named=True):
        change = _num(t, r["change"], 1)
        rows.append(
            [
                _e(headline_label(r["label"], r["indicator"], t)),
                _e(r["period"]),
                _num(t, r["value"], 1),
                _e(r["unit"]),
                change + (f" ({_e(t('page.profile.break'))})" if r["crosses_break"] else ""),
                _e(r["base_period"]),
                _h(t, "page.profile.rank_of", rank=r["rank"], n=r["regions_n"]).replace(
                    " ", "&nbsp;"
                )
                if r["regions_n"]
                else "",
                _e(r["flag"]),
                _e(r["source"]),
            ]
        )
    out.append(
        _table(
            [
                _e(t("page.profile.col.indicator")),
                _e(t("page.profile.col.period")),
                _e(t("page.profile.col.value")),
                _e(t("page.profile.col.unit")),
                _e(t("page.profile.col.change")),
                _e(t("page.profile.col.since")),
                _e(t("page.profile.col.rank")),
                _e(t("page.profile.col.flags")),
                _e(t("page.profile.col.source")),
            ],
            rows,
            numeric=[2, 4],
        )
    )
    from skills.report._build import describe_sources

    used = " ".join(str(s) for s in profile["source"].drop_nulls())
    roles = [
        str(i.get("role"))
        for i in pub.manifest.get("inputs") or ()
        if (i.get("dataset") or Path(str(i.get("location") or "x")).name.split(".")[0]) in used
    ]
    _, sources = describe_sources(pub.manifest, roles, t=t)
    out.append(f'<p class="caption">{_caption(pub, sources, t)}</p></section>')
    return "".join(out)


def _figure(item: ChartItem, pub: Publication, t: Messages, files_lang: str | None) -> str:
    """One chart's figure. ``files_lang``: the language of the chart's image files when it
    is not the page's (they are drawn once, in the report's first language)."""
    links = []
    for path in item.files:
        kind = (
            path.name.removeprefix(item.chart_id + ".").upper().replace("VL.JSON", "Vega-Lite JSON")
        )
        links.append(f'<a href="charts/{_e(path.name)}">{_e(kind)}</a>')
    files = ""
    if links and files_lang:
        language = t(f"page.language.{files_lang}")
        files = " " + _h(t, "page.figure.files_in", language=_e(language), links=", ".join(links))
    elif links:
        files = " " + _h(t, "page.figure.files", links=", ".join(links))
    noscript = _e(t("page.figure.noscript", file=f"charts/{item.chart_id}.svg"))
    details = _h(
        t,
        "page.figure.details",
        chart_id=f"<code>{item.chart_id}</code>",
        rows=_e(t.number(item.rows)),
    )
    return (
        f'<figure class="chart" id="chart-{item.chart_id}" data-chart-id="{item.chart_id}">'
        f"<h3>{_e(item.heading)}</h3>"
        f'<p class="lead">{_e(item.lead)}</p>'
        f'<div class="vis"><noscript>{noscript}</noscript></div>'
        f"<figcaption>{_caption(pub, item.source_long, t)} {details}{files}</figcaption>"
        f"</figure>"
    )


def _models_section(pub: Publication, t: Messages) -> str:
    models = pub.table("models")
    glance = pub.table("models_glance")
    out = [f'<section id="models"><h3>{_e(t("page.models.heading"))}</h3>']
    if models is None or models.height == 0:
        out.append(f'<p class="muted">{_e(t("page.models.missing"))}</p></section>')
        return "".join(out)
    out.append(f'<p class="muted">{_e(t("page.models.lead"))}</p>')
    from skills.report._build import describe_sources

    glance_rows: dict[str, dict[str, Any]] = {}
    if glance is not None:
        glance_rows = {r["model_id"]: r for r in glance.iter_rows(named=True)}
    for model_id in models["model_id"].unique(maintain_order=True).to_list():
        rows = models.filter(pl.col("model_id") == model_id)
        family = model_id.split("[", 1)[0]
        _, sources = describe_sources(pub.manifest, MODEL_SOURCES.get(family, ALL_ROLES), t=t)
        out.append(
            f'<h4 id="model-{_e(re.sub(r"[^a-z0-9]+", "-", model_id.lower()))}">{_e(model_id)}</h4>'
        )
        g = glance_rows.get(model_id)
        if g:
            facts = [
                f"{_e(g.get('estimator'))}",
                f"{_e(t('page.models.fact.nobs'))} {_num(t, g.get('nobs'))}",
            ]
            for key, label in (
                ("r2", t("page.models.fact.r2")),
                ("r2_within", t("page.models.fact.r2_within")),
                ("clusters", t("page.models.fact.clusters")),
                ("turning_point", t("page.models.fact.turning_point")),
                ("x_min", t("page.models.fact.x_min")),
                ("x_max", t("page.models.fact.x_max")),
                ("returns_to_scale", t("page.models.fact.returns_to_scale")),
                ("crs_p_value", t("page.models.fact.crs_p_value")),
                ("u_test_p_value", t("page.models.fact.u_test_p_value")),
                ("bootstrap_reps", t("page.models.fact.bootstrap_reps")),
            ):
                value = g.get(key)
                if value is not None and key.endswith("p_value"):
                    facts.append(f"{_e(label)} {_p(t, value)}")
                elif value is not None:
                    whole = isinstance(value, float) and value.is_integer()
                    facts.append(f"{_e(label)} {_num(t, int(value) if whole else value, 3)}")
            boot_crs = g.get("crs_p_value_bootstrap")
            if boot_crs is not None:
                bound = bool(g.get("crs_p_value_bootstrap_upper_bound"))
                facts.append(
                    f"{_e(t('page.models.fact.crs_p_value_bootstrap'))} {_p(t, boot_crs, bound)}"
                )
            for label, low_key, high_key in (
                (t("page.models.fact.turning_point_ci"), "turning_point_low", "turning_point_high"),
                (
                    t("page.models.fact.returns_to_scale_ci"),
                    "returns_to_scale_low",
                    "returns_to_scale_high",
                ),
            ):
                low, high = g.get(low_key), g.get(high_key)
                if low is None or high is None:
                    continue
                if math.isfinite(low) and math.isfinite(high):
                    interval = _h(
                        t, "page.models.interval", low=_num(t, low, 3), high=_num(t, high, 3)
                    )
                else:
                    interval = _e(t("page.models.unbounded"))
                facts.append(f"{_e(label)} {interval}")
            covariance = _h(t, "page.models.covariance", cov=_e(g.get("cov")))
            out.append(f'<p class="muted">{"; ".join(facts)}. {covariance}</p>')
        table_rows = [
            [
                f"<code>{_e(r['term'])}</code>",
                _num(t, r["estimate"]),
                _num(t, r["std_error"]),
                _p(t, r["p_value"], bool(r.get("p_value_upper_bound"))),
                _h(
                    t,
                    "page.models.interval",
                    low=_num(t, r["conf_low"]),
                    high=_num(t, r["conf_high"]),
                ),
                _e(r["cov"]),
                _num(t, r["nobs"]),
            ]
            for r in rows.iter_rows(named=True)
        ]
        out.append(
            _table(
                [
                    _e(t("page.models.col.term")),
                    _e(t("page.models.col.estimate")),
                    _e(t("page.models.col.std_error")),
                    _e(t("page.models.col.p")),
                    _e(t("page.models.col.ci")),
                    _e(t("page.models.col.cov")),
                    _e(t("page.models.col.nobs")),
                ],
                table_rows,
                numeric=[1, 2, 3, 4, 6],
            )
        )
        if rows.get_column("p_value_upper_bound", default=None) is not None and any(
            rows["p_value_upper_bound"].to_list()
        ):
            out.append(f'<p class="muted">{_e(t("page.models.p_bound"))}</p>')
        out.append(f'<p class="caption">{_caption(pub, sources, t)}</p>')
    out.append("</section>")
    return "".join(out)


def _outcome(t: Messages, passed: Any) -> str:
    return _e(t("page.quality.passed") if passed else t("page.quality.failed"))


def _suite_table(t: Messages, suites: Sequence[Mapping[str, Any]]) -> str:
    """One row per validated table: its suite, rows, outcome, checks, errors, warnings."""
    rows = [
        [
            _e(s.get("table")),
            _e(s.get("suite")),
            _num(t, s.get("rows")),
            _outcome(t, s.get("passed")),
            _num(t, s.get("evaluated")),
            _num(t, s.get("errors")),
            _num(t, s.get("warnings")),
        ]
        for s in suites
    ]
    return _table(
        [
            _e(t("page.quality.col.table")),
            _e(t("page.quality.col.suite")),
            _e(t("page.quality.col.rows")),
            _e(t("page.quality.col.outcome")),
            _e(t("page.quality.col.checks")),
            _e(t("page.quality.col.errors")),
            _e(t("page.quality.col.warnings")),
        ],
        rows,
        numeric=[2, 4, 5, 6],
    )


def _quality_section(pub: Publication, t: Messages) -> str:
    report = pub.quality
    out = [f'<section id="quality"><h2>{_e(t("page.quality.heading"))}</h2>']
    link = (
        " " + _h(t, "page.quality.link", link='<a href="quality.html">quality.html</a>')
        if pub.has_quality_html
        else ""
    )
    if report is not None:
        out.append(_quality_from_report(report, link, t))
    else:
        out.append(f'<p class="notes">{_e(t("page.quality.manifest_only"))}{link}</p>')
        suites = list(pub.manifest.get("validation") or ())
        if suites:
            out.append(_suite_table(t, suites))
    out.append(
        f'<p class="caption">{_caption(pub, "quality.json, manifest.json", t)}</p></section>'
    )
    return "".join(out)


def _quality_from_report(report: ValidationReport, link: str, t: Messages) -> str:
    c = report.counts
    status = (
        f'<span class="status-pass">{_e(t("page.quality.passed"))}</span>'
        if report.passed
        else f'<span class="status-fail">{_e(t("page.quality.failed"))}</span>'
    )
    summary = _h(
        t,
        "page.quality.summary",
        status=status,
        evaluated=_num(t, c["evaluated"]),
        tables=_num(t, len(report.by_table())),
        met=_num(t, c["succeeded"]),
        errors=f"<strong>{_num(t, c['errors'])}</strong>",
        warnings=f"<strong>{_num(t, c['warnings'])}</strong>",
        skipped=_num(t, c["skipped"]),
    )
    out = [
        f"<p>{summary}{link}</p>",
        _table(
            [
                _e(t("page.quality.col.evaluated")),
                _e(t("page.quality.col.met")),
                _e(t("page.quality.col.errors")),
                _e(t("page.quality.col.warnings")),
                _e(t("page.quality.col.skipped")),
            ],
            [
                [
                    _num(t, c["evaluated"]),
                    _num(t, c["succeeded"]),
                    _num(t, c["errors"]),
                    _num(t, c["warnings"]),
                    _num(t, c["skipped"]),
                ]
            ],
            numeric=[0, 1, 2, 3, 4],
        ),
    ]
    failures = report.failures()
    severity = {
        "error": t("page.quality.severity.error"),
        "warning": t("page.quality.severity.warning"),
    }
    if failures:
        out.append(f"<h4>{_e(t('page.quality.failures'))}</h4>")
        body = []
        for o in failures:
            expectation = f"<code>{_e(o.expectation)}</code>"
            if o.description:
                expectation += f"<br>{_e(o.description)}"
            body.append(
                "<tr>"
                f'<td><span class="sev-{o.severity}">'
                f"{_e(severity.get(o.severity, o.severity))}</span></td>"
                f"<td>{_e(o.table)}</td><td>{expectation}</td>"
                f"<td>{_e(', '.join(o.columns))}</td><td>{_e(o.observed_text())}</td></tr>"
            )
            detail = []
            if o.example_text():
                detail.append(_h(t, "page.quality.example", example=_e(o.example_text())))
            if o.reason:
                detail.append(_h(t, "page.quality.why", reason=_e(o.reason)))
            if detail:
                body.append(
                    f'<tr><td></td><td colspan="4" class="detail">{"<br>".join(detail)}</td></tr>'
                )
        heads = (
            t("page.quality.col.severity"),
            t("page.quality.col.table"),
            t("page.quality.col.expectation"),
            t("page.quality.col.columns"),
            t("page.quality.col.observed"),
        )
        out.append(
            '<div class="tablewrap"><table class="failures"><thead><tr>'
            + "".join(f'<th scope="col">{_e(h)}</th>' for h in heads)
            + f"</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
        )
    else:
        out.append(f'<p class="muted">{_e(t("page.quality.no_failures"))}</p>')
    out.append(f"<h4>{_e(t('page.quality.by_table'))}</h4>")
    out.append(_suite_table(t, report.per_suite()))
    return "".join(out)


def _when(t: Messages, value: Any) -> str:
    """An ISO timestamp as a date in ``t``'s language, the exact value in ``datetime``."""
    if not value:
        return ""
    try:
        text = t.date(str(value))
    except ValueError:
        return _e(value)
    return f'<time datetime="{_e(value)}">{_e(text)}</time>'


def _provenance_section(pub: Publication, t: Messages) -> str:
    m = pub.manifest
    pkg = m.get("package") or {}
    pipe = pub.pipeline
    # A report built inside the publish step comes before the run's finish time: the row
    # is left out rather than filled with a placeholder.
    finished = (
        [(t("page.provenance.finished"), _when(t, m.get("finished")))] if m.get("finished") else []
    )
    facts = [
        (t("page.provenance.run_id"), f"<code>{_e(pub.run_id)}</code>"),
        (t("page.provenance.started"), _when(t, m.get("started"))),
        *finished,
        (t("page.provenance.package"), f"{_e(pkg.get('name', 'skills'))} {_e(pkg.get('version'))}"),
        (
            t("page.provenance.code_fingerprint"),
            f"<code>{_e(str(pkg.get('code_fingerprint') or '')[:16])}</code>",
        ),
        (t("page.provenance.run_fingerprint"), f"<code>{_e(m.get('fingerprint'))}</code>"),
        (t("page.provenance.pipeline"), f"{_e(pipe.get('name'))}: {_e(pipe.get('title'))}"),
        (
            t("page.provenance.spec"),
            f"{_e(Path(str(pipe.get('path') or '')).name)} "
            f"(sha256 <code>{_e(str(pipe.get('sha256') or '')[:12])}</code>)",
        ),
        (
            t("page.provenance.region"),
            _e(
                t(
                    "page.provenance.region_value",
                    region=pipe.get("region"),
                    nuts=pipe.get("nuts_version"),
                )
            ),
        ),
        (t("page.provenance.benchmarks"), _e(", ".join(pipe.get("benchmarks") or ()))),
        (
            t("page.provenance.data_label"),
            _e(data_label_text(pub.data_label, t) or t("page.provenance.real_data")),
        ),
    ]
    out = [f'<section id="provenance"><h2>{_e(t("page.provenance.heading"))}</h2>']
    out.append(
        _table(
            [_e(t("page.provenance.col.item")), _e(t("page.provenance.col.value"))],
            [[_e(a), b] for a, b in facts],
        )
    )
    out.append(f"<h4>{_e(t('page.provenance.inputs'))}</h4>")
    rows = []
    from skills.spec import display_location

    for i in m.get("inputs") or ():
        # relative to the spec's folder: a report never shows the machine's absolute paths
        location = display_location(str(i.get("location") or ""), pipe.get("path"))
        filters = i.get("filters") or {}
        rows.append(
            [
                _e(i.get("role")),
                _e(i.get("kind")),
                f'<span title="{_e(location)}">'
                f"{_e(i.get('dataset') or Path(location).name)}</span>",
                _e(i.get("format")),
                f"<code>{_e(str(i.get('sha256') or '')[:12])}</code>",
                _num(t, i.get("bytes")),
                _num(t, i.get("rows")),
                _when(t, i.get("vintage")) or _e(t("page.provenance.not_stated")),
                _e(", ".join(f"{k}={','.join(map(str, v))}" for k, v in filters.items())),
            ]
        )
    out.append(
        _table(
            [
                _e(t("page.provenance.col.role")),
                _e(t("page.provenance.col.kind")),
                _e(t("page.provenance.col.source")),
                _e(t("page.provenance.col.format")),
                "sha256",
                _e(t("page.provenance.col.bytes")),
                _e(t("page.provenance.col.rows")),
                _e(t("page.provenance.col.vintage")),
                _e(t("page.provenance.col.filters")),
            ],
            rows,
            numeric=[5, 6],
        )
    )
    crosswalks = m.get("crosswalks") or ()
    if crosswalks:
        out.append(f"<h4>{_e(t('page.provenance.crosswalks'))}</h4>")
        out.append(
            _table(
                [
                    _e(t("page.provenance.col.name")),
                    _e(t("page.provenance.col.version")),
                    _e(t("page.provenance.col.variants")),
                    _e(t("page.provenance.col.links")),
                    _e(t("page.provenance.col.shipped")),
                ],
                [
                    [
                        _e(c.get("name")),
                        f"<code>{_e(c.get('version'))}</code>",
                        _e(", ".join(c.get("variants") or ())),
                        _num(t, c.get("links")),
                        _e(t("page.yes") if c.get("shipped") else t("page.provenance.user_file")),
                    ]
                    for c in crosswalks
                ],
                numeric=[3],
            )
        )
    analyses = m.get("analyses") or ()
    status = {
        "ran": t("page.provenance.status_ran"),
        "skipped": t("page.provenance.status_skipped"),
    }
    if analyses:
        out.append(f"<h4>{_e(t('page.provenance.analyses'))}</h4>")
        out.append(
            _table(
                [
                    _e(t("page.provenance.col.analysis")),
                    _e(t("page.provenance.col.status")),
                    _e(t("page.provenance.col.detail")),
                ],
                [
                    [
                        _e(a.get("analysis")),
                        _e(status.get(str(a.get("status")), a.get("status"))),
                        _e(a.get("detail")),
                    ]
                    for a in analyses
                ],
            )
        )
    out.append(f'<p class="caption">{_caption(pub, "manifest.json", t)}</p></section>')
    return "".join(out)


# ----------------------------------------------------------------------------- the page
def render_page(
    pub: Publication,
    items: Sequence[ChartItem],
    notes: Sequence[str],
    *,
    bundle: str,
    names: Mapping[str, str],
    strict: bool = False,
    t: Messages | None = None,
    languages: Sequence[str] = (),
    exports: ExportsResult | None = None,
) -> str:
    """The whole report page, in ``t``'s language (English by default), as HTML text.

    It opens with the planners' summary (:func:`skills.report.summary.planner_summary`)
    and, when ``exports`` are given, lists the exported files
    (:func:`skills.report.exports.exports_section`).

    ``languages``: every language the report is written in, the first first; the page
    links the others' pages (:func:`page_name`) and, when it is not the first, says
    that the chart files are drawn in the first. ``notes`` must be in ``t``'s language.
    A section that cannot be written (an unexpected table layout, say, in an old
    publication) becomes a note in its place, unless ``strict``.
    """
    t = t if t is not None else Messages("en")
    languages = tuple(languages) or (t.lang,)
    files_lang = languages[0] if t.lang != languages[0] else None

    def guarded(anchor: str, heading: str, render: Callable[[], str]) -> str:
        try:
            return render()
        except Exception as exc:  # a report problem must not block a validated publication
            if strict:
                raise
            return (
                f'<section id="{anchor}"><h2>{_e(heading)}</h2><p class="notes">'
                f"{_e(t('page.section_failed', error=exc))}</p></section>"
            )

    title = str(pub.pipeline.get("title") or pub.pipeline.get("name") or t("page.default_title"))
    label = _label(pub, t)
    banner = (
        f'<div class="banner" role="note" id="data-label-banner">'
        f"{_e(t('page.banner', label=label))}</div>"
        if label
        else ""
    )
    # every printed page carries the label in its top margin (CSS paged-media margin box)
    print_label = (
        "@page { @top-center { content: " + json.dumps(label) + "; font-size: 9pt;"
        " font-weight: 700; } }"
        if label
        else ""
    )
    version = (pub.manifest.get("package") or {}).get("version", "?")
    all_notes = [*pub.note_texts(t), *notes]
    notes_html = (
        f'<div class="notes" role="note"><strong>{_e(t("page.notes"))}</strong><ul>'
        + "".join(f"<li>{_e(n)}</li>" for n in all_notes)
        + "</ul></div>"
        if all_notes
        else ""
    )
    switch = []
    for lang in languages:
        name = Messages(lang)("common.language_name")
        if lang == t.lang:
            switch.append(f'<span lang="{lang}" aria-current="page">{_e(name)}</span>')
        else:
            hint = t("page.language.read_in", language=t(f"page.language.{lang}"))
            switch.append(
                f'<a href="{page_name(lang, languages)}" hreflang="{lang}" lang="{lang}" '
                f'title="{_e(hint)}">{_e(name)}</a>'
            )
    langs = (
        f'<nav class="langs" aria-label="{_e(t("page.language.switch"))}">{"".join(switch)}</nav>'
        if len(languages) > 1
        else ""
    )
    profile_heading = t("page.toc.profile")
    models_heading = t("page.models.heading")
    summary_heading = t("summary.heading")
    toc = [
        f'<nav class="toc" aria-label="{_e(t("page.toc.label"))}"><ol>',
        f'<li><a href="#summary">{_e(summary_heading)}</a></li>',
        f'<li><a href="#profile">{_e(profile_heading)}</a></li>',
    ]
    from skills.report.summary import planner_summary

    body: list[str] = [
        guarded(
            "summary",
            summary_heading,
            lambda: planner_summary(
                pub.table("its_gap"), region=pub.region, names=names, t=t, data_label=label
            ),
        ),
        guarded("profile", profile_heading, lambda: _profile_section(pub, names, t)),
    ]
    for section, (heading_key, intro_key) in SECTIONS.items():
        heading, intro = t(heading_key), t(intro_key)
        toc.append(f'<li><a href="#{section}">{_e(heading)}</a></li>')
        body.append(
            f'<section id="{section}"><h2>{_e(heading)}</h2><p class="muted">{_e(intro)}</p>'
        )
        for item in items:
            if item.section == section:
                toc.append(f'<li><a href="#chart-{item.chart_id}">{_e(item.heading)}</a></li>')
                body.append(_figure(item, pub, t, files_lang))
        if section == "economists":
            toc.append(f'<li><a href="#models">{_e(models_heading)}</a></li>')
            body.append(guarded("models", models_heading, lambda: _models_section(pub, t)))
        body.append("</section>")
    if exports is not None:
        from skills.report.exports import exports_section

        exports_heading = t("exports.heading")
        toc.append(f'<li><a href="#exports">{_e(exports_heading)}</a></li>')
        body.append(guarded("exports", exports_heading, lambda: exports_section(exports, t=t)))
    quality_heading = t("page.quality.heading")
    provenance_heading = t("page.provenance.heading")
    toc.append(
        f'<li><a href="#quality">{_e(quality_heading)}</a></li>'
        f'<li><a href="#provenance">{_e(provenance_heading)}</a></li></ol></nav>'
    )
    body.append(guarded("quality", quality_heading, lambda: _quality_section(pub, t)))
    body.append(guarded("provenance", provenance_heading, lambda: _provenance_section(pub, t)))
    specs = "".join(
        f'<script type="application/json" id="spec-{item.chart_id}">'
        f"{script_json(item.spec)}</script>"
        for item in items
    )
    footer = (
        "<footer>"
        + _h(
            t,
            "page.footer.run",
            title=_e(title),
            run_id=f"<code>{_e(pub.run_id)}</code>",
            version=_e(version),
        )
        + (f" · <strong>{_e(label)}</strong>" if label else "")
        + " · "
        + _h(t, "page.footer.built", command="<code>skills report</code>")
        + "</footer>"
    )
    meta = _h(
        t,
        "page.meta",
        run_id=f"<code>{_e(pub.run_id)}</code>",
        started=_when(t, pub.manifest.get("started")) or "?",
        version=_e(version),
        region=_e(pub.region),
        nuts=_e(pub.nuts_version),
    )
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="{t.lang}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(t('page.html_title', title=title, run_id=pub.run_id))}</title>"
        f'<meta name="skills-run-id" content="{_e(pub.run_id)}">'
        f"<style>{CSS}{print_label}</style></head>"
        f'<body data-run-id="{_e(pub.run_id)}" data-chart-error="{_e(t("page.chart_error"))}">'
        f'{banner}<div class="wrap">'
        f'<header class="top">{langs}<h1>{_e(title)}</h1>'
        f'<p class="meta">{meta}</p>'
        f"{notes_html}{''.join(toc)}</header>"
        f"<main>{''.join(body)}</main>{footer}</div>"
        f"<script>{_safe_script(bundle)}</script>"
        f"{specs}<script>{FIT_JS}</script><script>{EMBED_JS}</script>"
        f"<script>{SORT_JS}</script>"
        "</body></html>\n"
    )
