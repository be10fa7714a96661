"""``skills fetch``: download a Eurostat dataset into the cache."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from skills.cli._app import app


@app.command()
def fetch(
    dataset: Annotated[str, typer.Argument(help="Eurostat dataset code, e.g. lfst_r_lfu3rt.")],
    filters: Annotated[
        list[str] | None, typer.Option("--filter", "-f", help="DIM=VALUE[,VALUE...]; repeat.")
    ] = None,
    start: Annotated[str | None, typer.Option(help="First period, e.g. 2015.")] = None,
    end: Annotated[str | None, typer.Option(help="Last period.")] = None,
    offline: Annotated[bool, typer.Option(help="Only report what the cache holds.")] = False,
) -> None:
    """Download a Eurostat dataset into the cache (SDMX-CSV) and print its provenance."""
    from skills.sources.eurostat_api import fetch_eurostat

    parsed: dict[str, list[str]] = {}
    for item in filters or []:
        dim, sep, values = item.partition("=")
        if not sep or not values:
            raise typer.BadParameter(f"{item!r}: use DIM=VALUE[,VALUE...]", param_hint="--filter")
        parsed[dim] = values.split(",")
    result = fetch_eurostat(
        dataset, filters=parsed or None, start_period=start, end_period=end, offline=offline
    )
    typer.echo(
        json.dumps(
            {
                "dataset": result.dataset,
                "path": str(result.path),
                "url": result.url,
                "sha256": result.sha256,
                "bytes": result.bytes,
                "fetched_at": result.fetched_at,
                "from_cache": result.from_cache,
                "last_update": result.last_update,
            },
            indent=2,
        )
    )
