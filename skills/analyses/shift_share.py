"""Shift-share decomposition of skill-group share changes (``employment_by_sector_occupation``):
``skill_share_change_within_pp``, ``skill_share_change_between_pp``, ``shift_share`` and
``shift_share_sectors`` tables (:mod:`skills.indicators.shiftshare`)."""

from __future__ import annotations

from collections.abc import Mapping

import polars as pl

from skills.analyses._outputs import AnalysisOutputs, occupation_employment

__all__ = ["shift_share"]


def shift_share(
    inputs: Mapping[str, pl.LazyFrame], labels: Mapping[str, str], out: AnalysisOutputs
) -> None:
    """Within- and between-sector parts of the skill-group share changes, per geo, over its
    longest span without a series break (:mod:`skills.indicators.shiftshare`)."""
    role = "employment_by_sector_occupation"
    if role not in inputs:
        out.note("shift-share decomposition", "skipped", f"no {role} source")
        return
    from skills.indicators.shiftshare import shift_share_indicators, shift_share_longest_span

    summary, sectors = shift_share_longest_span(occupation_employment(inputs[role]))
    if summary.height == 0:
        out.note(
            "shift-share decomposition",
            "skipped",
            "no geo has two periods without a series break between them",
        )
        return
    out.indicators.append(shift_share_indicators(summary, source=labels[role]))
    out.tables["shift_share"] = summary
    out.tables["shift_share_sectors"] = sectors
    spans = summary.select("geo", "period").unique().sort("geo")
    out.note(
        "shift-share decomposition",
        "ran",
        "within/between NACE sectors, symmetric weights, longest span without a break: "
        + ", ".join(f"{geo} {period}" for geo, period in spans.iter_rows()),
    )
