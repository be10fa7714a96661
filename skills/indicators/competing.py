"""Competing supply: ISCED 5-6 graduates other than ITS, mapped to ITS technology areas."""

from __future__ import annotations

import math
from collections.abc import Sequence

import polars as pl

from skills.indicators.gap._supply import trailing_mean

__all__ = ["COMPETING_SUPPLY_COLUMNS", "competing_supply"]

#: Columns of :func:`competing_supply`, in order.
COMPETING_SUPPLY_COLUMNS = (
    "its_area",
    "geo",
    "year",
    "competing_graduates_n",
    "supply_competing_n",
    "mapping_version",
)
_GRADUATE_COLUMNS = ("geo", "year", "iscedf13", "isced11", "graduates_n")
_MAPPING_COLUMNS = ("mapping_version", "iscedf13", "its_area", "share")
_SHARE_TOLERANCE = 1e-9


def competing_supply(
    graduates: pl.LazyFrame | pl.DataFrame,
    mapping: pl.DataFrame | pl.LazyFrame,
    *,
    window: int = 3,
    levels: Sequence[str] = ("ED5", "ED6"),
) -> pl.LazyFrame:
    r"""One row per ITS area, geo and year: competing graduates and their trailing mean.

    .. math::

        C_{a,r,t} = \sum_f s_{f,a} \, G_{f,r,t}, \qquad
        S^{comp}_{a,r,t} = \frac{1}{k} \sum_{j=0}^{k-1} C_{a,r,t-j}

    with :math:`G_{f,r,t}` the graduates of ISCED-F 2013 narrow field :math:`f` in area
    :math:`r` and year :math:`t`, summed over ``levels`` (ISCED 5 other than ITS, ISCED 6),
    :math:`s_{f,a}` the share of field :math:`f` taken to compete for the ITS-level jobs
    of ITS area :math:`a` (``mapping``; :math:`\sum_a s_{f,a} \le 1`, so no graduate is
    counted twice) and :math:`k` = ``window``. Fields the mapping does not list do not
    compete. :math:`S^{comp}` is the competing counterpart of the ITS supply (a trailing
    mean over the same window, methods.md section 3): the ITS gap reports coverage by ITS
    graduates alone and by ITS plus competing graduates.

    Years without rows for a geo, inside the span of years the file covers, count as zero
    graduates; a year gets :math:`S^{comp}` only when the whole window lies inside that
    span (the first ``window - 1`` years are null). The span is that of the whole table
    (every level and geo), so an area or a geo that appears late is not overstated.

    Parameters
    ----------
    graduates
        ``geo`` (NUTS 2 or 3, kept as given: provinces are not summed to regions),
        ``year`` (integer), ``iscedf13`` (narrow field, 3 digits; a 4-digit detailed
        field is read as its narrow field), ``isced11`` and ``graduates_n``, as
        :func:`skills.sources.competing.read_competing_graduates` returns them (other
        columns are ignored).
    mapping
        ``mapping_version`` (one version), ``iscedf13``, ``its_area`` and ``share``, as
        :func:`skills.classifications.iscedf13_its_area_map` returns them.
    window
        Years in the trailing mean (3, as for the ITS supply).
    levels
        The ISCED 2011 levels counted.

    Returns
    -------
    polars.LazyFrame
        ``its_area`` (every area of the mapping), ``geo``, ``year`` (Int64, every year of
        the span), ``competing_graduates_n`` (:math:`C`, Float64), ``supply_competing_n``
        (:math:`S^{comp}`, Float64, null before the window fills) and
        ``mapping_version``; sorted by area, geo and year.

    Raises
    ------
    ValueError
        If a column is missing, ``window`` is not a whole number >= 1, ``levels`` is
        empty, the mapping holds no row or several versions, a share is outside
        (0, 1], or the shares of a field sum to more than 1.

    References
    ----------
    UNESCO Institute for Statistics (2014), *ISCED Fields of Education and Training 2013
    (ISCED-F 2013)*, Montreal; UNESCO Institute for Statistics (2012), *International
    Standard Classification of Education ISCED 2011*; ``methods.md`` section 3
    (programme-to-occupation gap, "optionally with competing supply at the same level").

    Examples
    --------
    >>> import polars as pl
    >>> grads = pl.DataFrame({"geo": ["ITC11"] * 2, "year": [2023, 2024],
    ...     "iscedf13": ["061", "061"], "isced11": ["ED6", "ED6"], "graduates_n": [400, 600]})
    >>> m = pl.DataFrame({"mapping_version": ["v"], "iscedf13": ["061"],
    ...     "its_area": ["ict_data"], "share": [0.25]})
    >>> competing_supply(grads, m, window=2).collect()["supply_competing_n"].to_list()
    [None, 125.0]
    """
    fname = "competing_supply"
    if not isinstance(window, int) or isinstance(window, bool) or window < 1:
        msg = f"{fname}: window must be a whole number of years >= 1, not {window!r}"
        raise ValueError(msg)
    levels = [levels] if isinstance(levels, str) else list(levels)
    if not levels:
        msg = f"{fname}: levels is empty; give ISCED levels such as ('ED5', 'ED6')"
        raise ValueError(msg)
    lf = graduates.lazy()
    schema = lf.collect_schema()
    missing = [c for c in _GRADUATE_COLUMNS if c not in schema]
    if missing:
        msg = f"{fname}: graduates lack column(s) {missing}; they have {schema.names()}"
        raise ValueError(msg)
    version, shares = _check_mapping(mapping, fname)

    lf = lf.with_columns(
        pl.col("year").cast(pl.Int64),
        pl.col("iscedf13").cast(pl.String).str.slice(0, 3),
    )
    span = lf.select(pl.col("year").min().alias("y0"), pl.col("year").max().alias("y1"))
    years = span.select(pl.int_ranges(pl.col("y0"), pl.col("y1") + 1).alias("year")).explode("year")
    geos = lf.select("geo").unique()
    areas = shares.select("its_area").unique().lazy()
    grid = areas.join(geos, how="cross").join(years, how="cross")
    by_year = (
        lf.filter(pl.col("isced11").is_in(levels))
        .join(shares.lazy(), on="iscedf13", how="inner")
        .group_by("its_area", "geo", "year")
        .agg((pl.col("share") * pl.col("graduates_n")).sum().alias("competing_graduates_n"))
    )
    full = (
        grid.join(by_year, on=["its_area", "geo", "year"], how="left")
        .with_columns(pl.col("competing_graduates_n").cast(pl.Float64).fill_null(0.0))
        .sort("its_area", "geo", "year")
    )
    return full.with_columns(
        trailing_mean("competing_graduates_n", window, ("its_area", "geo")).alias(
            "supply_competing_n"
        ),
        pl.lit(version, pl.String).alias("mapping_version"),
    ).select(COMPETING_SUPPLY_COLUMNS)


def _check_mapping(mapping: pl.DataFrame | pl.LazyFrame, fname: str) -> tuple[str, pl.DataFrame]:
    """The mapping's version and its (iscedf13, its_area, share) rows, checked."""
    frame = mapping.collect() if isinstance(mapping, pl.LazyFrame) else mapping
    missing = [c for c in _MAPPING_COLUMNS if c not in frame.columns]
    if missing:
        msg = f"{fname}: the mapping lacks column(s) {missing}; it has {frame.columns}"
        raise ValueError(msg)
    versions = frame["mapping_version"].unique().drop_nulls().sort().to_list()
    if frame.height == 0 or len(versions) != 1:
        msg = f"{fname}: the mapping must hold one mapping_version, not {versions}"
        raise ValueError(msg)
    shares = frame.select(
        pl.col("iscedf13").cast(pl.String),
        pl.col("its_area").cast(pl.String),
        pl.col("share").cast(pl.Float64),
    )
    bad = shares.filter(~((pl.col("share") > 0) & (pl.col("share") <= 1)))
    if bad.height:
        msg = f"{fname}: shares must lie in (0, 1]; e.g. {bad.row(0, named=True)}"
        raise ValueError(msg)
    if shares.select("iscedf13", "its_area").is_duplicated().any():
        msg = f"{fname}: the mapping lists a (iscedf13, its_area) pair twice"
        raise ValueError(msg)
    for field, group in shares.group_by("iscedf13"):
        total = math.fsum(group["share"].to_list())
        if total > 1 + _SHARE_TOLERANCE:
            msg = (
                f"{fname}: the shares of field {field[0]!r} sum to {total:g} > 1: its "
                "graduates would be counted more than once"
            )
            raise ValueError(msg)
    return str(versions[0]), shares
