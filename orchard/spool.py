"""A durable first-in first-out queue of byte blobs in SQLite, for riding out outages.

The device spools readings until the broker acknowledges them; the ingester spools
batches until the store takes them. Each append is one fsynced transaction, so what
`append` returned from survives a power cut.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path

log = logging.getLogger(__name__)


class Spool:
    def __init__(self, path: str | Path, max_items: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.max_items = max_items
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS spool (id INTEGER PRIMARY KEY AUTOINCREMENT, item BLOB NOT NULL)"
        )
        self._count = self._db.execute("SELECT count(*) FROM spool").fetchone()[0]
        self._warned_full = False

    def append(self, items: Iterable[bytes]) -> None:
        rows = [(item,) for item in items]
        if not rows:
            return
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                self._db.executemany("INSERT INTO spool (item) VALUES (?)", rows)
                self._count += len(rows)
                if self.max_items is not None and self._count > self.max_items:
                    self._drop_oldest(self._count - self.max_items)
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                self._count = self._db.execute("SELECT count(*) FROM spool").fetchone()[0]
                raise

    def _drop_oldest(self, n: int) -> None:
        # Only a device spool has a cap: a Pi offline for weeks must not fill its SD card.
        if not self._warned_full:
            log.warning("spool %s is full (%d items): dropping the oldest", self.path, self.max_items)
            self._warned_full = True
        self._db.execute(
            "DELETE FROM spool WHERE id IN (SELECT id FROM spool ORDER BY id LIMIT ?)", (n,)
        )
        self._count -= n

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
                self._count -= cur.rowcount
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            if self._count < (self.max_items or 0):
                self._warned_full = False

    def __len__(self) -> int:
        return self._count

    def close(self) -> None:
        with self._lock:
            self._db.close()
