"""Which job vacancy rate and which unemployment rate a Beveridge curve reads.

Small inline frames: Italy's JVS has no all-sizes rate (only enterprises with 10+
employees, ``GE10``), counts never fall back to ``GE10``, and an unemployment table
without the total age band never lends another band (15-24) as the total.
"""

from __future__ import annotations

import polars as pl

from skills.align import GE10_NOTE, clean_eurostat
from skills.analyses import AnalysisOutputs
from skills.analyses.beveridge import beveridge
from skills.indicators.labour import total_breakdown


def jvs(rows: list[tuple[str, str, str, float | None]]) -> pl.LazyFrame:
    """JVS rows: (sizeclas, indic_em, geo, value) for nace B-S, all occupations, 2013."""
    return pl.LazyFrame(
        {
            "nace_r2": ["B-S"] * len(rows),
            "sizeclas": [r[0] for r in rows],
            "isco08": ["TOTAL"] * len(rows),
            "indic_em": [r[1] for r in rows],
            "geo": [r[2] for r in rows],
            "period": ["2013"] * len(rows),
            "value": [r[3] for r in rows],
            "flag": [None] * len(rows),
        },
        schema_overrides={"value": pl.Float64, "flag": pl.String},
    )


def clean(rows: list[tuple[str, str, str, float | None]]) -> pl.DataFrame:
    return clean_eurostat(
        jvs(rows), role="job_vacancies", source="jvs_a_nace2", vintage=None, nuts_version=2021
    ).collect()


def test_italy_reads_its_ge10_rate_with_a_note_germany_its_total() -> None:
    panel = clean(
        [
            ("TOTAL", "JOBRATE", "IT", None),  # ': c' in the file
            ("GE10", "JOBRATE", "IT", 0.4),
            ("TOTAL", "JOBRATE", "DE", 2.1),
            ("GE10", "JOBRATE", "DE", 2.5),
        ]
    )
    rate = panel.filter(pl.col("measure") == "job_vacancy_rate_pct").sort("geo")
    assert rate.select("geo", "value", "note").rows() == [
        ("DE", 2.1, None),
        ("IT", 0.4, GE10_NOTE),
    ]


def test_counts_never_fall_back_to_ge10() -> None:
    panel = clean([("TOTAL", "JOBVAC", "IT", None), ("GE10", "JOBVAC", "IT", 51000.0)])
    vac = panel.filter(pl.col("measure") == "job_vacancies_n")
    assert vac["value"].to_list() == [None]  # the all-sizes count, empty: not the GE10 one
    assert vac["note"].to_list() == [None]


def unemployment(ages: list[str]) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "geo": ["IT"] * len(ages),
            "period": ["2013"] * len(ages),
            "sex": ["T"] * len(ages),
            "age": ages,
            "value": [40.0 if a == "Y15-24" else 12.2 for a in ages],
        }
    )


def test_the_youth_band_is_never_read_as_the_total() -> None:
    assert total_breakdown(unemployment(["Y15-24"]), ("Y15-74", "Y_GE15")).height == 0
    got = total_breakdown(unemployment(["Y15-24", "Y_GE15"]), ("Y15-74", "Y_GE15"))
    assert got["value"].to_list() == [12.2]


def test_a_region_borrows_its_country_rate_and_says_so() -> None:
    rates = clean([("TOTAL", "JOBRATE", "IT", None), ("GE10", "JOBRATE", "IT", 0.4)])
    u = pl.DataFrame(
        {
            "measure": ["unemployment_rate_pct"] * 3,
            "role": ["unemployment_rate"] * 3,
            "geo": ["IT", "ITC1", "ITC4"],
            "period": ["2013"] * 3,
            "sex": ["T"] * 3,
            "age": ["Y_GE15"] * 3,
            "value": [12.2, 10.6, 8.1],
            "flag": [None, None, None],
        }
    )
    panel = pl.concat([rates, u], how="diagonal_relaxed")
    out = AnalysisOutputs()
    beveridge(panel, out, regions=("ITC1",))  # ITC4 is neither the region nor a benchmark
    table = out.tables["beveridge"].sort("geo")
    assert table.select(
        "geo", "unemployment_rate", "job_vacancy_rate_pct", "vacancy_rate_geo"
    ).rows() == [
        ("IT", 12.2, 0.4, "IT"),
        ("ITC1", 10.6, 0.4, "IT"),
    ]
    assert "ITC1 with IT" in out.log[-1]["detail"]
