"""Read Eurostat tables, whatever their format, into one tidy Polars shape.

Formats read
------------
* **Bulk TSV** (``.tsv`` or ``.tsv.gz``), old bulk-download style and today's API style:
  the first column is a comma-joined key of the dimensions named in its header cell
  (``unit,sex,age,geo\\time``, or ``freq,unit,...,geo\\TIME_PERIOD`` from the API); the
  other columns are periods, with a trailing space in old files (``"2015 "``), ascending
  or descending; cells are ``value[ flag]`` with ``:`` for "not available".
* **SDMX-CSV** (1.0, as served by the dissemination API): ``DATAFLOW, LAST UPDATE, freq,
  <dimensions>, TIME_PERIOD, OBS_VALUE, OBS_FLAG[, CONF_STATUS]``. ``LAST UPDATE`` is the
  dataset's vintage and is returned in :attr:`EurostatTable.last_update`.
* A **dataset code** (``"lfst_r_lfu3rt"``) instead of a path: the table is fetched from
  Eurostat's dissemination API as SDMX-CSV through an on-disk cache (see
  :mod:`skills.sources.eurostat_api`), then read as above.

The tidy shape
--------------
One column per dimension, lower-case, in the source's order (``unit``, ``sex``, ``age``,
``isced11``, ``geo``, ...), then ``period`` (String: ``2019``, ``2019-Q3``, ``2019-S1``,
``2019-07``, ``2019-W05``, ``2019-07-01``), ``value`` (Float64, null where the source has
``:`` or an empty observation) and ``flag`` (String, null when there is none; Eurostat's
letters as written, e.g. ``b``, ``u``, ``bu``). ``freq`` is not kept as a column: it is
implied by the format of ``period``, and the reader checks that the two agree.

Nothing is guessed: a ragged or truncated line, a header that is not Eurostat's, a value
that is not a number, an unknown flag letter or a duplicated key raises
:class:`~skills.errors.InputError` naming the file, the line and the column. So does a value
that is not finite (``1e999`` overflows to infinity) or beyond :data:`MAX_ABS_VALUE` in
absolute value, with the cell's key and period; the values of every bad cell are reported
in one error (the first :data:`~skills.errors.MAX_REPORTED`, then a count).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import polars as pl

from skills.errors import ConfigError, InputError
from skills.periods import FREQUENCY_NAMES, frequency_of, period_in_range
from skills.sources._eurostat_formats import (
    EUROSTAT_FLAGS,
    MAX_ABS_VALUE,
    _decode,
    _parse_sdmx_csv,
    _parse_tsv,
    normalise_period,
)

__all__ = [
    "EUROSTAT_FLAGS",
    "MAX_ABS_VALUE",
    "EurostatTable",
    "load_eurostat",
    "normalise_period",
    "read_eurostat",
]
_DATASET_CODE_RE = re.compile(r"^[A-Za-z][A-Za-z0-9_$]*$")


@dataclass(frozen=True)
class EurostatTable:
    """A Eurostat table read into the tidy shape, with what a manifest needs to know.

    Attributes
    ----------
    frame
        The tidy table (see the module docstring), as a LazyFrame.
    dimensions
        The dimension columns, in the source's order (``freq`` excluded).
    format
        ``"tsv"`` (bulk or API TSV) or ``"sdmx-csv"``.
    source
        The path or URL the table came from.
    path
        The local file that was read (the cache file for a fetched dataset).
    sha256, bytes
        Digest and size of the file as stored (compressed, for ``.gz``).
    dataset
        Lower-case dataset code when the file says it (SDMX-CSV ``DATAFLOW``) or when it
        was fetched by code; otherwise ``None``.
    last_update
        Eurostat's ``LAST UPDATE`` (the dataset's vintage) as ISO 8601, when known.
    rows
        Number of observations (rows of :attr:`frame`).
    fetched
        Details of the download for a fetched dataset (URL, time, cache use).
    """

    frame: pl.LazyFrame
    dimensions: tuple[str, ...]
    format: Literal["tsv", "sdmx-csv"]
    source: str
    path: Path
    sha256: str
    bytes: int
    dataset: str | None
    last_update: str | None
    rows: int
    fetched: Mapping[str, object] = field(default_factory=dict)


def read_eurostat(
    source: str | Path,
    *,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    start_period: str | None = None,
    end_period: str | None = None,
    offline: bool | None = None,
    cache_dir: Path | None = None,
) -> pl.LazyFrame:
    """Read a Eurostat table (file or dataset code) into the tidy shape.

    Parameters
    ----------
    source
        A path to a bulk TSV (``.tsv``, ``.tsv.gz``) or SDMX-CSV (``.csv``, ``.csv.gz``)
        file, or a Eurostat dataset code such as ``"lfst_r_lfu3rt"`` to fetch from the
        dissemination API through the cache.
    filters
        Keep only these dimension values, e.g. ``{"geo": ["ITC1", "ITC11"], "sex": "T"}``.
        For a dataset code they are also sent to the API so that less is downloaded.
    start_period, end_period
        Keep only periods that overlap this closed range, compared as typed periods
        (:mod:`skills.periods`): ``"2020-Q3"`` keeps the year 2020 of an annual table.
    offline
        For a dataset code: use only the cache (default: the ``SKILLS_OFFLINE`` variable).
    cache_dir
        For a dataset code: the cache folder (default: see
        :func:`skills.sources.eurostat_api.default_cache_dir`).

    Returns
    -------
    polars.LazyFrame
        Dimension columns (String), ``period`` (String), ``value`` (Float64), ``flag``
        (String).

    Raises
    ------
    skills.errors.InputError
        When the content is not a well-formed Eurostat table; the message names the file,
        the line and the column.
    skills.errors.ConfigError
        When the file does not exist, or a dataset cannot be fetched or found in the cache.

    Examples
    --------
    >>> lf = read_eurostat("tgs00010.tsv", filters={"geo": "ITC1"})  # doctest: +SKIP
    >>> lf.collect().columns  # doctest: +SKIP
    ['unit', 'age', 'sex', 'geo', 'period', 'value', 'flag']
    """
    return load_eurostat(
        source,
        filters=filters,
        start_period=start_period,
        end_period=end_period,
        offline=offline,
        cache_dir=cache_dir,
    ).frame


def load_eurostat(
    source: str | Path,
    *,
    filters: Mapping[str, str | Sequence[str]] | None = None,
    start_period: str | None = None,
    end_period: str | None = None,
    offline: bool | None = None,
    cache_dir: Path | None = None,
) -> EurostatTable:
    """Read a Eurostat table like :func:`read_eurostat`, keeping its provenance.

    Returns an :class:`EurostatTable` whose ``frame`` is what :func:`read_eurostat`
    returns and whose other fields (path, sha256, bytes, vintage) go into manifests.
    """
    fetched: dict[str, object] = {}
    dataset: str | None = None
    if _is_dataset_code(source):
        from skills.sources.eurostat_api import fetch_eurostat

        dataset = str(source).lower()
        result = fetch_eurostat(
            dataset,
            filters=filters,
            start_period=start_period,
            end_period=end_period,
            cache_dir=cache_dir,
            offline=offline if offline is not None else False,
        )
        path = result.path
        label = result.url
        fetched = {
            "url": result.url,
            "fetched_at": result.fetched_at,
            "from_cache": result.from_cache,
        }
    else:
        path = Path(source)
        label = str(path)
        if not path.is_file():
            raise ConfigError("file not found (a Eurostat table was expected here)", file=path)

    raw = path.read_bytes()
    text = _decode(raw, label)
    first_line = text.split("\n", 1)[0]
    if "\t" in first_line:
        fmt: Literal["tsv", "sdmx-csv"] = "tsv"
        frame, dims, last_update, file_dataset = _parse_tsv(text, label)
    elif any(word in first_line for word in ("OBS_VALUE", "TIME_PERIOD", "DATAFLOW")):
        fmt = "sdmx-csv"
        frame, dims, last_update, file_dataset = _parse_sdmx_csv(text, label)
    else:
        raise InputError(
            label,
            "not a Eurostat table: the header is neither bulk TSV (first cell like "
            "'unit,geo\\time') nor SDMX-CSV (with TIME_PERIOD and OBS_VALUE columns); "
            f"it starts with {first_line[:80]!r}",
            line=1,
        )

    frame = _select_frequency(frame, label, filters)
    frame = _apply_filters(
        frame, dims, label, filters=filters, start_period=start_period, end_period=end_period
    ).drop("_line", "_col")
    return EurostatTable(
        frame=frame.lazy(),
        dimensions=dims,
        format=fmt,
        source=label,
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        bytes=len(raw),
        dataset=dataset or file_dataset,
        last_update=last_update,
        rows=frame.height,
        fetched=fetched,
    )


# --------------------------------------------------------------------------- helpers


def _is_dataset_code(source: str | Path) -> bool:
    if isinstance(source, Path):
        return False
    if "/" in source or "\\" in source or "." in source:
        return False
    return bool(_DATASET_CODE_RE.match(source)) and not Path(source).exists()


def _apply_filters(
    frame: pl.DataFrame,
    dims: tuple[str, ...],
    label: str,
    *,
    filters: Mapping[str, str | Sequence[str]] | None,
    start_period: str | None,
    end_period: str | None,
) -> pl.DataFrame:
    if filters:
        for dim, wanted in filters.items():
            name = dim.lower()
            if name == "freq":
                continue
            if name not in dims:
                raise ConfigError(
                    f"filter on unknown dimension {dim!r}; this table has {', '.join(dims)}",
                    file=label,
                )
            values = [wanted] if isinstance(wanted, str) else list(wanted)
            frame = frame.filter(pl.col(name).is_in(values))
    if start_period is not None or end_period is not None:
        # Typed, not string, comparison: "2020-Q3" keeps the year 2020 (skills.periods).
        try:
            keep = period_in_range(frame["period"], start_period, end_period)
        except ValueError as exc:
            raise ConfigError(f"start_period / end_period: {exc}", file=label) from exc
        frame = frame.filter(keep)
    return frame


def _select_frequency(
    frame: pl.DataFrame, label: str, filters: Mapping[str, str | Sequence[str]] | None
) -> pl.DataFrame:
    """Keep the frequencies a ``freq`` filter asks for; refuse a table that mixes several.

    A table whose periods are of two kinds (``2024`` and ``2025-Q2``: period columns of a
    TSV, ``TIME_PERIOD`` values or ``freq`` values of SDMX-CSV) would add quarters to
    years downstream; it is an :class:`InputError` naming an example row, unless the spec
    selects one frequency (``filters = { freq = "A" }``).
    """
    kinds_of = {p: frequency_of(p) for p in frame["period"].unique().to_list() if p}
    frame = frame.with_columns(
        pl.col("period")
        .replace_strict(kinds_of, default=None, return_dtype=pl.String)
        .alias("_freq")
    )
    wanted = {k.lower(): v for k, v in (filters or {}).items()}.get("freq")
    if wanted is not None:
        values = {w.upper() for w in ([wanted] if isinstance(wanted, str) else wanted)}
        frame = frame.filter(pl.col("_freq").is_in(sorted(values)))
    counts = frame.group_by("_freq").agg(pl.len()).sort("len", "_freq", nulls_last=True)
    if counts.height > 1:
        minority = counts.row(0, named=True)
        example = frame.filter(
            (pl.col("_freq") == minority["_freq"]) & pl.col("value").is_not_null()
        ).sort("_line")
        if not example.height:
            example = frame.filter(pl.col("_freq") == minority["_freq"]).sort("_line")
        first = example.row(0, named=True)
        kinds = ", ".join(
            f"{FREQUENCY_NAMES.get(str(f), f)} ({n} rows)"
            for f, n in zip(counts["_freq"].to_list(), counts["len"].to_list(), strict=True)
        )
        raise InputError(
            label,
            f"mixes period frequencies: {kinds}; e.g. period {first['period']} "
            f"(frequency {first['_freq']}) on this line. Quarters or months added to years "
            'would be wrong numbers: select one with filters = { freq = "A" } in the spec',
            line=int(first["_line"]),
            column=str(first["_col"]),
        )
    return frame.drop("_freq")
