"""The planners' summary: which areas each sentence names, the band, the change, the table."""

from __future__ import annotations

import re
from html import unescape

import polars as pl
import pytest

from skills.report.i18n import Messages
from skills.report.summary import planner_summary, summary_rows

NAMES = {"ITC1": "Piemonte", "ITC11": "Torino", "ITC12": "Vercelli"}


def gap_table() -> pl.DataFrame:
    """Two years, the region and two provinces, three areas (gap = demand - supply)."""
    rows = []
    spec = "central/occupation_share/min0.10/3y"
    cells = {
        # geo, area: (gap 2024, gap 2025, low, high, coverage, hard)
        ("ITC11", "energy"): (50.0, 60.0, 40.0, 90.0, 0.2, 55.0),
        ("ITC11", "fashion"): (-5.0, -12.0, -20.0, 3.0, 1.5, 40.0),
        ("ITC11", "ict_data"): (100.0, 99.8, -10.0, 200.0, 0.0, 60.0),
        ("ITC12", "energy"): (10.0, 4.0, 1.0, 8.0, 0.5, 50.0),
        ("ITC12", "fashion"): (0.0, 0.0, 0.0, 0.0, None, None),
        ("ITC12", "ict_data"): (-3.0, -2.0, -5.0, -1.0, 3.0, 45.0),
    }
    for (geo, area), (g24, g25, low, high, cov, hard) in cells.items():
        for year, gap in ((2024, g24), (2025, g25)):
            rows.append((spec, area, geo, year, gap, low, high, cov, hard))
    frame = pl.DataFrame(
        rows,
        schema=[
            "specification",
            "its_area",
            "geo",
            "year",
            "gap_n",
            "gap_low_n",
            "gap_high_n",
            "coverage_ratio",
            "hard_to_fill_pct",
        ],
        orient="row",
    )
    region = frame.group_by("specification", "its_area", "year").agg(
        pl.lit("ITC1").alias("geo"),
        pl.col("gap_n").sum(),
        pl.col("gap_low_n").sum(),
        pl.col("gap_high_n").sum(),
        pl.lit(0.3).alias("coverage_ratio"),
        pl.lit(50.0).alias("hard_to_fill_pct"),
    )
    return pl.concat([frame, region.select(frame.columns)])


def sentences(html: str) -> list[tuple[str, str, str]]:
    found = re.findall(
        r'<dt data-geo="([A-Z0-9]+)">.*?</dt><dd><p>(.*?)</p><p>(.*?)</p></dd>', html
    )
    return [(g, unescape(a), unescape(b)) for g, a, b in found]


def test_change_is_against_the_previous_year() -> None:
    rows = summary_rows(gap_table(), "ITC1")
    assert set(rows["year"]) == {2025}
    change = dict(
        rows.filter(pl.col("geo") == "ITC11").select("its_area", "gap_change_n").iter_rows()
    )
    assert change == pytest.approx({"energy": 10.0, "fashion": -7.0, "ict_data": -0.2})


def test_sentences_name_the_largest_shortages_and_surpluses_in_italian() -> None:
    html = planner_summary(gap_table(), region="ITC1", names=NAMES, t=Messages("it"))
    said = {geo: (short, surplus) for geo, short, surplus in sentences(html)}
    assert list(said) == ["ITC1", "ITC11", "ITC12"]  # the region first
    short, surplus = said["ITC11"]
    # largest shortage first; Italian thousands and decimal marks
    assert short.index("Tecnologia dell'informazione") < short.index("Energia")
    assert "99,8" not in short and ", 100 (da -10 a 200: il segno dipende" in short
    assert "Energia, 60 (da 40 a 90)" in short
    # ict_data has coverage 0: no graduates, said in words rather than "0,00"
    assert "Nessun diplomato ITS in Tecnologia dell'informazione" in short
    # a surplus is told in graduates over planned entries: its band turned round
    assert "Sistema Moda, 12 (da -3 a 20: il segno dipende" in surplus
    short12, surplus12 = said["ITC12"]
    assert "Energia, 4 (da 1 a 8)" in short12
    assert "Per Energia gli ITS Academy formano 0,50 diplomati per ogni entrata prevista" in short12
    assert "Tecnologia dell'informazione, della comunicazione e dei dati, 2 (da 1 a 5)" in surplus12
    # the region: fashion's provinces add up to a surplus of 12; no area without one
    assert said["ITC1"][1].startswith("Più diplomati che entrate previste")


def test_english_and_the_synthetic_label() -> None:
    html = planner_summary(
        gap_table(), region="ITC1", names=NAMES, t=Messages("en"), data_label="synthetic demo data"
    )
    assert "SYNTHETIC DEMO DATA: these figures are synthetic" in unescape(html)
    said = {geo: short for geo, short, _ in sentences(html)}
    assert said["ITC11"].startswith("The largest shortages")
    assert '<dt data-geo="ITC11">Torino (ITC11)</dt>' in html
    assert "Energy, 60 (40 to 90)" in said["ITC11"]


def test_table_rows_sort_keys_and_directions() -> None:
    html = planner_summary(gap_table(), region="ITC1", names=NAMES, t=Messages("it"))
    table = html[html.index('<table class="sortable"') :]
    rows = re.findall(r"<tr>(.*?)</tr>", table)[1:]  # the header row first
    assert len(rows) == 9  # 3 geos x 3 areas
    first = rows[0]
    assert "Piemonte (ITC1), intera regione" in first  # the region's rows come first
    # Torino ict_data: gap 99.8, band width 210, coverage 0, hard 60 %, change -0.2 (stable)
    torino = next(r for r in rows if "Torino" in r and "Tecnologia dell" in r)
    assert 'data-value="99.8">100<' in torino
    assert 'data-value="210.0">da -10 a 200<' in torino
    assert 'data-value="-0.2">stabile<' in torino
    energy = next(r for r in rows if "Torino" in r and "Energia" in r)
    assert "+10: divario in aumento" in energy
    empty = next(r for r in rows if "Vercelli" in r and "Moda" in r)
    assert 'data-value="">–<' in empty  # no coverage: sorts last, shows a dash
    assert html.count('<button type="button">') == 7


def test_no_gap_table_is_a_note() -> None:
    html = planner_summary(None, region="ITC1", names=NAMES, t=Messages("en"))
    assert "is not in this publication" in html


def test_the_central_specification_is_said_in_words() -> None:
    """A planner reads the modelling choices, not the internal name of the specification."""
    from skills.indicators.gap import GapSpec
    from skills.report.summary import describe_specification

    name = GapSpec().name
    assert name == "central/occupation_share/min0.10/3y"
    it = describe_specification(name, Messages("it"))
    assert it == (
        "(tavola di raccordo centrale, entrate di ogni professione ripartite tra le sue aree "
        "secondo il peso dei legami, legami di peso pari o superiore a 0,10, diplomati in "
        "media su 3 anni)"
    )
    en = describe_specification(
        GapSpec(variant="broad", allocation="weighted_sum", min_link_weight=0.25, window=2).name,
        Messages("en"),
    )
    assert en.startswith("(broad crosswalk, each area counting") and "0.25 or more" in en
    assert "over 2 years" in en
    # a specification of another shape is shown as it is
    assert describe_specification("my/own", Messages("it")) == "my/own"
    html = unescape(planner_summary(gap_table(), region="ITC1", names=NAMES, t=Messages("it")))
    assert "min0" not in html
