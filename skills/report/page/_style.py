"""The page's fixed assets: its style sheet and the script that draws its charts.

:data:`CSS` is the whole style sheet (screen, phone and print); :data:`EMBED_JS` draws
every ``<figure data-chart-id>`` with ``vegaEmbed`` from its ``spec-<id>`` JSON block,
fitted to its box (:data:`skills.report.layout.FIT_JS`), and marks the body
``data-charts-ready`` once all are drawn.
"""

from __future__ import annotations

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
