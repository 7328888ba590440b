"""A disk that is really full, for the spools: a small tmpfs when mounting is permitted, else SQLite's page limit."""

from __future__ import annotations

import contextlib
import errno
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def small_disk(where: Path, size_kb: int = 2048) -> Iterator[Path | None]:
    """A fresh tmpfs of `size_kb` mounted at `where`, or None where mounting is not permitted."""
    where.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(where)],
                             capture_output=True).returncode == 0
    try:
        yield where if mounted else None
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(where)], check=True)


def fill(folder: Path) -> int:
    """Write a ballast file until the disk refuses more (ENOSPC); return the bytes written."""
    written = 0
    with open(folder / "ballast", "wb", buffering=0) as ballast:
        for size in (65536, 4096, 512, 1):
            while True:
                try:
                    written += ballast.write(b"\0" * size)
                except OSError as exc:
                    if exc.errno != errno.ENOSPC:
                        raise
                    break
        os.fsync(ballast.fileno())
    return written


def cap_pages(db, extra_pages: int = 2) -> None:
    """Let an SQLite connection's database grow by only `extra_pages`: then SQLITE_FULL, as on a full disk."""
    pages = db.execute("PRAGMA page_count").fetchone()[0]
    db.execute(f"PRAGMA max_page_count={pages + extra_pages}")
