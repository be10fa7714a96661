"""File hashing and atomic, durable writes: the one copy the package uses.

* :func:`file_sha256` - the SHA-256 of a file, read in 1 MiB blocks;
* :func:`atomic_path` - a temporary path beside the target; what is written there
  replaces the target (fsync, :func:`os.replace`, fsync of the folder) only when the
  block ends without an error, and is removed otherwise, so a reader never sees a
  partial file and a failed write never replaces a good copy;
* :func:`atomic_write_bytes` - :func:`atomic_path` for bytes already in memory;
* :func:`fsync_file`, :func:`fsync_dir` - make a file's contents, and a rename inside
  a folder, survive a crash;
* :func:`cache_dir` - where the package keeps a rebuildable cache (Eurostat downloads,
  the Vega bundle), for a person or a service user without a home folder.

Standard library only, so that any module (and a worker process that must not load
Polars) can import it.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = [
    "CACHE_ENV",
    "atomic_path",
    "atomic_write_bytes",
    "cache_dir",
    "file_sha256",
    "fsync_dir",
    "fsync_file",
]

#: Environment variable naming the package's cache folder (one sub-folder per cache).
CACHE_ENV = "SKILLS_CACHE_DIR"

_BLOCK = 1 << 20


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file (hex), read in 1 MiB blocks.

    Parameters
    ----------
    path
        The file to hash.

    Returns
    -------
    str
        64 lower-case hex digits.
    """
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def fsync_file(path: str | Path) -> None:
    """Flush a file's contents to disk."""
    with Path(path).open("rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: str | Path) -> None:
    """Flush a folder's entries to disk, so that a rename inside it survives a crash.

    A no-op where folders cannot be opened for reading (not POSIX); an error of the
    flush itself is raised.
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: str | Path, *, fsync: bool = True) -> Iterator[Path]:
    """A temporary path in ``path``'s folder that replaces ``path`` when the block succeeds.

    The caller writes (or has a library write) the whole file to the yielded path. On a
    normal exit the file is fsynced and renamed over ``path`` with :func:`os.replace`,
    and the folder is fsynced; on an exception the temporary file is removed and
    ``path`` is left as it was. The folder is created if needed.

    ``fsync=False`` keeps the rename (no reader sees a partial file) but skips both
    flushes: for files inside a folder that is flushed as a whole later (a publication
    being written, :func:`skills.publish.promote`) or that can be rebuilt (a cache).

    Examples
    --------
    >>> with atomic_path(out) as tmp:  # doctest: +SKIP
    ...     frame.write_parquet(tmp)
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    try:
        yield tmp
        if fsync:
            fsync_file(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
    if fsync:
        fsync_dir(target.parent)


def atomic_write_bytes(path: str | Path, data: bytes, *, fsync: bool = True) -> None:
    """Write ``data`` to ``path`` atomically (and durably unless ``fsync=False``).

    See :func:`atomic_path`.
    """
    with atomic_path(path, fsync=fsync) as tmp:
        tmp.write_bytes(data)


def cache_dir(name: str, *, env_is_folder: bool = False) -> Path:
    """The folder of the package's cache ``name`` (not created here).

    ``$SKILLS_CACHE_DIR/<name>`` if the variable is set (the variable itself when
    ``env_is_folder``: the Eurostat cache's historical meaning), else
    ``$XDG_CACHE_HOME/skills/<name>``, else ``~/.cache/skills/<name>``. Empty variables
    count as unset and a relative ``XDG_CACHE_HOME`` is ignored, as the XDG
    base-directory specification asks.

    Raises
    ------
    RuntimeError
        When none of these can be resolved (a service user with no home folder and
        neither variable set); the message names the variable to set.
    """
    env = os.environ.get(CACHE_ENV, "").strip()
    if env:
        base = Path(env).expanduser()
        return base if env_is_folder else base / name
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "skills" / name
    try:
        home = Path.home()
    except RuntimeError as exc:  # no HOME and no passwd entry
        raise RuntimeError(
            f"no folder for the {name} cache: this user has no home folder; set "
            f"{CACHE_ENV} (or XDG_CACHE_HOME) to a writable folder"
        ) from exc
    return home / ".cache" / "skills" / name
