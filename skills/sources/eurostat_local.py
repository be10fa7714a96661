"""Local Eurostat files for ``eurostat = "<code>"`` sources: a folder read before the cache.

A pipeline can run on Eurostat files that are already on disk (bulk downloads, SDMX-CSV
exports, the shared fixtures) instead of asking the dissemination API: give the folder
with ``skills refresh --eurostat-dir DIR`` or ``eurostat_dir = "DIR"`` under
``[pipeline]`` (relative to the spec). Each ``eurostat = "<code>"`` source is then looked
up in that folder first, and only a code with no file there goes to the API cache.

The matching rule (file names compared in lower case, in that folder only, not below):

1. **Exact**: ``<code>.tsv``, ``<code>.tsv.gz``, ``<code>.csv`` or ``<code>.csv.gz``.
   One such file is used; two (``lfsa_egai2d.csv`` and ``lfsa_egai2d.tsv``) are an
   error that lists them.
2. **Prefixed**, when there is no exact name: ``<code>_<anything>`` with one of those
   extensions, e.g. ``lfst_r_lfu3rt_snap2014_it_bench.tsv``. One such file is used;
   several are an error that lists them (rename one to ``<code>.tsv`` to choose it).
3. Otherwise the code is not in the folder and the source is fetched through the cache
   (offline: read from the cache).

The file used, its SHA-256 and its size go into the manifest's ``inputs`` like any other
input, with ``"local_file": true``.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from skills.errors import ConfigError
from skills.spec import PipelineSpec, SourceSpec

__all__ = ["EXTENSIONS", "find_local_dataset", "resolve_eurostat_dir"]

#: File endings a local Eurostat file may have (bulk TSV or SDMX-CSV, gzipped or not).
EXTENSIONS = (".tsv", ".tsv.gz", ".csv", ".csv.gz")


def _stem(name: str) -> str | None:
    """The name without one of :data:`EXTENSIONS`, or None if it has none of them."""
    lower = name.lower()
    for ext in sorted(EXTENSIONS, key=len, reverse=True):
        if lower.endswith(ext) and len(lower) > len(ext):
            return lower[: -len(ext)]
    return None


def find_local_dataset(code: str, directory: Path) -> Path | None:
    """The file of Eurostat dataset ``code`` in ``directory``, by the module's rule.

    Parameters
    ----------
    code
        The dataset code (any case), e.g. ``"lfst_r_lfu3rt"``.
    directory
        The folder to look in (not recursively).

    Returns
    -------
    pathlib.Path or None
        The one matching file, or None when the folder has no file for ``code``.

    Raises
    ------
    skills.errors.ConfigError
        When the folder does not exist, or when several files match at the same step
        (the message lists them).
    """
    if not directory.is_dir():
        raise ConfigError(
            "the Eurostat folder (--eurostat-dir or [pipeline] eurostat_dir) does not exist "
            "or is not a folder",
            file=directory,
        )
    code = code.lower()
    exact: list[Path] = []
    prefixed: list[Path] = []
    for path in sorted(directory.iterdir()):
        stem = _stem(path.name)
        if stem is None or not path.is_file():
            continue
        if stem == code:
            exact.append(path)
        elif stem.startswith(code + "_"):
            prefixed.append(path)
    for found, how in ((exact, f"{code}.tsv/.csv"), (prefixed, f"{code}_*.tsv/.csv")):
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise ConfigError(
                f"dataset {code}: {len(found)} files in the Eurostat folder match {how} "
                f"({names}); keep one, or rename the one to use to {code}.tsv (or .csv)",
                file=directory,
            )
    return None


def resolve_eurostat_dir(spec: PipelineSpec, directory: Path | None = None) -> PipelineSpec:
    """``spec`` with each ``eurostat = "<code>"`` source found in a local folder read from it.

    Parameters
    ----------
    spec
        A loaded spec.
    directory
        The folder (``--eurostat-dir``); None uses the spec's ``[pipeline] eurostat_dir``,
        and with neither the spec is returned unchanged.

    Returns
    -------
    PipelineSpec
        The spec whose matched sources carry ``path`` (the local file) beside their
        ``eurostat`` code; their filters and periods still apply.
    """
    folder = directory if directory is not None else spec.eurostat_dir
    if folder is None:
        return spec
    folder = Path(folder)
    if not folder.is_dir():
        raise ConfigError(
            "the Eurostat folder (--eurostat-dir or [pipeline] eurostat_dir) does not exist "
            "or is not a folder",
            file=folder,
        )
    sources: dict[str, SourceSpec] = {}
    for role, src in spec.sources.items():
        found = None
        if src.kind == "eurostat" and src.path is None and src.eurostat:
            try:
                found = find_local_dataset(src.eurostat, folder)
            except ConfigError as exc:
                raise ConfigError(
                    f"[sources.{role}] eurostat = {src.eurostat!r}: {exc}", file=spec.path
                ) from exc
        sources[role] = src if found is None else replace(src, path=found.absolute())
    return replace(spec, sources=sources, eurostat_dir=folder.resolve())
