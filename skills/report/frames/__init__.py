"""Chart frames: the small, aggregated Polars tables each chart draws.

Every function here is pure (frames in, one frame out; no I/O, no clock) and turns the
published tables of one publication into the few hundred rows a chart needs: it filters,
aggregates and labels, and never recomputes an indicator or refits a model. What one
row is is the first line of each docstring. Values are rounded for display (the
publication's parquet files keep full precision), and rows are sorted so that the same
publication always gives the same chart spec.

Every label a frame carries for the reader (series, directions, skill groups, spans,
geo names) comes from the message catalogue through a :class:`~skills.report.i18n.Messages`
(``t``; English when not given): :func:`frame_labels` gathers them for the charts.

The frames are grouped by reader: ``_labels`` (the labels and geo names every frame
carries), ``_its`` (the planners' ITS frames) and ``_economists`` (skill shares,
polarisation, the Beveridge curve, mismatch and shortage). Every public name is
imported from here.
"""

from __future__ import annotations

from skills.report.frames._economists import (
    beveridge_frame,
    mismatch_indices_frame,
    polarisation_percentiles_frame,
    polarisation_u_test_frame,
    shortage_ranking_frame,
    skill_share_change_frame,
    skill_shares_trend_frame,
)
from skills.report.frames._its import (
    its_gap_by_area_frame,
    its_gap_drivers_frame,
    its_outcomes_frame,
    its_supply_demand_trend_frame,
)
from skills.report.frames._labels import MISMATCH_IDS as MISMATCH_IDS
from skills.report.frames._labels import SKILL_GROUP_ORDER as SKILL_GROUP_ORDER
from skills.report.frames._labels import (
    SYNTHETIC_LABEL,
    FrameLabels,
    data_label_text,
    extra_geo_names,
    focus_geos,
    frame_labels,
    geo_label,
)

__all__ = [
    "SYNTHETIC_LABEL",
    "FrameLabels",
    "beveridge_frame",
    "data_label_text",
    "extra_geo_names",
    "focus_geos",
    "frame_labels",
    "geo_label",
    "its_gap_by_area_frame",
    "its_gap_drivers_frame",
    "its_outcomes_frame",
    "its_supply_demand_trend_frame",
    "mismatch_indices_frame",
    "polarisation_percentiles_frame",
    "polarisation_u_test_frame",
    "shortage_ranking_frame",
    "skill_share_change_frame",
    "skill_shares_trend_frame",
]
