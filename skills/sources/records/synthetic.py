"""Deterministic synthetic scale data: labour-force person records and job-ad records.

``generate(kind, rows, out_dir, seed)`` writes one Parquet file of ``rows`` records,
generated in chunks of ``row_group_rows`` with NumPy (memory stays bounded by one chunk,
about 100 MB per million rows) and written one row group per chunk. The same
``(kind, rows, seed, encoding, row_group_rows)`` gives the same bytes with the same
pyarrow version: every chunk draws from its own generator seeded by
``(seed, kind, chunk)``.

Everything here is **synthetic scale data** for benchmarks and tests, shaped like the
real sources but not calibrated to them; see :mod:`skills.sources.records.codes` for the code lists
(partly synthetic).

Encodings
---------
``codes`` (default)
    Every coded column is a small unsigned integer, as in EU-LFS microdata files: an
    index into the code list stored in the file's metadata (``geo_*``, ``period``,
    ``sex``, ``status``, ``education_level``, ``contract``), the ISCO-08 code itself as
    a number (``2512``; ``110`` is ``0110``) or the ISCED level number (0-8). Readers
    get integers; :func:`~skills.sources.records.metadata.file_info` returns the code
    lists to decode them.
``strings``
    The same codes as text, stored as Arrow dictionary arrays (a dictionary page and
    bit-packed indices per column chunk); readers get categoricals (pandas ``category``,
    Polars ``Categorical``). Kept to measure what the integer encoding saves: reading a
    dictionary column into Polars categoricals costs about as much as the group-by.

Files
-----
``lfs_<rows>_s<seed>[_strings].parquet`` - one row per person and quarter, like EU-LFS
microdata (codes encoding; the strings encoding writes the codes as text):

===========  =======  ==================================================================
column       type     content
===========  =======  ==================================================================
person_id    int64    0, 1, 2, ...
geo_nuts2    uint8    index into the 244 NUTS 2021 regions (``codes.NUTS2_CODES``)
period       uint8    index into ``2019-Q1`` ... ``2023-Q4``
sex          uint8    index into ``F``, ``M``
age          int8     15 ... 74
status       uint8    index into ``employed``, ``unemployed``, ``inactive``
isco08       uint16   ISCO-08 unit group (4-digit code): the job of the employed,
                      the last job of 70% of the unemployed; null otherwise
isced11      uint8    ISCED 2011 level 0-8 (``ED0`` ... ``ED8``)
weight       double   persons represented; multiples of 1/64, so every weighted sum is
                      exact in float64 whatever the order of summation
===========  =======  ==================================================================

``job_ads_<rows>_s<seed>[_strings].parquet`` - one row per online job advertisement:

===============  =============  ============================================================
column           type           content
===============  =============  ============================================================
ad_id            int64          0, 1, 2, ...
posted_on        timestamp[ms]  the posting day, 2020-01-01 ... 2024-12-31, at midnight (a
                                timestamp rather than a date32, so that pandas reads
                                datetime64 values rather than Python date objects)
geo_nuts3        uint8          index into the 107 Italian NUTS 2021 provinces
isco08           uint16         ISCO-08 unit group (4-digit code)
education_level  uint8          index into the Excelsior levels; null = not stated
contract         uint8          index into ``apprenticeship``, ``fixed_term``, ...
===============  =============  ============================================================

The file's key-value metadata ``skills.records`` (JSON; ``skills.bench`` in files written
by earlier versions, still read) holds kind, rows, seed, encoding, generator version and the code
lists: see :mod:`skills.sources.records.metadata`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import numpy as np
import numpy.typing as npt

from skills._fileio import atomic_path
from skills.sources.records.codes import (
    CONTRACTS,
    EDUCATION_LEVELS,
    ISCED_LEVELS,
    NUTS2_CODES,
    SEXES,
    STATUSES,
    isco08_units,
    nuts3_codes,
)
from skills.sources.records.metadata import META_KEY, file_info

__all__ = [
    "DEFAULT_SEED",
    "ENCODINGS",
    "GENERATOR_VERSION",
    "KINDS",
    "LABEL",
    "ROW_GROUP_ROWS",
    "data_path",
    "generate",
]

KINDS: Final[tuple[str, ...]] = ("job_ads", "lfs")
ENCODINGS: Final[tuple[str, ...]] = ("codes", "strings")
DEFAULT_SEED: Final = 20_260_701
#: Rows per chunk and per Parquet row group.
ROW_GROUP_ROWS: Final = 1_000_000
GENERATOR_VERSION: Final = "5"
LABEL: Final = "synthetic scale data"

LFS_QUARTERS: Final[tuple[str, ...]] = tuple(
    f"{y}-Q{q}" for y in range(2019, 2024) for q in range(1, 5)
)
JOB_AD_FIRST_MONTH: Final = "2020-01"
JOB_AD_MONTHS: Final = 60
_MS_PER_DAY: Final = 86_400_000
#: How a numeric code column reads (recorded in the file's metadata).
_NUMERIC: Final[dict[str, str]] = {
    "isco08": "ISCO-08 code as an integer: zero-pad to 4 digits (110 is 0110)",
    "isced11": "ISCED 2011 level 0-8: ED<level>",
}

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]

# Education asked by an ad, by ISCO major group 0-9: compulsory, its_academy, university,
# upper_secondary, vocational_qualification, not stated (null).
_EDU_BY_MAJOR: Final = np.array(
    [
        [0.05, 0.02, 0.20, 0.50, 0.08, 0.15],
        [0.02, 0.05, 0.55, 0.25, 0.03, 0.10],
        [0.01, 0.04, 0.75, 0.08, 0.02, 0.10],
        [0.03, 0.15, 0.25, 0.40, 0.07, 0.10],
        [0.05, 0.05, 0.15, 0.55, 0.10, 0.10],
        [0.20, 0.02, 0.04, 0.35, 0.19, 0.20],
        [0.40, 0.02, 0.03, 0.15, 0.15, 0.25],
        [0.25, 0.05, 0.02, 0.20, 0.33, 0.15],
        [0.30, 0.04, 0.01, 0.20, 0.25, 0.20],
        [0.55, 0.00, 0.01, 0.10, 0.09, 0.25],
    ]
)
# ISCO major group 0-9 of a job, by ISCED group (0-2, 3-4, 5-8).
_MAJOR_BY_ISCED: Final = np.array(
    [
        [0.002, 0.02, 0.02, 0.06, 0.07, 0.25, 0.05, 0.20, 0.13, 0.198],
        [0.005, 0.05, 0.07, 0.18, 0.14, 0.22, 0.03, 0.14, 0.09, 0.075],
        [0.005, 0.08, 0.45, 0.22, 0.10, 0.08, 0.01, 0.03, 0.015, 0.01],
    ]
)
_ISCED_P: Final = np.array([0.01, 0.05, 0.22, 0.38, 0.05, 0.02, 0.10, 0.15, 0.02])
_CONTRACT_P: Final = np.array([0.05, 0.50, 0.10, 0.35])


def data_path(
    kind: str,
    rows: int,
    out_dir: str | Path,
    seed: int = DEFAULT_SEED,
    *,
    encoding: str = "codes",
) -> Path:
    """Where :func:`generate` writes ``kind`` at ``rows`` rows, ``seed`` and ``encoding``."""
    _check(kind, encoding)
    suffix = "" if encoding == "codes" else f"_{encoding}"
    return Path(out_dir) / f"{kind}_{rows}_s{seed}{suffix}.parquet"


def _check(kind: str, encoding: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: use one of {', '.join(KINDS)}")
    if encoding not in ENCODINGS:
        raise ValueError(f"unknown encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")


def generate(
    kind: str,
    rows: int,
    out_dir: str | Path,
    seed: int = DEFAULT_SEED,
    *,
    encoding: str = "codes",
    row_group_rows: int = ROW_GROUP_ROWS,
    overwrite: bool = False,
) -> Path:
    """Write ``rows`` synthetic records of ``kind`` (``lfs`` or ``job_ads``) as Parquet.

    Parameters
    ----------
    kind
        ``lfs`` (labour-force person records) or ``job_ads`` (job advertisements).
    rows
        Number of records (>= 1).
    out_dir
        Folder to write into (created if needed); the file name is
        :func:`data_path` ``(kind, rows, out_dir, seed, encoding=encoding)``.
    seed
        Seed of the generator: the same seed gives the same bytes.
    encoding
        ``codes`` (small integers with code lists in the metadata) or ``strings``
        (dictionary-encoded text); both hold the same records.
    row_group_rows
        Rows generated per chunk and written per Parquet row group; memory use is
        proportional to it.
    overwrite
        Regenerate even when a file written by the same generator version with the same
        parameters is already there (it is reused otherwise).

    Returns
    -------
    pathlib.Path
        The Parquet file. It is written under a temporary name and renamed into place,
        so an interrupted run never leaves a partial file under the final name.
    """
    import pyarrow as pa  # type: ignore[import-untyped]
    import pyarrow.parquet as pq  # type: ignore[import-untyped]

    _check(kind, encoding)
    if rows < 1 or row_group_rows < 1:
        raise ValueError("rows and row_group_rows must be at least 1")
    path = data_path(kind, rows, out_dir, seed, encoding=encoding)
    columns = _LFS_COLUMNS if kind == "lfs" else _job_ads_columns()
    info: dict[str, Any] = {
        "kind": kind,
        "rows": rows,
        "seed": seed,
        "encoding": encoding,
        "row_group_rows": row_group_rows,
        "generator_version": GENERATOR_VERSION,
        "label": LABEL,
        "codes": {name: list(codes) for name, (role, codes) in columns.items() if role == "index"},
        "numeric": {
            name: _NUMERIC[role] for name, (role, _) in columns.items() if role in _NUMERIC
        },
    }
    if path.exists() and not overwrite and file_info(path) == info:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    kind_id = KINDS.index(kind)
    make_chunk = (_lfs_chunk_maker if kind == "lfs" else _job_ads_chunk_maker)(seed, kind_id)
    schema = pa.schema([_field(name, spec, encoding) for name, spec in columns.items()])
    schema = schema.with_metadata({META_KEY: json.dumps(info, sort_keys=True).encode()})
    with (
        atomic_path(path) as tmp,
        pq.ParquetWriter(
            tmp, schema, compression="zstd", compression_level=1, write_statistics=True
        ) as writer,
    ):
        for chunk, start in enumerate(range(0, rows, row_group_rows)):
            n = min(row_group_rows, rows - start)
            rng = np.random.default_rng([seed, kind_id, 1, chunk])
            values = make_chunk(rng, start, n)
            arrays = [_array(values[name], spec, encoding) for name, spec in columns.items()]
            writer.write_table(pa.Table.from_arrays(arrays, schema=schema), row_group_size=n)
    return path


# ----------------------------------------------------------------------------- columns
# Each column: (role, code list). Roles: "index" (an index into the code list),
# "isco08" (the ISCO-08 code as a number), "isced11" (the ISCED level number), or a
# plain Arrow type name ("int64", "int8", "float64", "timestamp_ms").
ColumnSpec = tuple[str, tuple[str, ...]]

_LFS_COLUMNS: Final[dict[str, ColumnSpec]] = {
    "person_id": ("int64", ()),
    "geo_nuts2": ("index", NUTS2_CODES),
    "period": ("index", LFS_QUARTERS),
    "sex": ("index", SEXES),
    "age": ("int8", ()),
    "status": ("index", STATUSES),
    "isco08": ("isco08", ()),
    "isced11": ("isced11", ISCED_LEVELS),
    "weight": ("float64", ()),
}


def _job_ads_columns() -> dict[str, ColumnSpec]:
    return {
        "ad_id": ("int64", ()),
        "posted_on": ("timestamp_ms", ()),
        "geo_nuts3": ("index", nuts3_codes()),
        "isco08": ("isco08", ()),
        "education_level": ("index", EDUCATION_LEVELS),
        "contract": ("index", CONTRACTS),
    }


def _field(name: str, spec: ColumnSpec, encoding: str) -> Any:
    import pyarrow as pa

    role, codes = spec
    nullable = name in {"isco08", "education_level"}
    if role in {"index", "isco08", "isced11"}:
        if encoding == "strings":
            width = pa.int8() if role != "isco08" and len(codes) < 128 else pa.int16()
            typ = pa.dictionary(width, pa.string())
        else:
            typ = pa.uint8() if role != "isco08" and len(codes) < 256 else pa.uint16()
    else:
        typ = {
            "int64": pa.int64(),
            "int8": pa.int8(),
            "float64": pa.float64(),
            "timestamp_ms": pa.timestamp("ms"),
        }[role]
    return pa.field(name, typ, nullable=nullable)


def _array(values: tuple[Any, BoolArray | None], spec: ColumnSpec, encoding: str) -> Any:
    """One chunk's column: integer ``values`` (and a null mask) in the given encoding."""
    import pyarrow as pa

    data, null = values
    role, codes = spec
    if role not in {"index", "isco08", "isced11"}:
        if role == "timestamp_ms":
            return pa.array(data * _MS_PER_DAY, pa.timestamp("ms"))
        return pa.array(data, {"int64": pa.int64(), "int8": pa.int8()}.get(role))
    if encoding == "codes":
        width = pa.uint8() if role != "isco08" and len(codes) < 256 else pa.uint16()
        return pa.array(data.astype(width.to_pandas_dtype()), type=width, mask=null)
    if role == "isco08":
        # The dictionary holds the distinct codes of the chunk, in numeric order.
        used, idx = np.unique(data, return_inverse=True)
        codes = tuple(f"{int(c):04d}" for c in used)
        data = idx
    width = pa.int8() if len(codes) < 128 else pa.int16()
    indices = pa.array(data.astype(width.to_pandas_dtype()), type=width, mask=null)
    return pa.DictionaryArray.from_arrays(indices, pa.array(codes, pa.string()))


# ----------------------------------------------------------------------------- sampling
def _draw(rng: np.random.Generator, cdf: FloatArray, n: int) -> IntArray:
    """Indices drawn with probabilities whose cumulative sum is ``cdf`` (last = 1)."""
    out = np.searchsorted(cdf, rng.random(n), side="right")
    return np.minimum(out, len(cdf) - 1).astype(np.int64)


def _draw_rows(rng: np.random.Generator, cdf_rows: FloatArray, which: IntArray) -> IntArray:
    """For each row ``i``, an index drawn from the cumulative row ``cdf_rows[which[i]]``."""
    u = rng.random(len(which))
    out: IntArray = (u[:, None] >= cdf_rows[which][:, :-1]).sum(axis=1).astype(np.int64)
    return out


def _cdf(weights: FloatArray) -> FloatArray:
    c = np.cumsum(weights / weights.sum())
    c[-1] = 1.0
    return c


class _UnitSampler:
    """ISCO-08 unit groups drawn within a given major group, by fixed unit weights."""

    def __init__(self, meta: np.random.Generator, sigma: float) -> None:
        units = isco08_units()
        self.code = np.array([int(u) for u in units], dtype=np.int64)
        self.major_of = np.array([int(u[0]) for u in units], dtype=np.int64)
        weights = meta.lognormal(0.0, sigma, len(units))
        self.cum = np.concatenate([[0.0], np.cumsum(weights)])
        self.start = np.searchsorted(self.major_of, np.arange(10), side="left")
        self.end = np.searchsorted(self.major_of, np.arange(10), side="right")

    def draw_within(self, rng: np.random.Generator, major: IntArray) -> IntArray:
        """Unit indices (into :func:`isco08_units`) drawn within each row's major group."""
        lo = self.cum[self.start[major]]
        hi = self.cum[self.end[major]]
        target = lo + rng.random(len(major)) * (hi - lo)
        idx = np.searchsorted(self.cum, target, side="right") - 1
        out: IntArray = np.clip(idx, self.start[major], self.end[major] - 1).astype(np.int64)
        return out


Chunk = dict[str, tuple[Any, BoolArray | None]]
ChunkMaker = Callable[[np.random.Generator, int, int], Chunk]


def _job_ads_chunk_maker(seed: int, kind_id: int) -> ChunkMaker:
    meta = np.random.default_rng([seed, kind_id, 0])
    geo_cdf = _cdf(meta.lognormal(0.0, 1.0, len(nuts3_codes())))
    m = np.arange(JOB_AD_MONTHS)
    month_cdf = _cdf((1 + 0.01 * m) * (1 + 0.15 * np.sin(2 * np.pi * m / 12)))
    first = np.datetime64(JOB_AD_FIRST_MONTH, "M")
    month_start = (first + m).astype("datetime64[D]").astype(np.int64)
    month_days = (first + m + 1).astype("datetime64[D]").astype(np.int64) - month_start
    units = _UnitSampler(meta, 1.3)
    unit_cdf = _cdf(np.diff(units.cum))
    edu_cdf = np.cumsum(_EDU_BY_MAJOR / _EDU_BY_MAJOR.sum(axis=1, keepdims=True), axis=1)
    contract_cdf = _cdf(_CONTRACT_P)
    not_stated = len(EDUCATION_LEVELS)

    def chunk(rng: np.random.Generator, start: int, n: int) -> Chunk:
        geo = _draw(rng, geo_cdf, n)
        month = _draw(rng, month_cdf, n)
        day = np.floor(rng.random(n) * month_days[month]).astype(np.int64)
        unit = _draw(rng, unit_cdf, n)
        edu = _draw_rows(rng, edu_cdf, units.major_of[unit])
        contract = _draw(rng, contract_cdf, n)
        return {
            "ad_id": (np.arange(start, start + n, dtype=np.int64), None),
            "posted_on": (month_start[month] + day, None),
            "geo_nuts3": (geo, None),
            "isco08": (units.code[unit], None),
            "education_level": (np.minimum(edu, not_stated - 1), edu == not_stated),
            "contract": (contract, None),
        }

    return chunk


def _lfs_chunk_maker(seed: int, kind_id: int) -> ChunkMaker:
    meta = np.random.default_rng([seed, kind_id, 0])
    n_geo = len(NUTS2_CODES)
    geo_cdf = _cdf(meta.lognormal(0.0, 0.9, n_geo))
    emp_rate = 0.50 + 0.25 * meta.random(n_geo)
    unemp_rate = 0.02 + 0.08 * meta.beta(2.0, 5.0, n_geo)
    scale = 100.0 + 1900.0 * meta.random(n_geo)
    isced_cdf = _cdf(_ISCED_P)
    isced_group = np.array([0, 0, 0, 1, 1, 2, 2, 2, 2])
    emp_shift = np.array([-0.15, 0.0, 0.12])
    major_cdf = np.cumsum(_MAJOR_BY_ISCED / _MAJOR_BY_ISCED.sum(axis=1, keepdims=True), axis=1)
    units = _UnitSampler(meta, 1.0)
    employed, unemployed, inactive = (STATUSES.index(s) for s in STATUSES)

    def chunk(rng: np.random.Generator, start: int, n: int) -> Chunk:
        geo = _draw(rng, geo_cdf, n)
        period = rng.integers(0, len(LFS_QUARTERS), n)
        sex = rng.integers(0, len(SEXES), n)
        age = rng.integers(15, 75, n)
        isced = _draw(rng, isced_cdf, n)
        group = isced_group[isced]
        p_emp = np.clip(emp_rate[geo] + emp_shift[group], 0.05, 0.95)
        u = rng.random(n)
        status = np.where(
            u < p_emp, employed, np.where(u < p_emp + unemp_rate[geo], unemployed, inactive)
        ).astype(np.int64)
        unit = units.draw_within(rng, _draw_rows(rng, major_cdf, group))
        has_job = (status == employed) | ((status == unemployed) & (rng.random(n) < 0.7))
        weight = np.round(scale[geo] * rng.lognormal(0.0, 0.25, n) * 64.0) / 64.0
        return {
            "person_id": (np.arange(start, start + n, dtype=np.int64), None),
            "geo_nuts2": (geo, None),
            "period": (period, None),
            "sex": (sex, None),
            "age": (age.astype(np.int8), None),
            "status": (status, None),
            "isco08": (units.code[unit], ~has_job),
            "isced11": (isced, None),
            "weight": (weight, None),
        }

    return chunk
