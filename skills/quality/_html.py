"""The quality summary as one offline, self-contained HTML page.

Inline CSS only: no scripts, no external fonts or stylesheets (GX's Data Docs load theirs
from CDNs, so they are not used). Severity is shown with colour *and* a text label, the
page prints cleanly, and a data label such as "synthetic demo data" is shown at the top.
"""

from __future__ import annotations

import json
from html import escape
from typing import Any

from skills.quality._report import ExpectationOutcome, ValidationReport

__all__ = ["render_quality_html"]

_CSS = """
:root { color-scheme: light; }
body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, Helvetica, Arial, sans-serif;
  margin: 2rem auto; max-width: 78rem; padding: 0 1rem; color: #1a1a1a; line-height: 1.4; }
h1 { font-size: 1.6rem; margin-bottom: .2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; padding-bottom: .2rem; }
.meta { color: #444; margin: 0 0 1rem 0; }
.label { border: 3px solid #6a1b9a; background: #f3e5f5; color: #4a148c; font-weight: 700;
  font-size: 1.15rem; padding: .6rem 1rem; margin: 1rem 0; text-transform: uppercase;
  letter-spacing: .03em; }
.status { font-size: 1.2rem; font-weight: 700; padding: .5rem 1rem; margin: 1rem 0;
  border-left: .5rem solid; }
.status.passed { border-color: #1b5e20; background: #e8f5e9; color: #1b5e20; }
.status.failed { border-color: #b00020; background: #fdecee; color: #8e0018; }
table { border-collapse: collapse; width: 100%; margin: .5rem 0 1rem 0; font-size: .9rem; }
th, td { border: 1px solid #bbb; padding: .3rem .45rem; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .85em; }
.badge { display: inline-block; font-weight: 700; font-size: .8rem; padding: .05rem .4rem;
  border-radius: .2rem; border: 1px solid; white-space: nowrap; }
.badge.error { background: #b00020; color: #fff; border-color: #b00020; }
.badge.warning { background: #fff4d6; color: #6d4500; border-color: #c77700; }
.badge.pass { background: #e8f5e9; color: #1b5e20; border-color: #1b5e20; }
.badge.skipped { background: #f1f1f1; color: #444; border-color: #888; }
tr.error td { background: #fdecee; }
tr.warning td { background: #fffaf0; }
ul.examples { margin: 0; padding-left: 1.1rem; }
.small { color: #555; font-size: .8rem; }
@media print {
  body { margin: 0; max-width: none; font-size: 10pt; }
  .badge { border: 1px solid #000; }
  tr { page-break-inside: avoid; }
  h2 { page-break-after: avoid; }
}
"""


def _badge(o: ExpectationOutcome) -> tuple[str, str]:
    if o.skipped:
        return "skipped", "SKIPPED"
    if o.success:
        return "pass", "PASS"
    return o.severity, o.severity.upper()


def _order(o: ExpectationOutcome) -> int:
    if o.failed:
        return 0 if o.severity == "error" else 1
    return 3 if o.skipped else 2


def _examples_html(o: ExpectationOutcome) -> str:
    if not o.examples:
        return ""
    items = "".join(
        f"<li><code>{escape(o.example_text(i))}</code></li>" for i in range(len(o.examples))
    )
    return f'<ul class="examples">{items}</ul>'


def _observed_html(o: ExpectationOutcome) -> str:
    text = o.observed_text()
    return escape(text) if text else ""


def render_quality_html(
    report: ValidationReport,
    *,
    title: str,
    run_id: str,
    data_label: str | None = None,
) -> str:
    """Render a validation report as a self-contained HTML page.

    Parameters
    ----------
    report
        The report (:func:`skills.quality.validate_tables`).
    title
        Page title, e.g. the pipeline's title.
    run_id
        The run the report belongs to, shown under the title.
    data_label
        Shown prominently at the top when given (``"synthetic demo data"``).

    Returns
    -------
    str
        The HTML document: inline CSS, no scripts, no external resources; a table per
        suite with failures first and severity given as colour plus a text label.
    """
    c = report.counts
    status = "passed" if report.passed else "failed"
    status_text = (
        "PASSED: no error-severity expectation failed"
        if report.passed
        else "FAILED: error-severity expectations failed; nothing may be published"
    )
    parts: list[str] = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{escape(title)} - data quality</title>",
        f"<style>{_CSS}</style></head><body>",
        "<main>",
        f"<h1>{escape(title)}: data quality</h1>",
        f'<p class="meta">Run <code>{escape(run_id)}</code>'
        + (f" &middot; NUTS {report.nuts_version}" if report.nuts_version else "")
        + (f" &middot; validated in {report.duration_s:.1f} s" if report.duration_s else "")
        + "</p>",
    ]
    if data_label:
        parts.append(f'<p class="label" role="note">{escape(data_label)}</p>')
    parts.append(f'<p class="status {status}" role="status">{escape(status_text)}</p>')
    parts.append(
        f"<p>{c['evaluated']} expectations on {len(report.by_table())} tables: "
        f"{c['errors']} errors, {c['warnings']} warnings, {c['skipped']} skipped.</p>"
    )

    parts.append("<h2>Tables</h2>")
    parts.append(
        "<table><thead><tr><th>Status</th><th>Table</th><th>Suite</th><th>Source</th>"
        "<th>Rows</th><th>Expectations</th><th>Errors</th><th>Warnings</th></tr></thead><tbody>"
    )
    for entry in report.per_suite():
        cls, label = (
            ("pass", "PASS")
            if entry["passed"] and not entry["warnings"]
            else ("warning", "WARNING")
            if entry["passed"]
            else ("error", "ERROR")
        )
        rows = entry.get("rows")
        parts.append(
            f'<tr><td><span class="badge {cls}">{label}</span></td>'
            f'<td><a href="#t-{escape(entry["table"])}">{escape(entry["table"])}</a></td>'
            f"<td><code>{escape(entry['suite'])}.json</code></td>"
            f"<td>{escape(str(entry.get('source') or ''))}</td>"
            f'<td class="num">{"" if rows is None else rows}</td>'
            f'<td class="num">{entry["evaluated"]}</td>'
            f'<td class="num">{entry["errors"]}</td>'
            f'<td class="num">{entry["warnings"]}</td></tr>'
        )
    parts.append("</tbody></table>")

    for table, outs in report.by_table().items():
        suite = outs[0].suite
        parts.append(
            f'<section id="t-{escape(table)}"><h2>{escape(table)} '
            f'<span class="small">(suite <code>{escape(suite)}.json</code>)</span></h2>'
        )
        parts.append(
            "<table><thead><tr><th>Result</th><th>Severity</th><th>Expectation</th>"
            "<th>Column(s)</th><th>Checked on</th><th>Observed</th><th>Failing examples</th>"
            "<th>Reason</th></tr></thead><tbody>"
        )
        for o in sorted(outs, key=_order):
            cls, label = _badge(o)
            row_cls = f' class="{o.severity}"' if o.failed else ""
            parts.append(
                f"<tr{row_cls}>"
                f'<td><span class="badge {cls}">{label}</span></td>'
                f"<td>{escape(o.severity)}</td>"
                f"<td>{escape(o.description)}<br>"
                f'<span class="small"><code>{escape(o.expectation)}</code></span></td>'
                f"<td>{escape(', '.join(o.columns))}</td>"
                f"<td>{escape(o.check_table)}</td>"
                f"<td>{_observed_html(o)}</td>"
                f"<td>{_examples_html(o)}</td>"
                f"<td>{escape(o.reason or '')}</td></tr>"
            )
        parts.append("</tbody></table></section>")
    footer: dict[str, Any] = {"run_id": run_id, "counts": c, "passed": report.passed}
    parts.append(
        f'<footer class="small"><p>Generated by skills. Summary: '
        f"<code>{escape(json.dumps(footer))}</code></p></footer>"
    )
    parts.append("</main></body></html>")
    return "\n".join(parts) + "\n"
