r"""Qualification mismatch from employment by occupation (ISCO-08) and attainment (ISCED 2011).

Pure Polars functions; a DataFrame in gives a DataFrame out, a LazyFrame in gives a
LazyFrame out (see :mod:`skills.indicators.mismatch` for the validation contract).

Input
-----
A tidy frame of employment counts: the ``by`` columns (default ``geo``, ``period``; add
``sex``, ``age`` ... as needed), an ISCO-08 code (plain digits such as ``2``, ``25``,
``01``, or Eurostat's ``OC2``), an ISCED 2011 code as Eurostat writes it (``ED0`` ...
``ED8`` and the aggregates ``ED0-2``, ``ED3_4``, ``ED3-8``, ``ED5-8``) and a
non-negative value (e.g. thousands employed). This is the shape of Eurostat's
employment by occupation and educational attainment (EU-LFS) and of a tabulated
microdata extract.

How the input is read (the same for every measure)
---------------------------------------------------
* Non-classifying codes are left out: occupation ``TOTAL`` (or null, which means "all"
  in the aligned panel), ``NRP``, ``UNK`` and the armed forces (major group 0: excluded
  by Eurostat's over-qualification indicator, and without a single ILO skill level);
  education ``TOTAL`` or null (it includes non-response), ``NRP`` and ``UNK``. Rows with
  a missing value (suppressed cells) are left out.
* Anything else that is not a known code raises :class:`ValueError`, as do negative
  values and two rows for the same ``by`` x occupation x education.
* **Nested occupation codes** (``2`` next to ``21``, ``22``): measures by major group use,
  in each major group, the least detailed codes present (the published total of the
  major group where there is one); :func:`realised_matches` uses one level of detail.
* **Nested education codes** (``ED5-8`` next to ``ED5`` ... ``ED8``): in each occupation
  cell an aggregate is replaced by its detailed codes when they are all present (they
  cover its whole range), and detailed codes are ignored when their aggregate is kept.
  The codes left are disjoint, so nothing is counted twice; a partial overlap that this
  cannot resolve raises :class:`ValueError`.

Measures
--------
* :func:`ilo_normative_mismatch` - over/matched/under-qualification against the ILO
  skill level of the major group;
* :func:`eurostat_overqualification_rate` - tertiary graduates in ISCO 4-9;
* :func:`its_aware_overqualification_rate` - the same, with short-cycle tertiary
  (ISCED 5, ITS diplomas) matched in technician, craft and operator jobs;
* :func:`realised_matches` - the statistical (mode or mean ± k SD) approach.

Why one module: it holds qualification mismatch measured three ways (ILO normative,
Eurostat and ITS-aware over-qualification, realised matches), all built on one
preparation of the occupation x education cells (`_prepare`: nested ISCED codes, skill
levels). About 320 of its 870 lines are the docstrings that give each measure's formula
and references.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Final, Literal

import polars as pl

from skills.classifications import isced11, isco08_groups, normalise_isco08
from skills.indicators._checks import (
    FrameT,
    _agg,
    _check_columns,
    _check_numeric,
    _check_string,
    _distinct,
    _drop_dummy,
    _finish,
    _guard,
    _guard_values,
    _keys,
    _label,
    _names,
    _nan_to_null,
    _start,
)

__all__ = [
    "DEFAULT_ISCED5_MATCHED",
    "QUALIFICATION_STATUSES",
    "eurostat_overqualification_rate",
    "ilo_normative_mismatch",
    "its_aware_overqualification_rate",
    "realised_matches",
]

#: Status values of :func:`ilo_normative_mismatch`, in output order.
QUALIFICATION_STATUSES: Final[tuple[str, ...]] = ("over", "matched", "under", "unclassified")
#: ISCO-08 major groups in which ISCED 5 (short-cycle tertiary, ITS diplomas) counts as a
#: match in :func:`its_aware_overqualification_rate`: technicians (3), craft and related
#: trades (7), plant and machine operators (8).
DEFAULT_ISCED5_MATCHED: Final[tuple[str, ...]] = ("3", "7", "8")

_NON_OCCUPATION: Final = ("TOTAL", "NRP", "UNK")
_NON_EDUCATION: Final = ("TOTAL", "NRP", "UNK")
_UNCLASSIFIED_NOTE: Final = (
    "unclassified: employment in ISCED aggregates spanning several ILO skill levels "
    "(ED0-2 = levels 1-2, ED5-8 = levels 3-4, ED3-8 = 2-4) in occupations where the "
    "split decides the status; supply detailed ISCED codes to classify it"
)


# ------------------------------------------------------------------ reading the input
def _prepare(
    frame: object,
    fname: str,
    *,
    occupation: str,
    education: str,
    value: str,
    by: str | Sequence[str],
    extra: Sequence[str] = (),
) -> tuple[pl.LazyFrame, tuple[str, ...]]:
    """Validated rows: by..., extra..., ``_occ``, ``_major``, ``_edu``, ``_lmin``,
    ``_lmax``, ``_value``; non-classifying codes, major group 0 and null values dropped.
    """
    lf = _start(frame, fname)
    by_: tuple[str, ...] = _names(by, "by", fname)
    _distinct(fname, by=by_, extra=extra, occupation=occupation, education=education, value=value)
    schema = _check_columns(lf, [*by_, *extra, occupation, education, value], fname)
    _check_numeric(schema, [value], fname)
    _check_string(schema, [occupation, education], fname)
    keys = [*by_, *extra, occupation, education]
    lf = lf.with_columns(_nan_to_null([value], schema))
    lf = _guard_values(lf, [value], keys, fname)

    # null = all (the aligned panel's convention), i.e. TOTAL
    raw_occ = pl.col(occupation).str.strip_chars().str.to_uppercase().fill_null("TOTAL")
    raw_edu = pl.col(education).str.strip_chars().str.to_uppercase().fill_null("TOTAL")
    isco = (
        isco08_groups()
        .lazy()
        .select(pl.col("isco08").alias("_prefix"), pl.lit(True).alias("_isco_known"))
    )
    isced = (
        isced11()
        .lazy()
        .select(
            pl.col("isced11").alias("_edu"),
            pl.col("level_min").alias("_lmin"),
            pl.col("level_max").alias("_lmax"),
            pl.lit(True).alias("_isced_known"),
        )
    )
    lf = (
        lf.with_columns(
            normalise_isco08(occupation).alias("_occ"),
            raw_occ.is_in(_NON_OCCUPATION).fill_null(False).alias("_non_occ"),
            raw_edu.alias("_edu"),
        )
        .with_columns(pl.col("_occ").str.slice(0, 3).alias("_prefix"))
        .join(isco, on="_prefix", how="left")
        .join(isced, on="_edu", how="left")
    )
    bad_occ = ~pl.col("_non_occ") & pl.col("_isco_known").is_null()
    lf = _guard(
        lf,
        bad_occ,
        _label([*by_, occupation]),
        f"{fname}: column {occupation!r} has values that are not ISCO-08 codes "
        f"(plain digits or OC + digits; TOTAL, NRP and UNK are ignored)",
    )
    bad_edu = pl.col("_isced_known").is_null()
    lf = _guard(
        lf,
        bad_edu,
        _label([*by_, education]),
        f"{fname}: column {education!r} has values that are not Eurostat ISCED 2011 codes "
        "(ED0 ... ED8, ED0-2, ED3_4, ED3-8, ED5-8, TOTAL, NRP, UNK)",
    )
    # duplicates after normalisation (``OC2`` and ``2`` are the same code)
    lf = _guard(
        lf,
        pl.len().over([*by_, *extra, pl.coalesce("_occ", raw_occ), "_edu"]) > 1,
        _label(keys),
        f"{fname}: more than one row per {[*by_, *extra, occupation, education]} (codes "
        "compared after normalisation, e.g. OC2 = 2); aggregate or filter first",
    )
    lf = lf.filter(
        ~pl.col("_non_occ")
        & ~pl.col("_edu").is_in(_NON_EDUCATION)
        & (pl.col("_occ").str.slice(0, 1) != "0")
        & pl.col(value).is_not_null()
    ).select(
        *by_,
        *extra,
        "_occ",
        pl.col("_occ").str.slice(0, 1).alias("_major"),
        "_edu",
        "_lmin",
        "_lmax",
        pl.col(value).cast(pl.Float64).alias("_value"),
    )
    return lf, by_


def _to_major(lf: pl.LazyFrame, by: Sequence[str]) -> pl.LazyFrame:
    """Employment by ``by`` x major group x education, from the least detailed codes."""
    cell = [*by, "_edu", "_major"]
    length = pl.col("_occ").str.len_chars()
    return (
        lf.filter(length == length.min().over(cell))
        .group_by([*by, "_major", "_edu", "_lmin", "_lmax"])
        .agg(pl.col("_value").sum())
    )


def _mask(lo: str, hi: str) -> pl.Expr:
    """Bit mask of the ISCED levels lo..hi (bit l set for level l)."""
    two = pl.lit(2, pl.Int64)
    return two.pow((pl.col(hi) + 1).cast(pl.UInt32)) - two.pow(pl.col(lo).cast(pl.UInt32))


def _resolve_isced(lf: pl.LazyFrame, cell: Sequence[str], fname: str) -> pl.LazyFrame:
    """Keep, in each cell, a set of disjoint ISCED codes (see the module docstring)."""
    cell = list(cell)
    lf = lf.with_columns(_mask("_lmin", "_lmax").alias("_mask"))
    base = lf.select(*cell, "_edu", "_mask")
    other = base.rename({"_edu": "_edu_o", "_mask": "_mask_o"})
    inside = ((pl.col("_mask_o") & ~pl.col("_mask")) == 0) & (pl.col("_mask_o") != pl.col("_mask"))
    covered = (
        base.join(other, on=cell, how="inner", nulls_equal=True)
        .filter(inside)
        .group_by([*cell, "_edu"])
        .agg(pl.col("_mask_o").bitwise_or().alias("_sub"))
    )
    lf = (
        lf.join(covered, on=[*cell, "_edu"], how="left", nulls_equal=True)
        .filter(pl.col("_sub").is_null() | (pl.col("_sub") != pl.col("_mask")))
        .drop("_sub")
    )
    kept = lf.select(*cell, "_edu", "_mask")
    within = ((pl.col("_mask") & ~pl.col("_mask_o")) == 0) & (pl.col("_mask") != pl.col("_mask_o"))
    contained = (
        kept.join(kept.rename({"_edu": "_edu_o", "_mask": "_mask_o"}), on=cell, nulls_equal=True)
        .filter(within)
        .select(*cell, "_edu")
        .unique()
    )
    lf = lf.join(contained, on=[*cell, "_edu"], how="anti", nulls_equal=True)
    overlap = pl.col("_mask").sum().over(cell) != pl.col("_mask").bitwise_or().over(cell)
    return _guard(
        lf,
        overlap,
        _label([*cell, "_edu"]),
        f"{fname}: ISCED codes overlap without one containing the other; pass disjoint codes",
    ).drop("_mask")


def _skill_level(level: pl.Expr) -> pl.Expr:
    """ILO skill level (1-4) of a single ISCED level, from :func:`isced11`."""
    table = isced11().filter(
        (pl.col("level_min") == pl.col("level_max")) & pl.col("ilo_skill_level").is_not_null()
    )
    mapping = dict(
        zip(table["level_min"].to_list(), table["ilo_skill_level"].to_list(), strict=True)
    )
    return level.replace_strict(mapping, return_dtype=pl.Int8)


def _required_levels() -> pl.LazyFrame:
    """ILO skill level range required by each major group, from :func:`isco08_groups`."""
    return (
        isco08_groups()
        .lazy()
        .filter(pl.col("level") == 1)
        .select(
            pl.col("isco08").alias("_major"),
            pl.col("ilo_skill_level_min").alias("_req_min"),
            pl.col("ilo_skill_level_max").alias("_req_max"),
        )
    )


# ------------------------------------------------------------------ normative (ILO)
def ilo_normative_mismatch(
    frame: FrameT,
    *,
    occupation: str = "isco08",
    education: str = "isced11",
    value: str = "value",
    by: str | Sequence[str] = ("geo", "period"),
    ambiguous: Literal["unclassified", "raise"] = "unclassified",
) -> FrameT:
    r"""One row per ``by`` group and status: employment over-, well- and under-qualified.

    The normative (job-analysis) approach: the attained ILO skill level :math:`a` of a
    worker's education is compared with the level :math:`[r_{min}, r_{max}]` the ISCO-08
    major group requires (ILO, ISCO-08 vol. I, Table 1):

    * required level by ISCO-08 major group: 1 managers -> 3-4; 2 professionals -> 4;
      3 technicians and associate professionals -> 3; 4-8 (clerical, service and sales,
      skilled agricultural, craft, operators) -> 2; 9 elementary -> 1;
    * attained level by ISCED 2011: ISCED 0-1 -> 1; ISCED 2-4 -> 2; ISCED 5 (short-cycle
      tertiary, ITS diplomas) -> 3; ISCED 6-8 -> 4.

    .. math::

        \text{status} = \begin{cases}
            \text{over} & a > r_{max} \\
            \text{under} & a < r_{min} \\
            \text{matched} & r_{min} \le a \le r_{max}
        \end{cases}
        \qquad
        \text{share}_s = 100\,\frac{E_s}{\sum_{s'} E_{s'}}

    **Unclassified employment and three shares.** Let :math:`E` be all employment,
    :math:`E_u` the unclassified part and :math:`E_c = E - E_u` the classified part.
    For :math:`s \in` {over, matched, under}:

    .. math::

        \underbrace{100\,\frac{E_s}{E}}_{\texttt{share\_pct}} \;\le\;
        \text{true share of } E \;\le\;
        \underbrace{100\,\frac{E_s + E_{u \to s}}{E}}_{\texttt{share\_upper\_pct}},
        \qquad
        \texttt{share\_classified\_pct} = 100\,\frac{E_s}{E_c}

    where :math:`E_{u \to s}` is the unclassified employment whose ISCED aggregate
    spans a level that would give status :math:`s` (``ED5-8`` in ISCO 3 could be over-
    qualified; in ISCO 2 it could not). The bounds hold whatever the split of the
    aggregates; the rate among classified workers is the rate of that sub-population
    and equals the share of all employment only if the unclassified were like the
    classified, which the cell structure partly rules out (it can lie outside the
    bounds).

    **Aggregate ISCED codes.** Eurostat tables often give only ``ED0-2``, ``ED3_4`` and
    ``ED5-8``. ``ED3_4`` is one skill level (2), but ``ED0-2`` spans levels 1-2 and
    ``ED5-8`` spans 3-4. A row in such a code is classified when every level it spans
    gives the same status (``ED5-8`` in ISCO 4-9 is over-qualified whatever the split;
    ``ED0-2`` in ISCO 1-3 is under-qualified); otherwise (``ED5-8`` in ISCO 2 or 3,
    ``ED0-2`` in ISCO 4-9) it is ``unclassified`` - never guessed - and ``note`` says so.
    With detailed codes (``ED0`` ... ``ED8``) nothing is unclassified.

    Parameters
    ----------
    frame
        Employment by ``by`` x ``occupation`` x ``education`` (see the module docstring).
    occupation, education, value
        Column names: ISCO-08 codes (String), Eurostat ISCED 2011 codes (String),
        employment (non-negative).
    by
        Grouping columns.
    ambiguous
        ``"unclassified"`` (default): report the employment that cannot be classified as
        its own status; ``"raise"``: raise ValueError instead.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``qualification_status`` (``over``,
    ``matched``, ``under``, ``unclassified``: all four for every group), ``employed``
    (sum of ``value``), ``share_pct`` (of all the group's employment; the four shares sum
    to 100; null when the group's employment is zero; for the three statuses a lower
    bound of their share of all employment), ``share_classified_pct`` (of classified
    employment; the three sum to 100; null for ``unclassified`` and when nothing is
    classified), ``share_upper_pct`` (the upper bound; null for ``unclassified``) and
    ``note`` (null unless the group has unclassified employment). Sorted by ``by`` and
    status.

    Raises
    ------
    ValueError
        Missing columns, unknown codes, negative values, duplicated rows, overlapping
        ISCED codes; with ``ambiguous="raise"``, employment that cannot be classified.

    Notes
    -----
    The ILO mapping is a norm for a major group as a whole; within a group some jobs
    need more or less (e.g. sub-major group 14, hospitality and retail managers, needs
    level 3). Major group 0 (armed forces) is excluded.

    References
    ----------
    ILO (2012), *International Standard Classification of Occupations ISCO-08*, vol. I,
    Table 1 (skill levels) and Table 2 (skill levels and ISCED); UNESCO Institute for
    Statistics (2012), *ISCED 2011*; ILO (2018), *Measurement of qualifications and
    skills mismatches of persons in employment*, 20th ICLS.
    """
    fname = "ilo_normative_mismatch"
    if ambiguous not in ("unclassified", "raise"):
        msg = f"{fname}: ambiguous must be 'unclassified' or 'raise', got {ambiguous!r}"
        raise ValueError(msg)
    by_: tuple[str, ...]
    lf, by_ = _prepare(frame, fname, occupation=occupation, education=education, value=value, by=by)
    lf = _resolve_isced(_to_major(lf, by_), [*by_, "_major"], fname)
    lo, hi = _skill_level(pl.col("_lmin")), _skill_level(pl.col("_lmax"))
    status = (
        pl.when(lo > pl.col("_req_max"))
        .then(pl.lit("over"))
        .when(hi < pl.col("_req_min"))
        .then(pl.lit("under"))
        .when((lo >= pl.col("_req_min")) & (hi <= pl.col("_req_max")))
        .then(pl.lit("matched"))
        .otherwise(pl.lit("unclassified"))
    )
    # the statuses an (unclassified) aggregate could take, were its split known
    could = {
        "over": hi > pl.col("_req_max"),
        "matched": (lo <= pl.col("_req_max")) & (hi >= pl.col("_req_min")),
        "under": lo < pl.col("_req_min"),
    }
    lf = lf.join(_required_levels(), on="_major", how="inner").with_columns(
        status.alias("qualification_status"),
        *(expr.alias(f"_could_{name}") for name, expr in could.items()),
    )
    if ambiguous == "raise":
        lf = _guard(
            lf,
            pl.col("qualification_status") == "unclassified",
            _label([*by_, "_major", "_edu"]),
            f"{fname}: employment in ISCED aggregates spanning several ILO skill levels "
            "cannot be classified in these occupations; supply detailed ISCED codes or "
            "use ambiguous='unclassified'",
        )
    keys: list[str]
    lf, keys = _keys(lf, by_)
    counts = lf.group_by([*keys, "qualification_status"]).agg(
        pl.col("_value").sum().alias("employed")
    )
    statuses = pl.LazyFrame(
        {
            "qualification_status": list(QUALIFICATION_STATUSES),
            "_order": list(range(len(QUALIFICATION_STATUSES))),
        }
    )
    is_unclassified = pl.col("qualification_status") == "unclassified"
    # per group, the unclassified employment that could be in each status
    could_be = lf.group_by(keys).agg(
        pl.col("_value").filter(is_unclassified & pl.col(f"_could_{name}")).sum().alias(f"_+{name}")
        for name in could
    )
    total = pl.col("employed").sum().over(keys)
    classified = pl.col("employed").filter(~is_unclassified).sum().over(keys)
    unclassified = pl.col("employed").filter(is_unclassified)
    extra: pl.Expr = pl.lit(None, pl.Float64)
    for name in could:
        extra = (
            pl.when(pl.col("qualification_status") == name)
            .then(pl.col(f"_+{name}"))
            .otherwise(extra)
        )
    out = (
        lf.select(keys)
        .unique()
        .join(statuses, how="cross")
        .join(counts, on=[*keys, "qualification_status"], how="left", nulls_equal=True)
        .join(could_be, on=keys, how="left", nulls_equal=True)
        .with_columns(pl.col("employed").fill_null(0.0))
        .with_columns(
            pl.when(total > 0).then(100 * pl.col("employed") / total).alias("share_pct"),
            pl.when(~is_unclassified & (classified > 0))
            .then(100 * pl.col("employed") / classified)
            .alias("share_classified_pct"),
            pl.when(~is_unclassified & (total > 0))
            .then(100 * (pl.col("employed") + extra) / total)
            .alias("share_upper_pct"),
            pl.when(unclassified.sum().over(keys) > 0)
            .then(pl.lit(_UNCLASSIFIED_NOTE))
            .otherwise(pl.lit(None, pl.String))
            .alias("note"),
        )
        .sort([*keys, "_order"], nulls_last=False)
        .select(
            *keys,
            "qualification_status",
            "employed",
            "share_pct",
            "share_classified_pct",
            "share_upper_pct",
            "note",
        )
    )
    return _finish(_drop_dummy(out), frame)


# ------------------------------------------------------------------ over-qualification
def _overqualification(
    frame: FrameT,
    fname: str,
    *,
    occupation: str,
    education: str,
    value: str,
    by: str | Sequence[str],
    isced5_matched: frozenset[str] | None,
    rule: str,
) -> FrameT:
    by_: tuple[str, ...]
    lf, by_ = _prepare(frame, fname, occupation=occupation, education=education, value=value, by=by)
    lf = _resolve_isced(_to_major(lf, by_), [*by_, "_major"], fname)
    lmin, lmax = pl.col("_lmin"), pl.col("_lmax")
    lf = _guard(
        lf,
        (lmin < 5) & (lmax >= 5),
        _label([*by_, "_major", "_edu"]),
        f"{fname}: an ISCED code mixes tertiary (5-8) and lower levels (e.g. ED3-8) and "
        "no finer codes replace it, so tertiary employment is unknown; supply ED5-8 (or "
        "ED5 ... ED8) with ED0-2 and ED3_4",
    )
    tertiary = lmin >= 5
    upper_jobs = pl.col("_major").is_in([str(g) for g in range(4, 10)])
    if isced5_matched is None:
        over = tertiary & upper_jobs
    else:
        isced5_over = upper_jobs & ~pl.col("_major").is_in(sorted(isced5_matched))
        higher_over = upper_jobs
        lf = _guard(
            lf,
            (lmin == 5) & (lmax >= 6) & (isced5_over != higher_over),
            _label([*by_, "_major", "_edu"]),
            f"{fname}: this rule needs short-cycle tertiary (ED5, e.g. ITS diplomas) apart "
            "from bachelor's and higher (ED6-ED8): ED5 counts as matched in ISCO major "
            f"groups {sorted(isced5_matched)} where ED6-8 count as over-qualified, so an "
            "ED5-8 total cannot be split there. Supply ED5 and ED6, ED7, ED8 (or ED6-8 "
            "as ED6 + ED7 + ED8), or use eurostat_overqualification_rate, which needs "
            "only ED5-8",
        )
        over = (
            pl.when(lmin >= 6)
            .then(higher_over)
            .when(lmin == 5)
            .then(isced5_over)
            .otherwise(pl.lit(False))
        )
    v = pl.col("_value")
    num = v.filter(over).sum()
    den = v.filter(tertiary).sum()
    out = _agg(
        lf,
        by_,
        [
            pl.when(den > 0)
            .then(100 * num / den)
            .otherwise(None)
            .alias("overqualification_rate_pct"),
            num.alias("overqualified_employed"),
            den.alias("tertiary_employed"),
            pl.lit(rule).alias("rule"),
        ],
    )
    return _finish(out, frame)


def eurostat_overqualification_rate(
    frame: FrameT,
    *,
    occupation: str = "isco08",
    education: str = "isced11",
    value: str = "value",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group: Eurostat's over-qualification rate of tertiary graduates, %.

    .. math::

        OQ = 100 \cdot \frac{E(\text{ISCED 5-8},\ \text{ISCO 4-9})}
                          {E(\text{ISCED 5-8},\ \text{ISCO 1-9})}

    The share of employed tertiary graduates (short-cycle, bachelor's, master's,
    doctoral) working in occupations that do not require tertiary education (clerical,
    service and sales, agricultural, craft, operator and elementary jobs). Armed forces
    (ISCO 0) and unknown occupations are left out of both terms. Eurostat's headline
    figures are for ages 20-64 (filter ``age`` first, or put it in ``by``).

    **Trap for ITS planning.** ITS diplomas are ISCED 5, whose matched outcome is a
    technician job (ISCO 3) or a skilled craft or operator job; this rule counts an ITS
    mechatronics graduate working as a skilled maintenance fitter (ISCO 7) as
    over-qualified. See :func:`its_aware_overqualification_rate`.

    Parameters
    ----------
    frame
        Employment by ``by`` x ``occupation`` x ``education`` (module docstring); the
        aggregate ``ED5-8`` is enough.
    occupation, education, value, by
        Column names, as in :func:`ilo_normative_mismatch`.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``overqualification_rate_pct`` (null when a
    group has no tertiary graduates), ``overqualified_employed``, ``tertiary_employed``
    and ``rule`` (``eurostat``), sorted by ``by``.

    Raises
    ------
    ValueError
        As :func:`ilo_normative_mismatch`; also when tertiary employment cannot be told
        apart (only ``ED3-8`` given).

    References
    ----------
    Eurostat, *Over-qualification rate by sex, age and citizenship* (lfsa_eoqgan) and
    Statistics Explained, "Migrant integration statistics - over-qualification"
    (definition: ISCED 5-8 employed in ISCO 4-9 over ISCED 5-8 employed).
    """
    return _overqualification(
        frame,
        "eurostat_overqualification_rate",
        occupation=occupation,
        education=education,
        value=value,
        by=by,
        isced5_matched=None,
        rule="eurostat",
    )


def _check_majors(groups: Iterable[str | int], fname: str) -> frozenset[str]:
    if isinstance(groups, str | bytes):
        groups = (groups,) if isinstance(groups, str) else ()
    out: set[str] = set()
    for g in groups:
        text = str(g).strip() if isinstance(g, str | int) and not isinstance(g, bool) else ""
        if text not in {str(i) for i in range(1, 10)}:
            msg = f"{fname}: isced5_matched must list ISCO-08 major groups 1-9, got {g!r}"
            raise ValueError(msg)
        out.add(text)
    return frozenset(out)


def its_aware_overqualification_rate(
    frame: FrameT,
    *,
    isced5_matched: Iterable[str | int] = DEFAULT_ISCED5_MATCHED,
    occupation: str = "isco08",
    education: str = "isced11",
    value: str = "value",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group: over-qualification rate with ISCED 5 matched in skilled jobs, %.

    .. math::

        OQ^{(5)} = 100 \cdot \frac{E(\text{ISCED 6-8},\ \text{ISCO 4-9})
                 + E(\text{ISCED 5},\ \text{ISCO } \{4,\dots,9\} \setminus G_5)}
                 {E(\text{ISCED 5-8},\ \text{ISCO 1-9})}

    The ISCED-5-aware rule: bachelor's and higher (ISCED 6-8) keep Eurostat's rule
    (over-qualified in ISCO 4-9), while short-cycle tertiary (ISCED 5: ITS Academy
    diplomas in Italy, BTS in France, HNDs in the UK) counts as matched in the major
    groups :math:`G_5` (``isced5_matched``). The default :math:`G_5 = \{3, 7, 8\}`:
    technicians (the ILO level-3 match), craft and related trades and plant and machine
    operators, where ITS mechatronics, energy and logistics graduates take skilled
    posts. ISCED 5 stays over-qualified in clerical (4), service and sales (5), skilled
    agricultural (6, the ILO level-2 norm; add ``6`` for agri-food if you judge it a
    match) and elementary (9) jobs. Major groups 1-3 are never counted as over-qualified
    (as in Eurostat's rule), listed or not; ``3`` is in the default to state the intent.

    With :math:`G_5 \cap \{4..9\} = \emptyset` this equals
    :func:`eurostat_overqualification_rate`; the larger :math:`G_5`, the lower the rate.

    Parameters
    ----------
    frame
        Employment by ``by`` x ``occupation`` x ``education``. **ED5 must be given apart
        from ED6-ED8** wherever the split matters (major groups in :math:`G_5`): an
        ``ED5-8`` total there raises ValueError, because its ISCED 5 part would be
        matched and the rest over-qualified.
    isced5_matched
        ISCO-08 major groups (1-9, as strings or integers) in which ISCED 5 is a match.
    occupation, education, value, by
        Column names, as in :func:`ilo_normative_mismatch`.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``overqualification_rate_pct``,
    ``overqualified_employed``, ``tertiary_employed`` and ``rule``
    (``isced5_aware:3,7,8`` with the groups used), sorted by ``by``.

    Raises
    ------
    ValueError
        As :func:`eurostat_overqualification_rate`; ``ED5-8`` without ED5 where the rule
        needs it; bad ``isced5_matched``.

    References
    ----------
    Eurostat over-qualification rate (see :func:`eurostat_overqualification_rate`); ILO
    (2012), ISCO-08 vol. I, Table 2 (ISCED 5 <-> skill level 3); Law 99/2022 on ITS
    Academies (ISCED 5 / EQF 5 diplomas).
    """
    fname = "its_aware_overqualification_rate"
    groups = _check_majors(isced5_matched, fname)
    return _overqualification(
        frame,
        fname,
        occupation=occupation,
        education=education,
        value=value,
        by=by,
        isced5_matched=groups,
        rule="isced5_aware:" + ",".join(sorted(groups)),
    )


# ------------------------------------------------------------------ realised matches
_SCALES: Final = ("broad", "ilo", "isced")


def _scale_level(level: pl.Expr, scale: str) -> pl.Expr:
    if scale == "isced":
        return level.cast(pl.Int8)
    if scale == "ilo":
        return _skill_level(level)
    return pl.when(level <= 2).then(1).when(level <= 4).then(2).otherwise(3).cast(pl.Int8)


def realised_matches(
    frame: FrameT,
    *,
    statistic: Literal["mode", "mean"] = "mode",
    k: float = 1.0,
    scale: Literal["broad", "ilo", "isced"] = "broad",
    industry: str | None = None,
    isco_digits: int | None = None,
    occupation: str = "isco08",
    education: str = "isced11",
    value: str = "value",
    by: str | Sequence[str] = ("geo", "period"),
) -> FrameT:
    r"""One row per ``by`` group, occupation (and industry): required level and mismatch shares.

    The statistical (realised-matches) approach: what an occupation "requires" is what
    its workers have. With :math:`E_{\ell}` the employment at attainment level
    :math:`\ell` in an occupation (cell),

    .. math::

        \bar\ell = \frac{\sum_\ell E_\ell\,\ell}{\sum_\ell E_\ell},\quad
        \sigma = \sqrt{\frac{\sum_\ell E_\ell (\ell - \bar\ell)^2}{\sum_\ell E_\ell}},\quad
        r = \begin{cases} \operatorname{mode}(\ell) & \text{statistic = mode} \\
                          \bar\ell & \text{statistic = mean} \end{cases}

    .. math::

        \text{over}: \ell > r + k\sigma, \qquad \text{under}: \ell < r - k\sigma,
        \qquad \text{matched otherwise}

    (:math:`\sigma` is the employment-weighted population standard deviation; bounds
    carry a 1e-9 tolerance for rounding.) The mode is the level with the most
    employment; **ties go to the lowest level**, so the result does not depend on row
    order. Cedefop's European Skills Index computes such realised matches by occupation
    and industry: pass ``industry`` (e.g. ``nace_r2``) to make the cell occupation x
    industry.

    Parameters
    ----------
    frame
        Employment by ``by`` x ``occupation`` (x ``industry``) x ``education``.
    statistic
        ``mode`` (default; Kiker, Santos and de Oliveira 1997) or ``mean`` (Verdugo and
        Verdugo 1989).
    k
        Width of the matched band in standard deviations (>= 0; default 1).
    scale
        Attainment levels: ``broad`` (default) 1 = ISCED 0-2, 2 = 3-4, 3 = 5-8, the low /
        medium / high split of Eurostat tables and the ESI; ``ilo`` the ILO skill levels
        1-4; ``isced`` ISCED levels 0-8. Every ISCED code must map to one level of the
        scale (``ED5-8`` does not on ``ilo`` or ``isced``: ValueError).
    industry
        Optional industry column (String codes, used as given: drop aggregates such as
        ``TOTAL`` first), added to the cell.
    isco_digits
        Level of detail of the occupation codes to use (1-4 digits); None: the most
        detailed level present in the frame. Codes at other levels are left out (they
        would double count).
    occupation, education, value, by
        Column names, as in :func:`ilo_normative_mismatch`.

    Returns
    -------
    Same kind as ``frame``: ``by`` columns, ``industry`` (if given), ``occupation``
    (plain-digit ISCO-08 code, named as the input), ``required_level`` (Float64),
    ``level_sd``, ``employed``, ``over_pct``, ``matched_pct``, ``under_pct`` (sum to 100;
    null when the cell's employment is zero) and ``rule`` (e.g. ``mode+-1sd:broad``),
    sorted by the cell.

    Raises
    ------
    ValueError
        As :func:`ilo_normative_mismatch`; bad ``statistic``, ``k``, ``scale`` or
        ``isco_digits``; an ISCED code spanning several levels of ``scale``.

    Notes
    -----
    With only three broad levels and :math:`k = 1` a cell is often all matched: the
    approach needs detail (``isced`` scale, microdata) to say much. It is relative by
    construction: an occupation where everyone is over-educated looks matched.

    References
    ----------
    Verdugo, R. and Verdugo, N. (1989), *Journal of Human Resources* 24(4), 629-643;
    Kiker, B. F., Santos, M. C. and de Oliveira, M. M. (1997), *Economics of Education
    Review* 16(2), 111-125; Cedefop (2018), *Insights into skill shortages and skill
    mismatch: learning from Cedefop's European Skills and Jobs Survey* and Cedefop,
    *European Skills Index: technical report* (2018, 2020).
    """
    fname = "realised_matches"
    if statistic not in ("mode", "mean"):
        msg = f"{fname}: statistic must be 'mode' or 'mean', got {statistic!r}"
        raise ValueError(msg)
    if scale not in _SCALES:
        msg = f"{fname}: scale must be one of {list(_SCALES)}, got {scale!r}"
        raise ValueError(msg)
    if isinstance(k, bool) or not isinstance(k, int | float) or not math.isfinite(k) or k < 0:
        msg = f"{fname}: k must be a finite number >= 0, got {k!r}"
        raise ValueError(msg)
    if isco_digits is not None and (
        isinstance(isco_digits, bool)
        or not isinstance(isco_digits, int)
        or not 1 <= isco_digits <= 4
    ):
        msg = f"{fname}: isco_digits must be 1, 2, 3, 4 or None, got {isco_digits!r}"
        raise ValueError(msg)
    extra: tuple[str, ...] = () if industry is None else (industry,)
    by_: tuple[str, ...]
    lf, by_ = _prepare(
        frame,
        fname,
        occupation=occupation,
        education=education,
        value=value,
        by=by,
        extra=extra,
    )
    length = pl.col("_occ").str.len_chars()
    lf = lf.filter(length == (length.max() if isco_digits is None else isco_digits))
    cell: list[str] = [*by_, *extra, "_occ"]
    lf = _resolve_isced(lf, cell, fname)
    lo, hi = _scale_level(pl.col("_lmin"), scale), _scale_level(pl.col("_lmax"), scale)
    lf = _guard(
        lf,
        lo != hi,
        _label([*cell, "_edu"]),
        f"{fname}: an ISCED code spans several levels of scale={scale!r} (e.g. ED5-8 on the "
        "ILO or ISCED scale); use scale='broad' or supply detailed ISCED codes",
    ).with_columns(lo.alias("_level"))
    levels = lf.group_by([*cell, "_level"]).agg(pl.col("_value").sum().alias("_w"))
    w, lvl = pl.col("_w"), pl.col("_level").cast(pl.Float64)
    total = w.sum()
    mean = (w * lvl).sum() / total
    sd = ((w * (lvl - mean).pow(2)).sum() / total).sqrt()
    mode = lvl.sort_by([w, lvl], descending=[True, False]).first()
    required = mode if statistic == "mode" else mean
    tol = 1e-9
    over = w.filter(lvl > required + k * sd + tol).sum()
    under = w.filter(lvl < required - k * sd - tol).sum()
    positive = total > 0
    out = (
        levels.group_by(cell)
        .agg(
            pl.when(positive).then(required).alias("required_level"),
            pl.when(positive).then(sd).alias("level_sd"),
            total.alias("employed"),
            pl.when(positive).then(100 * over / total).alias("over_pct"),
            pl.when(positive).then(100 * under / total).alias("under_pct"),
        )
        .with_columns(
            (100 - pl.col("over_pct") - pl.col("under_pct")).alias("matched_pct"),
            pl.lit(f"{statistic}+-{k:g}sd:{scale}").alias("rule"),
        )
        .sort(cell, nulls_last=False)
        .select(
            *by_,
            *extra,
            pl.col("_occ").alias(occupation),
            "required_level",
            "level_sd",
            "employed",
            "over_pct",
            "matched_pct",
            "under_pct",
            "rule",
        )
    )
    return _finish(out, frame)
