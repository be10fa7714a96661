"""File hashing and atomic, durable writes: the one copy the package uses.

* :func:`file_sha256` - the SHA-256 of a file, read in 1 MiB blocks;
* :func:`atomic_path` - a temporary path beside the target; what is written there
  replaces the target (fsync, :func:`os.replace`, fsync of the folder) only when the
  block ends without an error, and is removed otherwise, so a reader never sees a
  partial file and a failed write never replaces a good copy;
* :func:`atomic_write_bytes` - :func:`atomic_path` for bytes already in memory;
* :func:`fsync_file`, :func:`fsync_dir` - make a file's contents, and a rename inside
  a folder, survive a crash.

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

__all__ = ["atomic_path", "atomic_write_bytes", "file_sha256", "fsync_dir", "fsync_file"]

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
