"""Shift-share decomposition of skill-group shares: hand and plain-Python references,
exactness and other invariants, suppressed cells, totals codes, sectors and breaks."""

from __future__ import annotations

import random
from collections.abc import Mapping
from pathlib import Path

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import skills
from skills.indicators.shiftshare import (
    CONTRIBUTION_COLUMNS,
    SUMMARY_COLUMNS,
    sector_codes,
    shift_share,
    shift_share_contributions,
    shift_share_indicators,
    shift_share_longest_span,
)

OECD = {
    "1": "high",
    "2": "high",
    "3": "high",
    "4": "middle",
    "7": "middle",
    "8": "middle",
    "5": "low",
    "9": "low",
}
SCHEMA = {
    "geo": pl.String,
    "period": pl.String,
    "nace_r2": pl.String,
    "isco08": pl.String,
    "value": pl.Float64,
    "flag": pl.String,
}

Cells = dict[tuple[str, str, str], float | None]  # (period, sector, major digit) -> value


def frame(cells: Cells, geo: str = "IT", flags: Mapping[str, str] | None = None) -> pl.DataFrame:
    """Eurostat-shaped rows (OC codes) from {(period, sector, major): value}."""
    flags = flags or {}
    rows = [
        (geo, period, sector, f"OC{major}", value, flags.get(period))
        for (period, sector, major), value in sorted(cells.items())
    ]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


def reference(
    cells: Cells, base: str, end: str, groups: Mapping[str, str] = OECD
) -> dict[str, dict[str, float]]:
    """The symmetric decomposition in plain Python, written from the formula.

    Sectors with a missing or empty grouped cell in either period are left out.
    """
    sectors = sorted({s for (_, s, _) in cells})

    def value(period: str, sector: str, major: str) -> float | None:
        return cells.get((period, sector, major))

    used = [
        s
        for s in sectors
        if all(value(p, s, m) is not None for p in (base, end) for m in groups)
        and all(sum(value(p, s, m) or 0.0 for m in groups) > 0 for p in (base, end))
    ]
    out: dict[str, dict[str, float]] = {}
    for g in sorted(set(groups.values())):
        between = within = 0.0
        totals = {}
        for p in (base, end):
            e_all = sum(value(p, s, m) or 0.0 for s in used for m in groups)
            e_g = sum(value(p, s, m) or 0.0 for s in used for m in groups if groups[m] == g)
            totals[p] = 100 * e_g / e_all
        for s in used:
            e, sh = {}, {}
            for p in (base, end):
                e_all = sum(value(p, t, m) or 0.0 for t in used for m in groups)
                e_j = sum(value(p, s, m) or 0.0 for m in groups)
                e_gj = sum(value(p, s, m) or 0.0 for m in groups if groups[m] == g)
                e[p], sh[p] = e_j / e_all, e_gj / e_j
            between += 100 * (e[end] - e[base]) * (sh[base] + sh[end]) / 2
            within += 100 * (e[base] + e[end]) / 2 * (sh[end] - sh[base])
        out[g] = {
            "between": between,
            "within": within,
            "change": totals[end] - totals[base],
            "base": totals[base],
        }
    return out


def random_cells(rnd: random.Random, sectors: str = "ACGKQ") -> Cells:
    return {
        (p, s, str(m)): round(rnd.uniform(0.5, 400.0), 1)
        for p in ("2015", "2019")
        for s in sectors
        for m in range(10)
    }


def by_group(summary: pl.DataFrame) -> dict[str, dict[str, object]]:
    return {r["skill_group"]: r for r in summary.iter_rows(named=True)}


# ----------------------------------------------------------------------------- references


def test_two_sectors_by_hand() -> None:
    """Manufacturing shrinks and loses middle-skill jobs; services grow.

    Grouped employment (major groups 1-5, 7-9):
      2015  C: high 20, middle 60, low 20 (100)   S: high 60, middle 20, low 20 (100)
      2020  C: high 20, middle 40, low 20  (80)   S: high 72, middle 24, low 24 (120)
    e_C 0.5 -> 0.4, e_S 0.5 -> 0.6; middle share in C 0.6 -> 0.5, in S 0.2 -> 0.2.
    middle: 40% -> 32%, change -8 pp;
      between = 100 (-0.1 x 0.55 + 0.1 x 0.2) = -3.5 pp;
      within  = 100 (0.45 x -0.1 + 0.55 x 0) = -4.5 pp.
    high: 40% -> 46%: between 100 (-0.1 x 0.225 + 0.1 x 0.6) = 3.75 pp,
      within 100 (0.45 x 0.05 + 0) = 2.25 pp.
    """
    cells: Cells = {}
    for period, sector, high, middle, low in (
        ("2015", "C", 20, 60, 20),
        ("2015", "S", 60, 20, 20),
        ("2020", "C", 20, 40, 20),
        ("2020", "S", 72, 24, 24),
    ):
        # spread each group over its major groups (the split does not matter)
        for major, share in (("1", 0.2), ("2", 0.5), ("3", 0.3)):
            cells[(period, sector, major)] = high * share
        for major, share in (("4", 0.25), ("7", 0.5), ("8", 0.25)):
            cells[(period, sector, major)] = middle * share
        for major, share in (("5", 0.5), ("9", 0.5)):
            cells[(period, sector, major)] = low * share
        cells[(period, sector, "0")] = 7.0  # outside the groups
        cells[(period, sector, "6")] = 11.0
    got = by_group(shift_share(frame(cells), base="2015", end="2020"))
    assert got["middle"]["change_pp"] == pytest.approx(-8.0)
    assert got["middle"]["between_pp"] == pytest.approx(-3.5)
    assert got["middle"]["within_pp"] == pytest.approx(-4.5)
    assert got["high"]["between_pp"] == pytest.approx(3.75)
    assert got["high"]["within_pp"] == pytest.approx(2.25)
    assert got["middle"]["base_share_pct"] == pytest.approx(40.0)
    assert got["middle"]["end_share_pct"] == pytest.approx(32.0)
    assert got["middle"]["interaction_pp"] is None
    assert got["middle"]["sectors_n"] == 2 and got["middle"]["sectors_excluded"] is None
    assert got["middle"]["covered_share_pct"] == pytest.approx(100.0)
    # base-period weights: between -0.1 x 0.6 + 0.1 x 0.2 = -4 pp, within 0.5 x -0.1 = -5 pp,
    # interaction -0.1 x -0.1 = +1 pp
    base = by_group(shift_share(frame(cells), base="2015", end="2020", weights="base"))
    assert base["middle"]["between_pp"] == pytest.approx(-4.0)
    assert base["middle"]["within_pp"] == pytest.approx(-5.0)
    assert base["middle"]["interaction_pp"] == pytest.approx(1.0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_a_plain_python_computation(seed: int) -> None:
    cells = random_cells(random.Random(seed))
    want = reference(cells, "2015", "2019")
    got = by_group(shift_share(frame(cells), base="2015", end="2019"))
    assert set(got) == set(want) == {"high", "middle", "low"}
    for g, ref in want.items():
        assert got[g]["between_pp"] == pytest.approx(ref["between"], abs=1e-10)
        assert got[g]["within_pp"] == pytest.approx(ref["within"], abs=1e-10)
        assert got[g]["change_pp"] == pytest.approx(ref["change"], abs=1e-10)
        assert got[g]["base_share_pct"] == pytest.approx(ref["base"], abs=1e-10)


def test_contributions_equal_a_plain_python_computation() -> None:
    cells = random_cells(random.Random(11), sectors="CFG")
    parts = shift_share_contributions(frame(cells), base="2015", end="2019")
    assert parts.columns == list(CONTRIBUTION_COLUMNS)
    assert parts.height == 3 * 3  # sectors x groups
    row = parts.filter(pl.col("nace_r2") == "F", pl.col("skill_group") == "middle").row(
        0, named=True
    )
    grouped = list(OECD)
    middle = [m for m in OECD if OECD[m] == "middle"]
    e = {}
    s = {}
    for p in ("2015", "2019"):
        total = sum(cells[(p, t, m)] or 0.0 for t in "CFG" for m in grouped)
        e_f = sum(cells[(p, "F", m)] or 0.0 for m in grouped)
        e[p] = e_f / total
        s[p] = sum(cells[(p, "F", m)] or 0.0 for m in middle) / e_f
    assert row["sector_share_base_pct"] == pytest.approx(100 * e["2015"])
    assert row["group_share_end_pct"] == pytest.approx(100 * s["2019"])
    assert row["between_pp"] == pytest.approx(
        100 * (e["2019"] - e["2015"]) * (s["2015"] + s["2019"]) / 2
    )
    assert row["within_pp"] == pytest.approx(
        100 * (e["2015"] + e["2019"]) / 2 * (s["2019"] - s["2015"])
    )
    assert row["change_pp"] == pytest.approx(100 * (e["2019"] * s["2019"] - e["2015"] * s["2015"]))
    assert row["is_included"] and row["note"] is None


def test_summary_is_the_sum_of_the_contributions() -> None:
    cells = random_cells(random.Random(5))
    parts = shift_share_contributions(frame(cells), base="2015", end="2019")
    summary = shift_share(frame(cells), base="2015", end="2019")
    assert summary.columns == list(SUMMARY_COLUMNS)
    sums = parts.group_by("skill_group").agg(pl.col("between_pp", "within_pp", "change_pp").sum())
    joined = summary.join(sums, on="skill_group", suffix="_parts")
    for col in ("between_pp", "within_pp", "change_pp"):
        assert joined[col].to_list() == pytest.approx(joined[f"{col}_parts"].to_list(), abs=1e-10)


def test_alternative_grouping_is_a_parameter() -> None:
    """The grouping is a parameter: e.g. middle = 4-8 and low = 9 (6 inside)."""
    alt = {"1": "high", "2": "high", "3": "high", "9": "low"} | {
        str(m): "middle" for m in range(4, 9)
    }
    cells = random_cells(random.Random(8))
    want = reference(cells, "2015", "2019", groups=alt)
    got = by_group(shift_share(frame(cells), base="2015", end="2019", groups=alt))
    for g, ref in want.items():
        assert got[g]["between_pp"] == pytest.approx(ref["between"], abs=1e-10)
        assert got[g]["within_pp"] == pytest.approx(ref["within"], abs=1e-10)


# ----------------------------------------------------------------------------- invariants

_cell_values = st.floats(min_value=0.1, max_value=5_000.0, allow_nan=False)


@pytest.mark.slow
@settings(max_examples=40, deadline=None)
@given(
    values=st.lists(_cell_values, min_size=2 * 3 * 10, max_size=2 * 3 * 10),
    scale=st.floats(min_value=0.01, max_value=1000.0),
)
def test_parts_add_up_exactly_and_other_invariants(values: list[float], scale: float) -> None:
    keys = [(p, s, str(m)) for p in ("2015", "2019") for s in "BFQ" for m in range(10)]
    cells: Cells = dict(zip(keys, values, strict=True))
    avg = by_group(shift_share(frame(cells), base="2015", end="2019"))
    base = by_group(shift_share(frame(cells), base="2015", end="2019", weights="base"))
    for g in ("high", "middle", "low"):
        a, b = avg[g], base[g]
        # exact: within + between = total change (no interaction term)
        assert a["between_pp"] + a["within_pp"] == pytest.approx(a["change_pp"], abs=1e-9)
        # base weights: the three terms add up; the symmetric form splits the interaction
        assert b["between_pp"] + b["within_pp"] + b["interaction_pp"] == pytest.approx(
            b["change_pp"], abs=1e-9
        )
        assert a["between_pp"] == pytest.approx(b["between_pp"] + b["interaction_pp"] / 2, abs=1e-9)
        assert a["within_pp"] == pytest.approx(b["within_pp"] + b["interaction_pp"] / 2, abs=1e-9)
    # shares sum to 100, so each part sums to zero over the groups
    assert sum(avg[g]["between_pp"] for g in avg) == pytest.approx(0.0, abs=1e-9)
    assert sum(avg[g]["within_pp"] for g in avg) == pytest.approx(0.0, abs=1e-9)
    # invariant to the unit (thousands or persons)
    scaled = {k: (v or 0.0) * scale for k, v in cells.items()}
    again = by_group(shift_share(frame(scaled), base="2015", end="2019"))
    for g in avg:
        assert again[g]["between_pp"] == pytest.approx(avg[g]["between_pp"], abs=1e-9)
        assert again[g]["within_pp"] == pytest.approx(avg[g]["within_pp"], abs=1e-9)


def test_does_not_depend_on_row_order() -> None:
    rows = frame(random_cells(random.Random(3)))
    one = shift_share(rows, base="2015", end="2019")
    two = shift_share(rows.sample(fraction=1.0, shuffle=True, seed=4), base="2015", end="2019")
    assert one.equals(two)


def test_no_structural_change_means_no_within_part() -> None:
    """Sectors change size but keep their occupational mix: the whole change is between."""
    cells = random_cells(random.Random(9), sectors="CG")
    for m in range(10):
        cells[("2019", "C", str(m))] = (cells[("2015", "C", str(m))] or 0.0) * 0.7
        cells[("2019", "G", str(m))] = (cells[("2015", "G", str(m))] or 0.0) * 1.4
    got = by_group(shift_share(frame(cells), base="2015", end="2019"))
    for g in got.values():
        assert g["within_pp"] == pytest.approx(0.0, abs=1e-10)
        assert g["between_pp"] == pytest.approx(g["change_pp"], abs=1e-10)


# ----------------------------------------------------------------------------- suppressed cells


def test_a_sector_with_a_suppressed_cell_is_excluded_and_named() -> None:
    cells = random_cells(random.Random(21))
    cells[("2019", "K", "7")] = None  # suppressed: empty value
    del cells[("2015", "Q", "1")]  # missing row
    cells[("2015", "A", "0")] = None  # armed forces: outside the groups, no effect
    cells[("2019", "A", "6")] = None  # skilled agriculture: outside the groups
    want = reference(cells, "2015", "2019")
    summary = shift_share(frame(cells), base="2015", end="2019")
    got = by_group(summary)
    for g, ref in want.items():
        assert got[g]["between_pp"] == pytest.approx(ref["between"], abs=1e-10)
        assert got[g]["within_pp"] == pytest.approx(ref["within"], abs=1e-10)
        assert got[g]["sectors_n"] == 3
        assert got[g]["sectors_excluded"] == "K, Q"
        assert "excluded (suppressed or empty cells): K, Q" in str(got[g]["note"])
        assert 0 < float(got[g]["covered_share_pct"]) < 100  # type: ignore[arg-type]
    parts = shift_share_contributions(frame(cells), base="2015", end="2019")
    k = parts.filter(pl.col("nace_r2") == "K")
    assert not k["is_included"].any() and k["between_pp"].null_count() == k.height
    assert k["note"].str.starts_with("excluded: suppressed").all()
    # the covered share: the used sectors' published grouped employment in the base period
    grouped = list(OECD)
    used = sum(cells[("2015", s, m)] or 0.0 for s in "ACG" for m in grouped)
    published = sum(cells.get(("2015", s, m)) or 0.0 for s in "ACGKQ" for m in grouped)
    assert got["high"]["covered_share_pct"] == pytest.approx(100 * used / published)


def test_suppressed_cells_can_be_read_as_zero() -> None:
    cells = random_cells(random.Random(22))
    cells[("2019", "K", "7")] = None
    zero = {k: (0.0 if v is None else v) for k, v in cells.items()}
    want = reference(zero, "2015", "2019")
    got = by_group(shift_share(frame(cells), base="2015", end="2019", suppressed="zero"))
    for g, ref in want.items():
        assert got[g]["within_pp"] == pytest.approx(ref["within"], abs=1e-10)
        assert got[g]["sectors_n"] == 5 and "suppressed cells read as 0" in str(got[g]["note"])


def test_all_sectors_suppressed_gives_nulls_not_zeros() -> None:
    cells = random_cells(random.Random(23), sectors="C")
    cells[("2015", "C", "2")] = None
    got = by_group(shift_share(frame(cells), base="2015", end="2019"))
    assert all(r["between_pp"] is None and r["within_pp"] is None for r in got.values())
    assert all(r["sectors_n"] == 0 for r in got.values())


def test_totals_and_no_response_codes_are_ignored() -> None:
    cells = random_cells(random.Random(31))
    plain = shift_share(frame(cells), base="2015", end="2019")
    extra = [
        ("IT", p, nace, isco, 99_999.0, None)
        for p in ("2015", "2019")
        for nace, isco in (
            ("TOTAL", "OC1"),
            ("TOTAL", "TOTAL"),
            ("NRP", "OC4"),
            ("C", "TOTAL"),
            ("C", "NRP"),
            ("G", "UNK"),
        )
    ]
    noisy = pl.concat([frame(cells), pl.DataFrame(extra, schema=SCHEMA, orient="row")])
    assert shift_share(noisy, base="2015", end="2019").equals(plain)


# ----------------------------------------------------------------------------- sectors


def test_sector_codes_keep_the_finest_partition() -> None:
    assert sector_codes(["TOTAL", "A", "B-E", "C", "F", "NRP"]) == ["A", "C", "F"]
    assert sector_codes(["A", "B-E", "F", "G-I", "M_N", "O-Q", "R-U", "TOTAL"]) == [
        "A",
        "B-E",
        "F",
        "G-I",
        "M_N",
        "O-Q",
        "R-U",
    ]
    with pytest.raises(ValueError, match="overlap"):
        sector_codes(["A-S", "R-U"])  # R and S in both, neither inside the other
    with pytest.raises(ValueError, match="unknown NACE"):
        sector_codes(["C10", "C"])


def test_aggregate_only_tables_use_the_aggregates() -> None:
    cells: Cells = {
        (p, s, str(m)): 10.0 + m + (5.0 if p == "2019" and s == "G-I" else 0.0)
        for p in ("2015", "2019")
        for s in ("B-E", "F", "G-I")
        for m in range(10)
    }
    got = by_group(shift_share(frame(cells), base="2015", end="2019"))
    assert got["high"]["sectors_n"] == 3
    want = reference(cells, "2015", "2019")
    assert got["low"]["between_pp"] == pytest.approx(want["low"]["between"])


# ----------------------------------------------------------------------------- breaks


def test_a_break_inside_the_span_is_flagged() -> None:
    cells = {
        (p, s, str(m)): v
        for (_, s, m), v in random_cells(random.Random(41)).items()
        for p in ("2019", "2020", "2021", "2022")
        if _ == "2015"
    }
    rows = frame(cells, flags={"2021": "b", "2022": "p"})
    across = by_group(shift_share(rows, base="2019", end="2022"))
    assert all(r["crosses_break"] and r["flag"] == "bp" for r in across.values())
    assert "change across a series break (b in 2021)" in str(across["high"]["note"])
    after = by_group(shift_share(rows, base="2021", end="2022"))  # b on the base: a clean span
    assert all(not r["crosses_break"] and r["flag"] == "p" for r in after.values())
    summary, parts = shift_share_longest_span(rows)
    # spans 2019-2020 and 2021-2022 tie: the latest wins
    assert set(summary["period"]) == set(parts["period"]) == {"2021-2022"}
    assert not summary["crosses_break"].any()


def test_longest_span_per_geo() -> None:
    it = frame(random_cells(random.Random(51)), geo="IT")
    de = frame(random_cells(random.Random(52)), geo="DE", flags={"2019": "b"})
    summary, parts = shift_share_longest_span(pl.concat([it, de]))
    assert set(summary["geo"]) == {"IT"}  # DE's spans are single years
    assert summary.height == 3 and parts.height == 15
    direct = shift_share(it, base="2015", end="2019")
    assert summary.equals(direct)


# ----------------------------------------------------------------------------- inputs and outputs


def test_bad_inputs_raise() -> None:
    rows = frame(random_cells(random.Random(61)))
    with pytest.raises(ValueError, match="before end"):
        shift_share(rows, base="2019", end="2015")
    with pytest.raises(ValueError, match="weights"):
        shift_share(rows, base="2015", end="2019", weights="end")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="suppressed"):
        shift_share(rows, base="2015", end="2019", suppressed="impute")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="missing column"):
        shift_share(rows.drop("nace_r2"), base="2015", end="2019")
    two_sexes = pl.concat([rows, rows])
    with pytest.raises(ValueError, match="filter one sex and age class"):
        shift_share(two_sexes, base="2015", end="2019")
    negative = rows.with_columns(
        pl.when(pl.col("isco08") == "OC2").then(-1.0).otherwise("value").alias("value")
    )
    with pytest.raises(ValueError, match="negative"):
        shift_share(negative, base="2015", end="2019")
    with pytest.raises(TypeError):
        shift_share({"geo": ["IT"]}, base="2015", end="2019")  # type: ignore[arg-type]


def test_lazy_input_and_public_api() -> None:
    rows = frame(random_cells(random.Random(71)))
    assert shift_share(rows.lazy(), base="2015", end="2019").equals(
        skills.shift_share(rows, base="2015", end="2019")
    )


def test_indicator_rows() -> None:
    summary = shift_share(frame(random_cells(random.Random(81))), base="2015", end="2019")
    ind = shift_share_indicators(summary, source="test").collect()
    assert set(ind["indicator"]) == {
        "skill_share_change_within_pp",
        "skill_share_change_between_pp",
    }
    within = ind.filter(pl.col("indicator") == "skill_share_change_within_pp").sort("skill_group")
    assert within["value"].to_list() == summary.sort("skill_group")["within_pp"].to_list()
    assert set(ind["unit"]) == {"percentage points"} and set(ind["period"]) == {"2015-2019"}
    assert ind["note"].str.starts_with("shift-share over 5 NACE sectors").all()
    base = shift_share(
        frame(random_cells(random.Random(81))), base="2015", end="2019", weights="base"
    )
    with pytest.raises(ValueError, match="average weights"):
        shift_share_indicators(base)


# ----------------------------------------------------------------------------- the source role

_EISN2_HEADER = (
    "DATAFLOW,LAST UPDATE,freq,nace_r2,isco08,age,sex,unit,geo,TIME_PERIOD,"
    "OBS_VALUE,OBS_FLAG,CONF_STATUS\n"
)


def eisn2_csv(dataflow: str = "ESTAT:LFSA_EISN2(1.0)") -> str:
    """A small lfsa_eisn2-shaped SDMX-CSV: sections C and G plus totals, one suppressed cell."""
    lines = [_EISN2_HEADER]
    rnd = random.Random(91)
    for year, flag in (("2020", ""), ("2021", "b")):
        for nace in ("C", "G", "TOTAL", "NRP"):
            for isco in [f"OC{m}" for m in range(10)] + ["TOTAL", "NRP"]:
                value = f"{rnd.uniform(5, 900):.1f}"
                cell_flag = flag
                if (nace, isco) == ("G", "OC0"):
                    value, cell_flag = "", flag + "u"  # suppressed
                lines.append(
                    f"{dataflow},15/10/26 23:00:00,A,{nace},{isco},Y15-74,T,THS_PER,IT,"
                    f"{year},{value},{cell_flag},\n"
                )
    return "".join(lines)


def test_the_role_reads_lfsa_eisn2_and_its_suite_passes(tmp_path: Path) -> None:
    from skills.align import clean_eurostat
    from skills.errors import InputError
    from skills.quality import validate_tables
    from skills.refresh import load_source
    from skills.spec import ROLES, load_spec

    root = tmp_path
    (root / "eisn2.csv").write_text(eisn2_csv(), encoding="utf-8")
    (root / "other.csv").write_text(eisn2_csv("ESTAT:LFSA_EGAI2D(1.0)"), encoding="utf-8")
    spec_text = (
        '[pipeline]\nname = "t"\nregion = "ITC1"\n\n'
        '[sources.employment_by_sector_occupation]\npath = "{}"\n'
    )
    spec = load_spec(_write(root / "a.toml", spec_text.format("eisn2.csv")))
    src = spec.sources["employment_by_sector_occupation"]
    assert src.kind == "eurostat" and ROLES[src.role].datasets == ("lfsa_eisn2",)
    loaded = load_source(spec, src)
    frame = loaded.frame.collect()
    assert {"nace_r2", "isco08", "geo", "period", "value", "flag"} <= set(frame.columns)
    assert loaded.provenance["dataset"] == "lfsa_eisn2"
    report = validate_tables({"employment_by_sector_occupation": frame}, sources={})
    assert report.passed, report.summary_text()
    # a file of another dataset under this role is rejected, naming both
    other = load_spec(_write(root / "b.toml", spec_text.format("other.csv")))
    with pytest.raises(InputError, match=r"lfsa_egai2d.*expects lfsa_eisn2"):
        load_source(other, other.sources["employment_by_sector_occupation"])
    # the panel rows: employment_ths, ISCO-08 digits, TOTAL -> null (all), NRP kept
    panel = clean_eurostat(
        frame.lazy(),
        role="employment_by_sector_occupation",
        source="t",
        vintage=None,
        nuts_version=2021,
        units=ROLES["employment_by_sector_occupation"].units,
    ).collect()
    assert set(panel["measure"]) == {"employment_ths"}
    assert set(panel["isco08"].drop_nulls()) == {*map(str, range(10)), "NRP"}
    assert set(panel["nace_r2"].drop_nulls()) == {"C", "G", "NRP"}


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- the demo table


@pytest.mark.slow
def test_demo_table_agrees_with_the_occupation_table_and_leaves_the_others_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import csv
    import hashlib

    from skills.demo import sectors as demo_sectors
    from skills.demo import write_demo

    first, second = tmp_path / "a", tmp_path / "b"
    write_demo(first)
    data = first / "data"
    with (data / "lfsa_eisn2.csv").open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    assert {r["DATAFLOW"] for r in rows} == {"ESTAT:LFSA_EISN2(1.0)"}
    assert {r["geo"] for r in rows} == {"IT", "DE", "FR", "ES", "AT", "NL", "EU27_2020"}
    # suppressed cells are empty and flagged u, never written as 0
    empty = [r for r in rows if r["OBS_VALUE"] == ""]
    assert empty and all("u" in r["OBS_FLAG"] for r in empty)
    assert all(float(r["OBS_VALUE"]) >= 1.0 for r in rows if r["OBS_VALUE"])
    # raked: each major group's total over sectors is the occupation table's major group
    with (data / "lfsa_egai2d.csv").open(encoding="utf-8", newline="") as f:
        occupation = {
            (r["geo"], r["TIME_PERIOD"], r["isco08"]): float(r["OBS_VALUE"])
            for r in csv.DictReader(f)
            if len(r["isco08"]) == 3
        }
    totals = {
        (r["geo"], r["TIME_PERIOD"], r["isco08"]): float(r["OBS_VALUE"])
        for r in rows
        if r["nace_r2"] == "TOTAL" and r["isco08"] != "TOTAL"
    }
    assert len(totals) == 7 * 11 * 10
    assert all(abs(v - occupation[k]) <= 0.1 + 1e-9 for k, v in totals.items())
    # manufacturing shrinks in Italy
    c = {
        r["TIME_PERIOD"]: float(r["OBS_VALUE"])
        for r in rows
        if (r["geo"], r["nace_r2"], r["isco08"]) == ("IT", "C", "TOTAL")
    }
    total = {
        r["TIME_PERIOD"]: float(r["OBS_VALUE"])
        for r in rows
        if (r["geo"], r["nace_r2"], r["isco08"]) == ("IT", "TOTAL", "TOTAL")
    }
    assert c["2025"] / total["2025"] < c["2015"] / total["2015"] - 0.01
    # another sector table leaves every other demo file byte-identical
    original = demo_sectors.sector_occupation_demo
    monkeypatch.setattr(
        demo_sectors, "sector_occupation_demo", lambda seed, occ: original(seed + 1, occ)
    )
    write_demo(second)

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    changed = {str(rel) for rel in files if sha(first / rel) != sha(second / rel)}
    assert changed == {str(Path("data") / "lfsa_eisn2.csv")}
