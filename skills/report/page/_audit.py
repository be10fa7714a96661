"""The page's audit sections: the data-quality outcome and the run's provenance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from skills.report.frames import data_label_text
from skills.report.i18n import Messages
from skills.report.page._html import _caption, _e, _h, _num, _table, _when

if TYPE_CHECKING:
    from skills.quality._report import ValidationReport
    from skills.report._publication import Publication


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
