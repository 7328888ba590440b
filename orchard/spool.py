"""A durable first-in first-out queue of byte blobs in SQLite, for riding out outages.

The device spools readings until the broker acknowledges them; the ingester spools
batches until the store takes them. Each append is one fsynced transaction, so what
`append` returned from survives a power cut.

A full disk is part of the job. The spool keeps a small reserve file beside it and
gives it up when the disk fills, so it can still delete. A capped spool (the
device's) then keeps the newest items by dropping the oldest and counts them in
`dropped`; an uncapped one (the ingester's, whose items were acknowledged) drops
nothing and raises SpoolFull, so its caller stops acknowledging.
"""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from pathlib import Path

from orchard.errors import SpoolFull

log = logging.getLogger(__name__)

RESERVE_BYTES = 1 << 20
# While the disk is full, how often to look whether it has room again.
ROOM_CHECK_S = 10.0


def _disk_full(exc: sqlite3.Error) -> bool:
    return getattr(exc, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(exc)


class Spool:
    def __init__(self, path: str | Path, max_items: int | None = None, reserve_bytes: int = RESERVE_BYTES) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_items = max_items
        self.reserve = self.path.with_name(self.path.name + ".reserve")
        self.reserve_bytes = reserve_bytes
        self.dropped = 0  # items given up to make room, since this process opened the spool
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        # A rollback journal needs room for only the pages one transaction changes; a WAL grows to megabytes.
        self._db.execute("PRAGMA journal_mode=TRUNCATE")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, item BLOB NOT NULL)"
        )
        self._count = self._db.execute("SELECT count(*) FROM spool").fetchone()[0]
        self._warned_full = False
        self._disk_full = False
        self._said_full = self._said_room = False
        self._room_check_at = 0.0
        self._keep_reserve()

    def append(self, items: Iterable[bytes]) -> None:
        """Store `items` durably; on a full disk drop the oldest (capped spool) or raise SpoolFull."""
        rows = [(item,) for item in items]
        if not rows:
            return
        with self._lock:
            if self._disk_full and time.monotonic() >= self._room_check_at:
                self._keep_reserve()
            drop = 0
            if self.max_items is not None and self._count + len(rows) > self.max_items:
                drop = self._count + len(rows) - self.max_items
                self._warn_full(f"holds {self.max_items} items")
            while True:
                try:
                    self._insert(rows, drop)
                    return
                except sqlite3.OperationalError as exc:
                    if not _disk_full(exc):
                        raise
                    drop = self._room_for(rows, drop, exc)

    def _insert(self, rows: list[tuple[bytes]], drop: int) -> None:
        """One transaction: drop the `drop` oldest items (their pages are reused) and insert `rows`."""
        self._db.execute("BEGIN IMMEDIATE")
        try:
            dropped = self._drop_oldest(drop) if drop else 0
            if self._disk_full:
                dropped += self._free_pages_for(rows)
            self._db.executemany("INSERT INTO spool (item) VALUES (?)", rows)
            self._db.execute("COMMIT")
        except BaseException:
            if self._db.in_transaction:  # SQLite has already rolled back after some errors, e.g. a full disk
                self._db.execute("ROLLBACK")
            raise
        self._count += len(rows) - dropped
        self.dropped += dropped

    def _drop_oldest(self, n: int) -> int:
        return self._db.execute(
            "DELETE FROM spool WHERE id IN (SELECT id FROM spool ORDER BY id LIMIT ?)", (n,)
        ).rowcount

    def _free_pages_for(self, rows: list[tuple[bytes]]) -> int:
        """While the disk is full the file must not grow (what is left is for the journal): drop
        the oldest until free pages inside the file hold `rows`; return how many were dropped."""
        page = self._db.execute("PRAGMA page_size").fetchone()[0]
        need = 2 + sum(len(item) + 16 for item, in rows) * 5 // 4 // page
        dropped = 0
        while self._db.execute("PRAGMA freelist_count").fetchone()[0] < need:
            if self.max_items is None or self._count - dropped <= 0:
                raise SpoolFull(self._refusal())
            dropped += self._drop_oldest(max(len(rows), (self._count - dropped) // 20, 1))
        return dropped

    def _refusal(self) -> str:
        return (f"spool {self.path}: the disk is full; {self._count} items kept, "
                "nothing new is taken until there is room")

    def _room_for(self, rows: list[tuple[bytes]], drop: int, exc: sqlite3.Error) -> int:
        """After a full disk: how many oldest items the next attempt drops, or SpoolFull."""
        freed = self._release_reserve()
        if not self._disk_full:
            self._disk_full = True
            # Logged once per process: a disk hovering at full must not flood the log it shares.
            log.log(logging.DEBUG if self._said_full else logging.ERROR, "spool %s: the disk is full (%s); %s",
                    self.path, exc, "dropping the oldest items to keep the newest" if self.max_items is not None
                    else "refusing new items until there is room")
            self._said_full = True
        if self.max_items is None:
            raise SpoolFull(self._refusal()) from None
        if drop >= self._count and not freed:
            raise SpoolFull(f"spool {self.path}: the disk is full and the spool is empty") from None
        return min(self._count, max(2 * drop, len(rows), self._count // 100))

    def _warn_full(self, why: str) -> None:
        if not self._warned_full:
            log.warning("spool %s %s: dropping the oldest to keep the newest", self.path, why)
            self._warned_full = True

    def _release_reserve(self) -> bool:
        try:
            self.reserve.unlink()
            return True
        except FileNotFoundError:
            return False

    def _keep_reserve(self) -> None:
        """(Re)create the reserve file if the disk has room for it."""
        if self.reserve_bytes <= 0 or self.reserve.exists():
            return
        self._room_check_at = time.monotonic() + ROOM_CHECK_S
        disk = os.statvfs(self.path.parent)
        if disk.f_bavail * disk.f_frsize < 2 * self.reserve_bytes:
            return  # not before the disk has room for the reserve and as much again
        try:
            fd = os.open(self.reserve, os.O_WRONLY | os.O_CREAT, 0o600)
            try:
                os.posix_fallocate(fd, 0, self.reserve_bytes)
            finally:
                os.close(fd)
        except OSError:
            self._release_reserve()  # no room for it yet; tried again after the next delivery
            return
        if self._disk_full:
            log.log(logging.DEBUG if self._said_room else logging.INFO, "spool %s: the disk has room again", self.path)
            self._disk_full, self._said_room = False, True

    def peek(self, limit: int) -> list[tuple[int, bytes]]:
        """The oldest `limit` items with their ids, oldest first, without removing them."""
        with self._lock:
            return self._db.execute(
                "SELECT id, item FROM spool ORDER BY id LIMIT ?", (limit,)
            ).fetchall()

    def delete(self, ids: Sequence[int]) -> None:
        """Remove items once they are safely delivered."""
        if not ids:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.executemany("DELETE FROM spool WHERE id = ?", [(i,) for i in ids])
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise
            self._count -= cur.rowcount
            if self._count < (self.max_items or 0):
                self._warned_full = False
            if self._disk_full and time.monotonic() >= self._room_check_at:
                self._keep_reserve()

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        with self._lock:
            self._db.close()
