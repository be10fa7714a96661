"""Charts open on the spec's region, or its country for national tables, and a chart of
many countries colours the region's own geographies and fades the rest."""

from __future__ import annotations

import json

import polars as pl

from skills.report import frames as fr
from skills.report.charts import ChartContext, beveridge_curve
from skills.report.charts._common import _options
from skills.report.i18n import Messages


def test_selector_default_falls_back_to_the_country_then_the_eu() -> None:
    frame = pl.DataFrame({"geo": ["AT", "EU27_2020", "IT", "ITC1"], "label": list("abcd")})
    assert _options(frame, "geo", "label", "ITC1")[0] == ("ITC1", "d")
    national = frame.filter(pl.col("geo") != "ITC1")
    assert _options(national, "geo", "label", "ITC1")[0] == ("IT", "c")
    no_italy = national.filter(pl.col("geo") != "IT")
    assert _options(no_italy, "geo", "label", "ITC1")[0] == ("EU27_2020", "b")
    assert _options(no_italy.filter(pl.col("geo") == "AT"), "geo", "label", "ITC1")[0][0] == "AT"


def beveridge(geos: list[str]) -> pl.DataFrame:
    rows = [
        (g, str(y), 5.0 + i, 1.0 + y / 1000, 0, None, None)
        for i, g in enumerate(geos)
        for y in (2019, 2020)
    ]
    return pl.DataFrame(
        rows,
        schema=[
            "geo",
            "period",
            "unemployment_rate",
            "job_vacancy_rate_pct",
            "segment",
            "flag_u",
            "flag_v",
        ],
        orient="row",
    )


def test_beveridge_names_the_focus_and_fades_the_rest() -> None:
    geos = ["AT", "BE", "DE", "EU27_2020", "FR", "IT", "NL", "PL"]
    focus = fr.focus_geos("ITC1", ["DE", "FR"], geos)
    assert focus == ["IT", "EU27_2020", "DE", "FR"]
    frame = fr.beveridge_frame(beveridge(geos), names={"IT": "Italia"}, focus=focus)
    assert frame.filter(pl.col("is_focus"))["geo"].unique(maintain_order=True).to_list() == focus
    assert set(frame.filter(~pl.col("is_focus"))["geo"]) == {"AT", "BE", "NL", "PL"}
    ctx = ChartContext(run_id="r", source="s", t=Messages("it"))
    spec = beveridge_curve(frame, ctx).to_dict()
    text = json.dumps(spec)
    # one faded layer for the context, the legend's colour domain only the focus
    assert '"!datum.is_focus"' in text and '"#bdbdbd"' in text
    domains = [
        layer["encoding"]["color"]["scale"]["domain"]
        for layer in spec["layer"]
        if "color" in layer.get("encoding", {}) and "scale" in layer["encoding"]["color"]
    ]
    assert domains and all(len(d) == len(focus) for d in domains)
    # without any focus geo present, every geo is in colour
    alone = fr.beveridge_frame(beveridge(["AT", "BE"]), names={}, focus=focus)
    assert alone["is_focus"].all()
