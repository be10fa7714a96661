"""Assemble the tidy table from estimates, a covariance and (optionally) a bootstrap."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
import polars as pl

from skills.models._bootstrap import BootstrapOutcome
from skills.models._stats import critical_value, two_sided_p
from skills.models.results import tidy_frame

__all__ = ["build_table", "vcov_tuple"]

FloatArray = npt.NDArray[np.float64]


def build_table(
    terms: Sequence[str],
    *,
    params: FloatArray,
    vcov: FloatArray,
    df: int | None,
    level: float,
    boot: BootstrapOutcome | None = None,
    boot_columns: Sequence[int] = (),
) -> pl.DataFrame:
    r"""Tidy rows: :math:`t = \hat\beta/\operatorname{se}`, p from :math:`t_{df}` (normal
    when ``df`` is None), :math:`\hat\beta \pm q\operatorname{se}`; for the columns in
    ``boot_columns`` (positions in ``terms``), p-value (an upper bound :math:`1/(B+1)`
    where no draw was as extreme) and interval from ``boot``."""
    se = np.sqrt(np.clip(np.diag(vcov), 0.0, None))
    with np.errstate(divide="ignore", invalid="ignore"):
        stat = params / se
    p = two_sided_p(stat, df)
    q = critical_value(level, df)
    low = params - q * se
    high = params + q * se
    bound = [False] * len(terms)
    if boot is not None:
        for col in boot_columns:
            p[col] = boot.p_value[col]
            bound[col] = boot.upper_bound[col]
            low[col], high[col] = boot.conf_int[col]
    return tidy_frame(
        terms,
        estimate=params,
        std_error=se,
        statistic=stat,
        p_value=p,
        conf_low=low,
        conf_high=high,
        p_value_upper_bound=bound,
    )


def vcov_tuple(vcov: FloatArray) -> tuple[tuple[float, ...], ...]:
    """A covariance matrix as nested tuples (for a frozen result)."""
    return tuple(tuple(float(v) for v in row) for row in np.asarray(vcov))
