"""Code lists and crosswalks shipped with the package, and pure helpers that use them.

Every list is a CSV file in ``skills/classifications/data`` written by the skills
developers from the official publication (see ``VERSIONS.toml`` there and
``docs/classifications.md``); the test suite compares them with reference extracts.

Loaders
-------
Each loader reads its file once per process (``functools.cache``) and returns a fresh
:class:`polars.DataFrame` clone, so callers may modify what they get.

* :func:`isco08_groups` - ISCO-08 major, sub-major and minor groups, with the OECD skill
  group (OECD Employment Outlook 2017) and the ILO skill level range (ISCO-08 vol. I).
* :func:`isced11`, :func:`education_levels_it` - ISCED 2011 levels and Eurostat
  aggregates; the education levels of the Excelsior survey.
* :func:`nuts_regions`, :func:`nuts_recodes` - Italian NUTS codes 2006-2021 and the
  changes between consecutive versions.
* :func:`istat_provinces_nuts3` - ISTAT province codes (the numbering boundary files use)
  and their NUTS 3 (2021) codes, for the 107 provinces of 2023.
* :func:`nace_r2` - NACE Rev. 2 sections and the Eurostat aggregates of LFS and JVS tables.
* :func:`its_areas`, :func:`its_area_map` - ITS Academy technology areas (2008 and 2023
  schemes) and the mapping between them.
* :func:`its_isco08_crosswalk`, :func:`read_its_isco08_crosswalk`,
  :func:`available_crosswalks` - the versioned ITS area to ISCO-08 crosswalk (shipped or
  user-supplied), validated.
* :func:`iscedf13_fields`, :func:`iscedf13_its_area_map` - ISCED-F 2013 fields of
  education (broad and narrow) and the versioned map of narrow fields to ITS areas, with
  the share of each field's ISCED 5-6 graduates taken as competing supply.

Pure helpers
------------
:func:`normalise_isco08`, :func:`isco08_to_eurostat`, :func:`isco08_major` (Polars
expressions); :func:`map_its_area_2008_to_2023` and :func:`recode_nuts` (frame in, frame
out, no I/O beyond the cached loaders).

Modules
-------
One module per code system, all re-exported here (import from ``skills.classifications``):
``isco`` (ISCO-08), ``isced`` (ISCED 2011, ISCED-F 2013 and its ITS area map, Excelsior
levels), ``nuts`` (NUTS, ISTAT provinces, :func:`recode_nuts`), ``nace`` (NACE Rev. 2),
``its`` (ITS areas), ``crosswalk`` (ITS area -> ISCO-08); ``_shipped`` reads the CSV files.
Imports run one way: ``crosswalk`` uses ``isco`` and ``its``; ``isced`` uses ``its`` and
``crosswalk``; all use ``_shipped``.
"""

from __future__ import annotations

from skills.classifications.crosswalk import (
    CROSSWALK_COLUMNS,
    DEFAULT_CROSSWALK,
    WEIGHT_TOLERANCE,
    available_crosswalks,
    its_isco08_crosswalk,
    read_its_isco08_crosswalk,
)
from skills.classifications.isced import (
    DEFAULT_FIELD_MAP,
    education_levels_it,
    isced11,
    iscedf13_fields,
    iscedf13_its_area_map,
)
from skills.classifications.isco import (
    isco08_groups,
    isco08_major,
    isco08_to_eurostat,
    normalise_isco08,
)
from skills.classifications.its import (
    ITS_SCHEMES,
    its_area_map,
    its_areas,
    map_its_area_2008_to_2023,
)
from skills.classifications.nace import nace_r2
from skills.classifications.nuts import (
    NUTS_VERSIONS,
    istat_provinces_nuts3,
    nuts_recodes,
    nuts_regions,
    recode_nuts,
)

__all__ = [
    "CROSSWALK_COLUMNS",
    "DEFAULT_CROSSWALK",
    "DEFAULT_FIELD_MAP",
    "ITS_SCHEMES",
    "NUTS_VERSIONS",
    "WEIGHT_TOLERANCE",
    "available_crosswalks",
    "education_levels_it",
    "isced11",
    "iscedf13_fields",
    "iscedf13_its_area_map",
    "isco08_groups",
    "isco08_major",
    "isco08_to_eurostat",
    "istat_provinces_nuts3",
    "its_area_map",
    "its_areas",
    "its_isco08_crosswalk",
    "map_its_area_2008_to_2023",
    "nace_r2",
    "normalise_isco08",
    "nuts_recodes",
    "nuts_regions",
    "read_its_isco08_crosswalk",
    "recode_nuts",
]
