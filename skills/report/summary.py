"""The planners' summary at the top of the report: sentences and a sortable table.

For the region and each of its provinces, the largest shortages and surpluses by ITS
technology area in the latest year, one sentence each, under the central specification
of the gap (``its_gap.parquet``), with the band over every modelling choice; then one
province x area table (gap, band, coverage, hard-to-fill share and the change since the
previous year) that sorts in the page by clicking a column header, with a few lines of
inline script and no network.

Everything a reader sees comes from the message catalogue
(``skills/report/messages/<lang>/summary.toml``); numbers use the language's format.
"""

from __future__ import annotations

from collections.abc import Mapping
from html import escape
from typing import Any

import polars as pl

from skills.report.i18n import Messages

__all__ = ["SORT_JS", "area_names", "planner_summary", "summary_rows"]

#: How many areas each sentence names at most.
TOP_AREAS = 3
#: A change in the gap smaller than this (planned entries minus graduates) is "stable".
STABLE_CHANGE = 0.5

#: Sorts every ``table.sortable`` by the clicked header (numbers by ``data-value``).
SORT_JS = """
(function () {
  "use strict";
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var heads = table.querySelectorAll("thead th");
    heads.forEach(function (th, column) {
      var button = th.querySelector("button");
      if (!button) { return; }
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        heads.forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var numeric = th.getAttribute("data-type") === "number";
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = a.cells[column], y = b.cells[column];
          var u = x.getAttribute("data-value"), v = y.getAttribute("data-value");
          if (numeric) {
            var p = u === "" ? NaN : parseFloat(u), q = v === "" ? NaN : parseFloat(v);
            if (isNaN(p) && isNaN(q)) { return 0; }
            if (isNaN(p)) { return 1; }
            if (isNaN(q)) { return -1; }
            return ascending ? p - q : q - p;
          }
          var r = (u || x.textContent).localeCompare(v || y.textContent);
          return ascending ? r : -r;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
"""


def area_names(lang: str) -> dict[str, str]:
    """ITS area code -> its full name in ``lang`` (Italian or English), never truncated."""
    from skills.classifications import its_areas

    column = "label_it" if lang == "it" else "label_en"
    return dict(its_areas().select("its_area", column).iter_rows())


def summary_rows(gap: pl.DataFrame, region: str) -> pl.DataFrame:
    """One row per geo (the region and its provinces) and ITS area, latest year.

    Adds ``gap_change_n``: the gap minus the previous year's (null in the first year),
    and keeps the central specification's name.
    """
    rows = gap.filter(pl.col("geo").str.starts_with(region)).sort("geo", "its_area", "year")
    rows = rows.with_columns(
        (pl.col("gap_n") - pl.col("gap_n").shift(1).over("geo", "its_area")).alias("gap_change_n"),
        (pl.col("year") - pl.col("year").shift(1).over("geo", "its_area")).alias("_step"),
    ).with_columns(pl.when(pl.col("_step") == 1).then(pl.col("gap_change_n")).alias("gap_change_n"))
    latest = rows["year"].max()
    return rows.filter(pl.col("year") == latest).drop("_step")


def _geo_name(geo: str, names: Mapping[str, str]) -> str:
    name = names.get(geo)
    return f"{name} ({geo})" if name else geo


def _entries(t: Messages, value: float) -> str:
    return t.number(abs(value), 0)


def _area_clause(
    t: Messages, row: Mapping[str, Any], areas: Mapping[str, str], *, surplus: bool
) -> str:
    """``Energia (72 entrate in più dei diplomati, tra 40 e 110)``: an area, its gap, its band.

    A surplus is told in graduates over planned entries, so its band is turned round too.
    """
    name = areas.get(row["its_area"], row["its_area"])
    sign = -1.0 if surplus else 1.0
    low, high = sorted((sign * row["gap_low_n"], sign * row["gap_high_n"]))
    caveat = t("summary.sign_depends") if row["gap_low_n"] < 0 < row["gap_high_n"] else ""
    return t(
        "summary.surplus_clause" if surplus else "summary.shortage_clause",
        area=name,
        n=t.number(abs(row["gap_n"]), 0),
        low=t.number(low, 0),
        high=t.number(high, 0),
        caveat=caveat,
    )


def _sentences(
    t: Messages, rows: pl.DataFrame, geo: str, areas: Mapping[str, str]
) -> tuple[str, str]:
    """The shortage and the surplus sentence for one geo (named by the list's term)."""
    part = rows.filter(pl.col("geo") == geo)
    short = part.filter(pl.col("gap_n") > 0).sort("gap_n", "its_area", descending=[True, False])
    surplus = part.filter(pl.col("gap_n") < 0).sort("gap_n", "its_area")
    if short.height:
        clauses = [
            _area_clause(t, r, areas, surplus=False)
            for r in short.head(TOP_AREAS).iter_rows(named=True)
        ]
        first = short.row(0, named=True)
        name = areas.get(first["its_area"], first["its_area"])
        coverage = first["coverage_ratio"]
        shortage = t("summary.shortages", areas=t.join(clauses, "; ")) + " "
        if coverage:
            shortage += t("summary.coverage", area=name, coverage=t.number(coverage, 2))
        else:
            shortage += t("summary.no_graduates", area=name)
    else:
        shortage = t("summary.no_shortage")
    if surplus.height:
        clauses = [
            _area_clause(t, r, areas, surplus=True)
            for r in surplus.head(TOP_AREAS).iter_rows(named=True)
        ]
        surplus_text = t("summary.surpluses", areas=t.join(clauses, "; "))
    else:
        surplus_text = t("summary.no_surplus")
    return shortage, surplus_text


def _cell(text: str, value: Any = None, *, numeric: bool = False, wrap: bool = False) -> str:
    data = "" if value is None else f' data-value="{escape(str(value))}"'
    classes = " ".join(c for c, on in (("num", numeric), ("wrap", wrap)) if on)
    cls = f' class="{classes}"' if classes else ""
    return f"<td{cls}{data}>{text}</td>"


def _direction(t: Messages, change: float | None) -> str:
    if change is None:
        return t("summary.change.none")
    if abs(change) < STABLE_CHANGE or t.number(abs(change), 0) == t.number(0, 0):
        return t("summary.change.stable")
    key = "summary.change.wider" if change > 0 else "summary.change.narrower"
    return t(key, n=t.signed(change, 0))


def _table(
    t: Messages, rows: pl.DataFrame, region: str, names: Mapping[str, str], areas: Mapping[str, str]
) -> str:
    heads = [
        ("geo", "text"),
        ("area", "text"),
        ("gap", "number"),
        ("band", "number"),
        ("coverage", "number"),
        ("hard_to_fill", "number"),
        ("change", "number"),
    ]
    th = "".join(
        f'<th scope="col" data-type="{kind}"{" class=num" if kind == "number" else ""}>'
        f'<button type="button">{escape(t("summary.table." + key))}</button></th>'
        for key, kind in heads
    )
    order = rows.with_columns((pl.col("geo") != region).alias("_province")).sort(
        "_province", "geo", "gap_n", descending=[False, False, True]
    )
    body = []
    for r in order.iter_rows(named=True):
        geo_text = _geo_name(r["geo"], names)
        if r["geo"] == region:
            geo_text = t("summary.region_total", where=geo_text)
        coverage = r["coverage_ratio"]
        hard = r["hard_to_fill_pct"]
        change = r["gap_change_n"]
        body.append(
            "<tr>"
            + _cell(escape(geo_text))
            + _cell(escape(areas.get(r["its_area"], r["its_area"])))
            + _cell(t.number(r["gap_n"], 0), round(r["gap_n"], 6), numeric=True)
            + _cell(
                escape(
                    t(
                        "summary.band_cell",
                        low=t.number(r["gap_low_n"], 0),
                        high=t.number(r["gap_high_n"], 0),
                    )
                ),
                round(r["gap_high_n"] - r["gap_low_n"], 6),
                numeric=True,
            )
            + _cell(
                t.number(coverage, 2) if coverage is not None else "–",
                "" if coverage is None else round(coverage, 6),
                numeric=True,
            )
            + _cell(
                t.percent(hard, 0) if hard is not None else "–",
                "" if hard is None else round(hard, 6),
                numeric=True,
            )
            + _cell(
                escape(_direction(t, change)),
                "" if change is None else round(change, 6),
                numeric=True,
                wrap=True,
            )
            + "</tr>"
        )
    return (
        f'<div class="tablewrap"><table class="sortable" id="planner-table">'
        f"<caption>{escape(t('summary.table.caption'))}</caption>"
        f"<thead><tr>{th}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def describe_specification(name: str, t: Messages) -> str:
    """A gap specification's name (``central/occupation_share/min0.10/3y``) in words.

    The name is :attr:`skills.indicators.gap.GapSpec.name`; a name of another shape (a
    specification an economist added) is returned as it is.
    """
    parts = name.split("/")
    if len(parts) != 4 or not parts[2].startswith("min") or not parts[3].endswith("y"):
        return name
    variant, allocation, weight, window = parts
    variants = {
        "central": t("summary.spec.variant_central"),
        "narrow": t("summary.spec.variant_narrow"),
        "broad": t("summary.spec.variant_broad"),
    }
    allocations = {
        "occupation_share": t("summary.spec.allocation_occupation_share"),
        "weighted_sum": t("summary.spec.allocation_weighted_sum"),
    }
    try:
        min_weight, years = float(weight.removeprefix("min")), int(window.removesuffix("y"))
    except ValueError:
        return name
    return t(
        "summary.spec.words",
        variant=variants.get(variant, variant),
        allocation=allocations.get(allocation, allocation),
        weight=t.number(min_weight, 2),
        window=years,
    )


def planner_summary(
    gap: pl.DataFrame | None,
    *,
    region: str,
    names: Mapping[str, str],
    t: Messages,
    data_label: str | None = None,
) -> str:
    """The summary section (``<section id="summary">``) as HTML, or a note without a gap."""
    heading = escape(t("summary.heading"))
    if gap is None or gap.height == 0 or not region:
        return (
            f'<section id="summary"><h2 class="first">{heading}</h2>'
            f'<p class="muted">{escape(t("summary.no_gap"))}</p></section>'
        )
    rows = summary_rows(gap, region)
    areas = area_names(t.lang)
    year = int(rows["year"].max())  # type: ignore[arg-type]
    spec = describe_specification(str(rows["specification"][0]), t)
    out = [f'<section id="summary"><h2 class="first">{heading}</h2>']
    intro = t("summary.intro", year=year, specification=spec)
    if data_label:
        intro += " " + t("summary.synthetic", label=data_label.upper())
    out.append(f'<p class="muted">{escape(intro)}</p>')
    geos = [region, *sorted(g for g in rows["geo"].unique().to_list() if g != region)]
    out.append('<dl class="summary">')
    for geo in geos:
        shortage, surplus = _sentences(t, rows, geo, areas)
        term = _geo_name(geo, names)
        if geo == region:
            term = t("summary.region_total", where=term)
        out.append(
            f'<dt data-geo="{escape(geo)}">{escape(term)}</dt>'
            f"<dd><p>{escape(shortage)}</p><p>{escape(surplus)}</p></dd>"
        )
    out.append("</dl>")
    out.append(f"<h3>{escape(t('summary.table.heading', year=year))}</h3>")
    out.append(f'<p class="muted">{escape(t("summary.table.lead"))}</p>')
    out.append(_table(t, rows, region, names, areas))
    out.append(f'<p class="caption">{escape(t("summary.read_more"))}</p></section>')
    return "".join(out)
