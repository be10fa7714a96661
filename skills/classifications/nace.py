"""NACE Rev. 2 sections and the Eurostat aggregates of LFS and JVS tables."""

from __future__ import annotations

from functools import cache

import polars as pl

from skills.classifications._shipped import _read_shipped

__all__ = ["nace_r2"]


@cache
def _nace_r2() -> pl.DataFrame:
    frame = _read_shipped("nace_r2.csv")
    return frame.with_columns(
        pl.col("sections").str.split(";").fill_null(pl.lit([], dtype=pl.List(pl.String))),
        pl.col("used_in").str.split(";").fill_null(pl.lit([], dtype=pl.List(pl.String))),
    )


def nace_r2() -> pl.DataFrame:
    """Return NACE Rev. 2 sections A-U and the Eurostat aggregates of LFS and JVS tables.

    Returns
    -------
    polars.DataFrame
        ``nace_r2`` (``A`` ... ``U``, ``B-E``, ``G-I``, ``M_N``, ``O-Q``, ``R-U``,
        ``TOTAL``, ``NRP`` and the job-vacancy aggregates ``A-S``, ``B-F``, ``B-N``,
        ``B-S``, ``G-N``, ``P_Q``, ``R_S``), ``is_aggregate`` (Boolean), ``title_en``,
        ``sections`` (List[String]: the sections covered; empty for ``NRP``, no
        response), ``used_in`` (List[String]: ``lfs_regional`` = lfst_r_lfe2en2,
        ``jvs`` = jvs_a_nace2).
    """
    return _nace_r2().clone()
