r"""Shift-share decomposition of the change in skill-group employment shares.

The change in the share of a skill group ``g`` between periods 0 and 1 splits exactly into
a **between-sector** part (employment moving between sectors that use the group more or
less intensively) and a **within-sector** part (the group's share changing inside
sectors):

.. math::

    \Delta s_g = \underbrace{\sum_j \Delta e_j\, \bar s_{gj}}_{\text{between}}
               + \underbrace{\sum_j \bar e_j\, \Delta s_{gj}}_{\text{within}}

with :math:`e_j = E_j / E` sector *j*'s share of employment, :math:`s_{gj} = E_{gj} / E_j`
the group's share within sector *j*, :math:`\Delta x = x_1 - x_0` and
:math:`\bar x = (x_0 + x_1) / 2`. Because :math:`s_g = \sum_j e_j s_{gj}`, the identity is
exact and has no interaction term (Berman, Bound and Griliches 1994). The base-period
form (``weights="base"``) is the alternative: it has an explicit interaction term
:math:`\sum_j \Delta e_j \Delta s_{gj}`, of which the symmetric form gives half to each
part.

Inputs are tidy employment by sector and occupation, shaped like Eurostat's
``lfsa_eisn2``: ``geo``, ``period``, ``nace_r2`` (a NACE Rev. 2 section or Eurostat
aggregate), ``isco08`` (``OC1`` or ``1``), ``value`` and optionally ``flag``, for one sex
and age class (filter them first). Conventions (``docs/shift-share.md`` says why):

* **Skill groups** are those of :data:`skills.indicators.polarisation.SKILL_GROUPS`
  (OECD 2017: high 1-3, middle 4, 7, 8, low 5, 9), built from the ISCO-08 major groups
  (1-digit rows). Armed forces (0), skilled agriculture (6), ``TOTAL`` and ``NRP``/``UNK``
  are outside the denominator, so :math:`E` and :math:`E_j` count only the grouped
  employment and :math:`\sum_g s_{gj} = 1`: the total :math:`\Delta s_g` is the change of
  ``employment_share_pct`` computed over the covered sectors.
* **Sectors** are the finest non-overlapping NACE codes of each geo: sections A-U when
  published, otherwise Eurostat's aggregates (``B-E``, ``G-I``, ...); an aggregate that
  contains a published finer code is dropped; ``TOTAL`` and ``NRP`` (no response) are
  never sectors.
* **Suppressed cells** (``suppressed="exclude"``, the default). A sector with an empty
  (suppressed) or missing cell in any grouped major group, or with no grouped employment,
  in either period is left out of both periods; the result names it
  (``sectors_excluded``), counts the sectors used (``sectors_n``) and gives the covered
  share of employment (``covered_share_pct``); shares are of the covered sectors'
  employment. ``suppressed="zero"`` reads empty cells as 0 instead (a documented
  approximation, said in ``note``).
* **Breaks.** A ``b`` flag on a period after the base up to the end makes the change cross
  a series break: the row is flagged ``b`` with a note, as
  :func:`skills.indicators.polarisation.share_change` does.
  :func:`shift_share_longest_span` decomposes each geo over its longest span without a
  break.
* **Weighting.** Shares are unweighted ratios of published (already survey-weighted)
  totals.

References
----------
Berman, E., Bound, J. and Griliches, Z. (1994), "Changes in the demand for skilled labor
within U.S. manufacturing: evidence from the Annual Survey of Manufactures", *Quarterly
Journal of Economics* 109(2): 367-397.
Goos, M., Manning, A. and Salomons, A. (2014), "Explaining job polarization:
routine-biased technological change and offshoring", *American Economic Review* 104(8):
2509-2526.
Autor, D. H., Levy, F. and Murnane, R. J. (2003), "The skill content of recent
technological change: an empirical exploration", *Quarterly Journal of Economics*
118(4): 1279-1333.

Why one module: the shift-share decomposition is one computation (cells, decomposition,
summaries, indicator rows) behind three public entry points. About 210 of its 640 lines
are the docstrings that give each measure's formula and references.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal

import polars as pl

from skills import classifications as cls
from skills.align import combine_flags
from skills.indicators._checks import _check_columns, _check_numeric, _start
from skills.indicators._frame import as_indicator
from skills.indicators.polarisation import SKILL_GROUPS, clean_spans

__all__ = [
    "CONTRIBUTION_COLUMNS",
    "SUMMARY_COLUMNS",
    "sector_codes",
    "shift_share",
    "shift_share_contributions",
    "shift_share_indicators",
    "shift_share_longest_span",
]

Weights = Literal["average", "base"]
Suppressed = Literal["exclude", "zero"]

#: Columns of :func:`shift_share_contributions`, in order.
CONTRIBUTION_COLUMNS: tuple[str, ...] = (
    "geo",
    "period",
    "skill_group",
    "nace_r2",
    "weights",
    "is_included",
    "sector_share_base_pct",
    "sector_share_end_pct",
    "group_share_base_pct",
    "group_share_end_pct",
    "between_pp",
    "within_pp",
    "interaction_pp",
    "change_pp",
    "crosses_break",
    "flag",
    "note",
)
#: Columns of :func:`shift_share`, in order.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "geo",
    "period",
    "skill_group",
    "weights",
    "base_share_pct",
    "end_share_pct",
    "change_pp",
    "between_pp",
    "within_pp",
    "interaction_pp",
    "sectors_n",
    "sectors_excluded",
    "covered_share_pct",
    "crosses_break",
    "flag",
    "note",
)
_NOT_SECTORS = frozenset({"TOTAL", "NRP", "UNK"})
_KEY = ("geo", "period", "nace_r2", "major")


def sector_codes(codes: Collection[str]) -> list[str]:
    """The NACE codes used as sectors: the finest non-overlapping codes among ``codes``.

    ``TOTAL``, ``NRP`` (no response) and ``UNK`` are never sectors. A code is dropped when
    another code present covers a strict subset of its sections (``B-E`` when ``C`` is
    there). The codes kept must not overlap.

    Raises
    ------
    ValueError
        For a code that is neither a NACE Rev. 2 section nor a Eurostat aggregate known
        to :func:`skills.classifications.nace_r2` (divisions such as ``C10`` are not
        supported), or when the codes kept overlap.
    """
    known = {
        code: frozenset(sections)
        for code, sections in cls.nace_r2().select("nace_r2", "sections").iter_rows()
    }
    present = sorted({c for c in codes if c not in _NOT_SECTORS})
    unknown = [c for c in present if c not in known]
    if unknown:
        msg = (
            f"shift_share: unknown NACE code(s) {unknown[:5]}; use sections A-U or Eurostat's "
            "LFS aggregates (B-E, G-I, M_N, O-Q, R-U, ...)"
        )
        raise ValueError(msg)
    kept = [c for c in present if not any(known[d] < known[c] for d in present if d != c)]
    for i, a in enumerate(kept):
        for b in kept[i + 1 :]:
            if known[a] & known[b]:
                msg = f"shift_share: NACE codes {a} and {b} overlap; pass non-overlapping sectors"
                raise ValueError(msg)
    return kept


def _cells(
    employment: pl.LazyFrame | pl.DataFrame,
    groups: Mapping[str, str],
    suppressed: Suppressed,
    fname: str,
) -> pl.DataFrame:
    """One row per geo, period, sector and grouped major group: value (null = suppressed)."""
    if suppressed not in ("exclude", "zero"):
        msg = f"{fname}: suppressed must be 'exclude' or 'zero', got {suppressed!r}"
        raise ValueError(msg)
    lf = _start(employment, fname)
    schema = _check_columns(lf, ("geo", "period", "nace_r2", "isco08", "value"), fname)
    _check_numeric(schema, ("value",), fname)
    flag = pl.col("flag").cast(pl.String) if "flag" in schema else pl.lit(None, pl.String)
    rows = (
        lf.select(
            pl.col("geo").cast(pl.String),
            pl.col("period").cast(pl.String),
            pl.col("nace_r2").cast(pl.String),
            cls.normalise_isco08(pl.col("isco08")).alias("major"),
            pl.col("value").cast(pl.Float64).fill_nan(None),
            flag.alias("flag"),
        )
        .filter(pl.col("major").is_in(list(groups)))
        .collect()
    )
    # sectors per geo: one geo may publish sections, another only aggregates
    sectors = pl.DataFrame(
        [
            (geo, code)
            for (geo,), part in rows.group_by("geo", maintain_order=True)
            for code in sector_codes(part["nace_r2"].drop_nulls().unique().to_list())
        ],
        schema={"geo": pl.String, "nace_r2": pl.String},
        orient="row",
    )
    rows = rows.join(sectors, on=["geo", "nace_r2"], how="semi")
    dup = rows.filter(pl.struct(list(_KEY)).is_duplicated())
    if dup.height:
        shown = dup.select(_KEY).unique().sort(_KEY).head(5).rows()
        msg = (
            f"{fname}: more than one row per geo, period, nace_r2 and ISCO-08 major group "
            f"(e.g. {shown}); filter one sex and age class first"
        )
        raise ValueError(msg)
    bad = rows.filter((pl.col("value") < 0) | pl.col("value").is_infinite())
    if bad.height:
        msg = f"{fname}: negative or infinite employment at {bad.select(_KEY).head(5).rows()}"
        raise ValueError(msg)
    majors = pl.DataFrame({"major": list(groups)}, schema={"major": pl.String})
    grid = (
        rows.select("geo", "period")
        .unique()
        .join(sectors, on="geo", how="inner")
        .join(majors, how="cross")
    )
    cells = grid.join(rows, on=list(_KEY), how="left", validate="1:1").with_columns(
        pl.col("major").replace_strict(dict(groups)).alias("skill_group")
    )
    if suppressed == "zero":
        cells = cells.with_columns(pl.col("value").fill_null(0.0))
    # a fixed row order makes every floating-point sum below the same on every run
    return cells.sort(_KEY)


def _sector_period(cells: pl.DataFrame, period: str, suffix: str) -> pl.DataFrame:
    """One row per geo, sector and skill group in ``period``: E_gj, E_j, completeness."""
    one = cells.filter(pl.col("period") == period)
    sector = one.group_by("geo", "nace_r2", maintain_order=True).agg(
        pl.col("value").is_not_null().all().alias(f"complete{suffix}"),
        pl.col("value").sum().alias(f"ej{suffix}"),  # published cells only
        pl.col("flag").str.join("").alias(f"flag{suffix}"),
    )
    group = one.group_by("geo", "nace_r2", "skill_group", maintain_order=True).agg(
        pl.col("value").sum().alias(f"egj{suffix}")
    )
    return group.join(sector, on=["geo", "nace_r2"], how="left", validate="m:1")


def _decompose(
    cells: pl.DataFrame, *, base: str, end: str, weights: Weights, suppressed: Suppressed
) -> pl.DataFrame:
    """The decomposition's intermediate frame: one row per geo, sector and skill group."""
    if base >= end:
        msg = f"shift_share: base {base!r} must come before end {end!r}"
        raise ValueError(msg)
    if weights not in ("average", "base"):
        msg = f"shift_share: weights must be 'average' or 'base', got {weights!r}"
        raise ValueError(msg)
    both = (
        _sector_period(cells, base, "0")
        .join(
            _sector_period(cells, end, "1"),
            on=["geo", "nace_r2", "skill_group"],
            how="inner",
            validate="1:1",
        )
        .sort("geo", "skill_group", "nace_r2")
    )
    inc = pl.col("is_included")
    both = both.with_columns(
        (
            pl.col("complete0") & pl.col("complete1") & (pl.col("ej0") > 0) & (pl.col("ej1") > 0)
        ).alias("is_included")
    ).with_columns(
        pl.when(inc)
        .then(pl.col("ej0") / pl.col("ej0").filter(inc).sum().over("geo", "skill_group"))
        .alias("e0"),
        pl.when(inc)
        .then(pl.col("ej1") / pl.col("ej1").filter(inc).sum().over("geo", "skill_group"))
        .alias("e1"),
        pl.when(inc).then(pl.col("egj0") / pl.col("ej0")).alias("s0"),
        pl.when(inc).then(pl.col("egj1") / pl.col("ej1")).alias("s1"),
    )
    de, ds = pl.col("e1") - pl.col("e0"), pl.col("s1") - pl.col("s0")
    if weights == "average":
        between = de * (pl.col("s0") + pl.col("s1")) / 2
        within = (pl.col("e0") + pl.col("e1")) / 2 * ds
        interaction = pl.lit(None, pl.Float64)
    else:
        between, within, interaction = de * pl.col("s0"), pl.col("e0") * ds, de * ds
    reason = (
        pl.when(~pl.col("complete0") | ~pl.col("complete1"))
        .then(pl.lit("excluded: suppressed or missing cell(s) in a grouped major group"))
        .when(~inc)
        .then(pl.lit("excluded: no employment in the skill groups"))
    )
    breaks = (
        cells.filter(
            (pl.col("period") > base) & (pl.col("period") <= end),
            pl.col("flag").fill_null("").str.contains("b"),
        )
        .group_by("geo")
        .agg(pl.col("period").unique().sort().str.join(", ").alias("_breaks"))
    )
    return (
        both.with_columns(
            (100 * between).alias("between_pp"),
            (100 * within).alias("within_pp"),
            (100 * interaction).alias("interaction_pp"),
            (100 * (pl.col("e1") * pl.col("s1") - pl.col("e0") * pl.col("s0"))).alias("change_pp"),
            (100 * pl.col("e0")).alias("sector_share_base_pct"),
            (100 * pl.col("e1")).alias("sector_share_end_pct"),
            (100 * pl.col("s0")).alias("group_share_base_pct"),
            (100 * pl.col("s1")).alias("group_share_end_pct"),
            reason.alias("_reason"),
        )
        .join(breaks, on="geo", how="left", validate="m:1")
        .with_columns(
            pl.col("_breaks").is_not_null().alias("crosses_break"),
            pl.lit(f"{base}-{end}").alias("period"),
            pl.lit(weights).alias("weights"),
            pl.lit(suppressed).alias("_suppressed"),
        )
    )


def _without_b(col: str) -> pl.Expr:
    return pl.col(col).fill_null("").str.replace_all("b", "")


def _flag() -> pl.Expr:
    """Union of the base and end flags (their own ``b`` dropped), plus ``b`` across a break."""
    return (
        pl.when(pl.col("crosses_break"))
        .then(combine_flags(_without_b("flag0"), _without_b("flag1"), pl.lit("b")))
        .otherwise(combine_flags(_without_b("flag0"), _without_b("flag1")))
    )


def _join_notes(*notes: pl.Expr) -> pl.Expr:
    """The non-null notes joined by '; ' (null when all are null)."""
    joined = pl.concat_list([n.cast(pl.String) for n in notes]).list.drop_nulls().list.join("; ")
    return pl.when(joined != "").then(joined)


def _break_note() -> pl.Expr:
    return pl.when(pl.col("crosses_break")).then(
        pl.format("change across a series break (b in {})", pl.col("_breaks"))
    )


def _zero_note() -> pl.Expr:
    return pl.when(pl.col("_suppressed") == "zero").then(pl.lit("suppressed cells read as 0"))


def _contributions(parts: pl.DataFrame) -> pl.DataFrame:
    return (
        parts.with_columns(
            _flag().alias("flag"),
            _join_notes(pl.col("_reason"), _zero_note(), _break_note()).alias("note"),
        )
        .select(CONTRIBUTION_COLUMNS)
        .sort("geo", "skill_group", "nace_r2")
    )


def _summarise(parts: pl.DataFrame) -> pl.DataFrame:
    inc = pl.col("is_included")
    summary = parts.group_by("geo", "period", "skill_group", "weights", maintain_order=True).agg(
        (100 * pl.col("egj0").filter(inc).sum() / pl.col("ej0").filter(inc).sum()).alias(
            "base_share_pct"
        ),
        (100 * pl.col("egj1").filter(inc).sum() / pl.col("ej1").filter(inc).sum()).alias(
            "end_share_pct"
        ),
        pl.col("between_pp").filter(inc).sum(),
        pl.col("within_pp").filter(inc).sum(),
        pl.col("interaction_pp").filter(inc).sum(),
        inc.sum().cast(pl.Int64).alias("sectors_n"),
        pl.col("nace_r2").filter(~inc).sort().str.join(", ").alias("sectors_excluded"),
        (100 * pl.col("ej0").filter(inc).sum() / pl.col("ej0").sum()).alias("covered_share_pct"),
        pl.col("flag0").filter(inc).str.join("").alias("flag0"),
        pl.col("flag1").filter(inc).str.join("").alias("flag1"),
        pl.col("crosses_break").first(),
        pl.col("_breaks").first(),
        pl.col("_suppressed").first(),
    )
    excluded = pl.col("sectors_excluded")
    scope = pl.format(
        "shift-share over {} NACE sectors ({}% of the skill groups' employment)",
        pl.col("sectors_n"),
        pl.col("covered_share_pct").round(1),
    )
    scope = (
        pl.when(excluded != "")
        .then(pl.format("{}; excluded (suppressed or empty cells): {}", scope, excluded))
        .otherwise(scope)
    )
    some = pl.col("sectors_n") > 0
    return (
        summary.with_columns(
            (pl.col("end_share_pct") - pl.col("base_share_pct")).alias("change_pp"),
            # no covered sector: no parts (never zeros); no interaction term under averages
            pl.when(some).then(pl.col("between_pp")).alias("between_pp"),
            pl.when(some).then(pl.col("within_pp")).alias("within_pp"),
            pl.when(some & (pl.col("weights") == "base"))
            .then(pl.col("interaction_pp"))
            .alias("interaction_pp"),
            pl.when(excluded != "").then(excluded).alias("sectors_excluded"),
            _flag().alias("flag"),
            _join_notes(scope, _zero_note(), _break_note()).alias("note"),
        )
        .select(SUMMARY_COLUMNS)
        .sort("geo", "skill_group")
    )


def shift_share_contributions(
    employment: pl.LazyFrame | pl.DataFrame,
    *,
    base: str,
    end: str,
    groups: Mapping[str, str] = SKILL_GROUPS,
    weights: Weights = "average",
    suppressed: Suppressed = "exclude",
) -> pl.DataFrame:
    r"""One row per geo, skill group and sector: the sector's between and within parts.

    For sector *j* and skill group *g*, with :math:`e_j` the sector's share of the grouped
    employment of the covered sectors and :math:`s_{gj}` the group's share within the
    sector (fractions; results in percentage points):

    .. math::

        \text{between}_{gj} = 100\,\Delta e_j\,\bar s_{gj}, \qquad
        \text{within}_{gj} = 100\,\bar e_j\,\Delta s_{gj}, \qquad
        \text{change}_{gj} = 100\,(e_{j1} s_{gj1} - e_{j0} s_{gj0})

    (``weights="average"``, Berman, Bound and Griliches 1994). With ``weights="base"``:
    :math:`100\,\Delta e_j s_{gj0}`, :math:`100\,e_{j0} \Delta s_{gj}` and the interaction
    :math:`100\,\Delta e_j \Delta s_{gj}`. Either way a sector's parts sum to its
    ``change_pp``; ``interaction_pp`` is null under average weights (there is no such term).

    Parameters
    ----------
    employment
        Employment by ``geo``, ``period``, ``nace_r2`` and ``isco08`` (``value``,
        optionally ``flag``), one sex and age class.
    base, end
        The two periods (``base`` before ``end``).
    groups
        ISCO-08 major group -> skill group (default: the OECD 2017 grouping).
    weights
        ``"average"`` (symmetric and exact, the default) or ``"base"`` (base-period
        weights and an interaction term).
    suppressed
        ``"exclude"`` (default: a sector with an empty grouped cell in either period is
        left out) or ``"zero"`` (empty cells read as 0).

    Returns
    -------
    polars.DataFrame
        :data:`CONTRIBUTION_COLUMNS`. Excluded sectors are listed with ``is_included``
        false, null shares and parts, and the reason in ``note``. ``flag`` is the union of
        the flags of the sector's cells at ``base`` and ``end`` (a ``b`` on either end
        dropped; ``b`` added when a break lies inside the span).

    Raises
    ------
    ValueError
        Missing columns, non-numeric, negative or infinite values, several rows per cell,
        unknown or overlapping NACE codes, ``base`` not before ``end``, bad ``weights`` or
        ``suppressed``.

    References
    ----------
    Berman, Bound and Griliches (1994), QJE 109(2); Goos, Manning and Salomons (2014),
    AER 104(8); Autor, Levy and Murnane (2003), QJE 118(4).
    """
    cells = _cells(employment, groups, suppressed, "shift_share_contributions")
    parts = _decompose(cells, base=base, end=end, weights=weights, suppressed=suppressed)
    return _contributions(parts)


def shift_share(
    employment: pl.LazyFrame | pl.DataFrame,
    *,
    base: str,
    end: str,
    groups: Mapping[str, str] = SKILL_GROUPS,
    weights: Weights = "average",
    suppressed: Suppressed = "exclude",
) -> pl.DataFrame:
    r"""One row per geo and skill group: the change of its share, between and within sectors.

    .. math::

        \Delta s_g = \sum_j \Delta e_j\,\bar s_{gj} + \sum_j \bar e_j\,\Delta s_{gj}

    in percentage points over the covered sectors (Berman, Bound and Griliches 1994;
    ``weights="base"`` gives :math:`\sum_j \Delta e_j s_{gj0} + \sum_j e_{j0} \Delta s_{gj}
    + \sum_j \Delta e_j \Delta s_{gj}`). ``change_pp`` is computed directly as
    :math:`s_{g1} - s_{g0}` with :math:`s_g = 100 \sum_j E_{gj} / \sum_j E_j` over the
    covered sectors; the parts add up to it (up to floating-point rounding).

    Parameters are those of :func:`shift_share_contributions`.

    Returns
    -------
    polars.DataFrame
        :data:`SUMMARY_COLUMNS`: ``base_share_pct`` and ``end_share_pct`` (the group's
        share of the covered sectors' grouped employment), ``change_pp``, ``between_pp``,
        ``within_pp``, ``interaction_pp`` (null under average weights), ``sectors_n``
        (sectors used), ``sectors_excluded`` (comma-separated codes, null when none),
        ``covered_share_pct`` (the used sectors' share of the published grouped
        employment in the base period), ``crosses_break``, ``flag`` (union of the used
        cells' flags; ``b`` across a break) and ``note``. A geo without both periods gives
        no rows.

    Raises
    ------
    ValueError
        As :func:`shift_share_contributions`.

    References
    ----------
    Berman, Bound and Griliches (1994), QJE 109(2); Goos, Manning and Salomons (2014),
    AER 104(8); Autor, Levy and Murnane (2003), QJE 118(4).
    """
    cells = _cells(employment, groups, suppressed, "shift_share")
    parts = _decompose(cells, base=base, end=end, weights=weights, suppressed=suppressed)
    return _summarise(parts)


def shift_share_longest_span(
    employment: pl.LazyFrame | pl.DataFrame,
    *,
    groups: Mapping[str, str] = SKILL_GROUPS,
    weights: Weights = "average",
    suppressed: Suppressed = "exclude",
) -> tuple[pl.DataFrame, pl.DataFrame]:
    r"""The decomposition of each geo over its longest span without a series break.

    .. math::

        \Delta s_g = \sum_j \Delta e_j\,\bar s_{gj} + \sum_j \bar e_j\,\Delta s_{gj},
        \qquad 0, 1 = \text{first and last period of the span}

    Spans come from :func:`skills.indicators.polarisation.clean_spans` on the flags of the
    sector x major-group cells: a ``b`` on period *t* starts a new span, and the longest
    span of each geo (ties: the latest) is decomposed, so no part crosses a break. A geo
    whose longest span is a single period gives no rows.

    Returns
    -------
    tuple of polars.DataFrame
        ``(summary, contributions)``: the rows of :func:`shift_share` and of
        :func:`shift_share_contributions` for every geo.
    """
    cells = _cells(employment, groups, suppressed, "shift_share_longest_span")
    spans = clean_spans(cells.select("geo", "period", "flag")).filter(pl.col("is_longest"))
    summaries: list[pl.DataFrame] = []
    contributions: list[pl.DataFrame] = []
    for geo, start, stop in spans.select("geo", "start", "end").sort("geo").iter_rows():
        if start >= stop:
            continue
        parts = _decompose(
            cells.filter(pl.col("geo") == geo),
            base=start,
            end=stop,
            weights=weights,
            suppressed=suppressed,
        )
        summaries.append(_summarise(parts))
        contributions.append(_contributions(parts))
    if not summaries:
        return _empty(SUMMARY_COLUMNS), _empty(CONTRIBUTION_COLUMNS)
    return (
        pl.concat(summaries).sort("geo", "skill_group"),
        pl.concat(contributions).sort("geo", "skill_group", "nace_r2"),
    )


_TEXT = frozenset(
    {"geo", "period", "skill_group", "nace_r2", "weights", "flag", "note", "sectors_excluded"}
)
_TYPES: dict[str, pl.DataType] = {
    "is_included": pl.Boolean(),
    "crosses_break": pl.Boolean(),
    "sectors_n": pl.Int64(),
}


def _empty(columns: tuple[str, ...]) -> pl.DataFrame:
    return pl.DataFrame(
        schema={c: pl.String() if c in _TEXT else _TYPES.get(c, pl.Float64()) for c in columns}
    )


def shift_share_indicators(summary: pl.DataFrame, *, source: str | None = None) -> pl.LazyFrame:
    r"""Indicator rows ``skill_share_change_within_pp`` and ``skill_share_change_between_pp``.

    .. math::

        W_g = \sum_j \bar e_j\,\Delta s_{gj}, \qquad B_g = \sum_j \Delta e_j\,\bar s_{gj}

    One row per geo, span (``period`` ``"YYYY-YYYY"``) and skill group of a
    :func:`shift_share` (or :func:`shift_share_longest_span`) summary under average
    weights, with its flag and note (the sectors used and excluded).

    Raises
    ------
    ValueError
        When the summary was computed with base-period weights (the published parts are
        the symmetric ones).
    """
    if summary.height and set(summary["weights"].unique().to_list()) != {"average"}:
        msg = "shift_share_indicators: the published parts use average weights"
        raise ValueError(msg)
    rows = summary.lazy()
    parts = [
        as_indicator(
            rows.select(
                "geo", "period", "skill_group", pl.col(column).alias("value"), "flag", "note"
            ),
            indicator,
            "percentage points",
            source=source,
        )
        for column, indicator in (
            ("within_pp", "skill_share_change_within_pp"),
            ("between_pp", "skill_share_change_between_pp"),
        )
    ]
    return pl.concat(parts, how="vertical")
