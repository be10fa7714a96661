"""Chart builders: one function per chart, a small Polars frame in, an Altair chart out.

Each builder is pure (no I/O): it takes the frame made by the matching function in
:mod:`skills.report.frames` and a :class:`ChartContext` (run id, sources, defaults and
the reader's :class:`~skills.report.i18n.Messages`) and returns a top-level Altair chart
whose title and subtitle carry the source, the run id and, for demo data, the data
label. Every word on a chart (titles, axis and legend titles, legend entries, tooltips,
selector prompts, the ARIA description) comes from the message catalogue
(``messages/<lang>/charts.toml``), and the chart's ``config.locale`` holds the
language's d3 number and time formats, so axes and tooltips read ``1.234,5`` in Italian
(vega-embed and vl-convert both honour it). Long category labels (ITS areas,
occupations) wrap onto several lines and are never truncated (:data:`WRAP_LABELS`).

Axis titles carry units. Colours come from the Okabe-Ito palette (safe for the common
colour-vision deficiencies) and every colour encoding is doubled by a shape, a dash
pattern or position, so nothing relies on colour alone. Selectors are Vega-Lite point
selections bound to a drop-down (``alt.selection_point(fields=[...],
bind=alt.binding_select(...))``) that filter the chart's own data; with an input
binding, clicking the chart does not change them.

Altair is imported inside each function, so importing this module is cheap.

>>> from skills.report import charts, frames  # doctest: +SKIP
>>> chart = charts.beveridge_curve(frames.beveridge_frame(bev, names={}), ctx)  # doctest: +SKIP
>>> spec = chart.to_dict()  # doctest: +SKIP
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    import altair as alt

    AnyChart = alt.Chart | alt.LayerChart | alt.HConcatChart | alt.VConcatChart | alt.FacetChart
from skills.report.charts._common import (
    MAX_ROWS,
    OKABE_ITO,
    WRAP_LABELS,
    ChartContext,
)
from skills.report.charts._economists import (
    beveridge_curve,
    mismatch_indices,
    polarisation_percentiles,
    polarisation_u_test,
    shortage_ranking,
    skill_share_change,
    skill_shares_trend,
)
from skills.report.charts._its import (
    _its_gap_map,
    its_gap_by_area,
    its_gap_drivers,
    its_outcomes,
    its_supply_demand_trend,
)

__all__ = [
    "BUILDERS",
    "MAX_ROWS",
    "OKABE_ITO",
    "WRAP_LABELS",
    "ChartContext",
    "beveridge_curve",
    "its_gap_by_area",
    "its_gap_drivers",
    "its_outcomes",
    "its_supply_demand_trend",
    "mismatch_indices",
    "polarisation_percentiles",
    "polarisation_u_test",
    "shortage_ranking",
    "skill_share_change",
    "skill_shares_trend",
]


def _unchecked(
    builder: Callable[[pl.DataFrame, ChartContext], Any],
) -> Callable[[pl.DataFrame, ChartContext], Any]:
    """``builder`` with Altair's check of every object as it is made switched off.

    Altair validates each schema object against the Vega-Lite schema when it is created
    (its "debug mode"): a fifth of the charts' time. The finished spec is still validated
    whole where the report is built strictly (the tests); the specs are the same.
    """

    @functools.wraps(builder)
    def build(frame: pl.DataFrame, ctx: ChartContext) -> Any:
        from altair.utils.schemapi import debug_mode

        with debug_mode(False):
            return builder(frame, ctx)

    return build


#: chart id -> builder, in page order (each run without Altair's per-object checks).
BUILDERS: Mapping[str, Callable[[pl.DataFrame, ChartContext], Any]] = {
    "its_gap_by_area": its_gap_by_area,
    "its_gap_map": _its_gap_map,
    "its_supply_demand_trend": its_supply_demand_trend,
    "its_outcomes": its_outcomes,
    "its_gap_drivers": its_gap_drivers,
    "skill_shares_trend": skill_shares_trend,
    "skill_share_change": skill_share_change,
    "polarisation_percentiles": polarisation_percentiles,
    "polarisation_u_test": polarisation_u_test,
    "beveridge_curve": beveridge_curve,
    "mismatch_indices": mismatch_indices,
    "shortage_ranking": shortage_ranking,
}
BUILDERS = {chart_id: _unchecked(builder) for chart_id, builder in BUILDERS.items()}


def chart_ids() -> Sequence[str]:
    """Every chart id, in page order."""
    return tuple(BUILDERS)
