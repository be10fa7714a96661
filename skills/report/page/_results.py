"""The page's result sections: the regional profile, each chart's figure, the models."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from skills.report.frames import data_label_text
from skills.report.i18n import Messages
from skills.report.page._html import _caption, _e, _h, _num, _p, _table

if TYPE_CHECKING:
    from skills.report._build import ChartItem
    from skills.report._publication import Publication

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
