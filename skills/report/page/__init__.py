"""Page assembly: one self-contained HTML page for one publication.

The page inlines the Vega + Vega-Lite + Vega-Embed bundle once (from
``vl_convert.javascript_bundle()``), holds each chart's Vega-Lite spec in a
``<script type="application/json">`` block and draws every chart with ``vegaEmbed``.
It loads nothing from anywhere: no ``<script src>``, no stylesheet or font links, no
images; the only links are to files of the same publication (``quality.html`` and the
chart exports), followed only when clicked.

Everything here is pure string building: :func:`render_page` takes what
:mod:`skills.report._build` prepared and returns the HTML text of one language's page.
It lays out the page (head, language switch, contents, sections, footer); the sections
are written by ``_results`` (profile, figures, models) and ``_audit`` (data quality,
provenance), through the HTML helpers of ``_html``, and ``_style`` holds the style
sheet and the drawing script.
Every word on it comes from the message catalogue (``messages/<lang>/page.toml``)
through a :class:`~skills.report.i18n.Messages` (``t``), numbers and dates are written
in that language's convention (``t.number``, ``t.percent``, ``t.date``), the ``<html>``
element carries its ``lang`` and a small language switch (``nav.langs``) links the
other languages' pages (:func:`page_name`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING

from skills.report.i18n import Messages
from skills.report.layout import FIT_JS
from skills.report.page._audit import _provenance_section, _quality_section
from skills.report.page._html import _e, _h, _label, _safe_script, _when, script_json
from skills.report.page._results import _figure, _models_section, _profile_section
from skills.report.page._style import CSS, EMBED_JS
from skills.report.summary import SORT_JS

if TYPE_CHECKING:
    from skills.report._build import ChartItem
    from skills.report._publication import Publication
    from skills.report.exports import ExportsResult

__all__ = ["page_name", "render_page", "script_json"]

#: The page's sections after the profile: id -> (heading message, lead message).
SECTIONS: Mapping[str, tuple[str, str]] = {
    "planners": ("page.section.planners.heading", "page.section.planners.lead"),
    "economists": ("page.section.economists.heading", "page.section.economists.lead"),
}


def page_name(lang: str, languages: Sequence[str]) -> str:
    """The page's file name: ``report.html`` for the first language, else ``report.<lang>.html``."""
    return "report.html" if not languages or lang == languages[0] else f"report.{lang}.html"


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

    title = pub.title(t.lang) or t("page.default_title")
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
