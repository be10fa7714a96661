r"""Observation weights for the panel models, computed from the data they weight."""

from __future__ import annotations

import polars as pl

__all__ = ["entity_mean_total"]


def entity_mean_total(
    frame: pl.DataFrame,
    *,
    entity: str,
    time: str,
    value: str,
    name: str,
) -> pl.DataFrame:
    r"""Add ``name``: each entity's mean over time of its per-period total of ``value``.

    .. math:: w_r = \frac{1}{|T_r|} \sum_{t \in T_r} \sum_{g} E_{r,g,t}

    where :math:`E_{r,g,t}` are the rows of entity :math:`r` (e.g. a region's employment
    by skill group :math:`g`) in period :math:`t` and :math:`T_r` the periods of the
    entity in ``frame``. The weight is constant within the entity, so a weighted
    region x group panel (:func:`skills.models.fit_share_panel` with ``weights=name``)
    gives each region the weight of its average size over the window, not of one year.

    Parameters
    ----------
    frame
        Rows with ``entity``, ``time`` and ``value`` (numeric).
    entity, time, value
        Column names.
    name
        Name of the added column (Float64).

    Returns
    -------
    ``frame`` with ``name`` added (and a helper column ``_entity_total`` per period).

    Raises
    ------
    ValueError
        A column is missing.

    References
    ----------
    Solon, G., S. J. Haider and J. M. Wooldridge (2015), "What Are We Weighting For?",
    *Journal of Human Resources* 50(2), 301-316.
    """
    missing = [c for c in (entity, time, value) if c not in frame.columns]
    if missing:
        msg = f"entity_mean_total: frame lacks column(s) {missing}; has {frame.columns}"
        raise ValueError(msg)
    return frame.with_columns(
        pl.col(value).sum().over(entity, time).alias("_entity_total")
    ).with_columns(pl.col("_entity_total").mean().over(entity).alias(name))
