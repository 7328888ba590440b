"""Store-or-spool: every batch handed over is durable on return, in the store or on disk.

While the store is down, batches go to the spool and are replayed in order once it is
back; while anything is spooled, new batches queue behind it so order is kept.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence

import orjson

from ingest.stats import IngestStats
from orchard.errors import StoreError, StoreRejected, StoreUnavailable
from orchard.readings import Reading
from orchard.spool import Spool
from orchard.store import TimeSeriesStore

log = logging.getLogger(__name__)


def pack(readings: Sequence[Reading]) -> bytes:
    return orjson.dumps([(r.metric, r.value, r.ts_ms, r.tags) for r in readings])


def unpack(blob: bytes) -> list[Reading]:
    return [Reading(metric, value, ts, tags) for metric, value, ts, tags in orjson.loads(blob)]


class Writer:
    """`retry_min_s` and `retry_max_s` bound how often a down store is probed (a cheap ping), so the
    spool is replayed about a second after the store is back, not a long backoff later."""

    def __init__(
        self,
        store: TimeSeriesStore,
        spool: Spool,
        stats: IngestStats,
        on_refused: Callable[[Sequence[Reading], str], None] = lambda readings, why: None,
        retry_min_s: float = 0.25,
        retry_max_s: float = 1.0,
    ) -> None:
        self.store = store
        self.spool = spool
        self.stats = stats
        self.on_refused = on_refused
        self.retry_min_s = retry_min_s
        self.retry_max_s = retry_max_s
        self._down_since: float | None = None
        self._backoff_s = retry_min_s
        self._retry_at = 0.0
        stats.spool_depth.set(len(spool))

    @property
    def store_down(self) -> bool:
        return self._down_since is not None

    def write(self, readings: Sequence[Reading]) -> None:
        """Store `readings`, or spool them if the store is down or a backlog is waiting.

        Raises SpoolFull when they can be neither stored nor spooled: the caller must not acknowledge them.
        """
        if not readings:
            return
        if len(self.spool) or self.store_down:
            self._to_spool(readings)
            return
        try:
            self._to_store(readings)
        except StoreUnavailable as exc:
            self._went_down(exc)
            self._to_spool(readings)

    def replay(self, budget_s: float = 0.5) -> int:
        """Move spooled batches into the store for up to `budget_s`; return readings replayed."""
        if self.store_down and not self._store_answers():
            return 0
        if not len(self.spool):
            return 0
        replayed = 0
        deadline = time.monotonic() + budget_s
        while len(self.spool) and time.monotonic() < deadline:
            stored: list[int] = []  # deleted together: one fsynced transaction per pass, not per batch
            for row_id, blob in self.spool.peek(8):
                readings = unpack(blob)
                try:
                    self._to_store(readings)
                except StoreUnavailable as exc:
                    self.spool.delete(stored)
                    self._went_down(exc)
                    return replayed
                stored.append(row_id)
                replayed += len(readings)
            self.spool.delete(stored)
        self.stats.spool_depth.set(len(self.spool))
        if not len(self.spool):
            log.info("spool replayed: the store has every reading again")
        return replayed

    def _store_answers(self) -> bool:
        """Probe a down store when due: a ping, not a batch, so probing often costs little."""
        if time.monotonic() < self._retry_at:
            return False
        try:
            self.store.ping()
        except StoreError as exc:
            self._went_down(exc)
            return False
        if not len(self.spool):
            self._came_back()
        return True

    def _to_store(self, readings: Sequence[Reading]) -> None:
        started = time.perf_counter()
        try:
            self.store.write(readings)
        except StoreUnavailable:
            raise
        except StoreRejected as exc:
            # The store refuses this data for good; retrying would block the queue forever.
            log.error("store refused %d readings: %s", len(readings), exc)
            self.stats.rejected.labels("store_refused").inc(len(readings))
            self.on_refused(readings, str(exc))
            return
        except StoreError as exc:
            # Wrong credentials, a missing bucket: fixable by a person, so keep the readings meanwhile.
            raise StoreUnavailable(str(exc)) from exc
        self.stats.write_latency.observe(time.perf_counter() - started)
        self.stats.stored.inc(len(readings))
        self._came_back()

    def _came_back(self) -> None:
        if self._down_since is not None:
            log.info("store is back after %.1fs", time.monotonic() - self._down_since)
            self._down_since = None
            self._backoff_s = self.retry_min_s
            self.stats.store_up.set(1)

    def _went_down(self, exc: Exception) -> None:
        now = time.monotonic()
        if self._down_since is None:
            log.warning("store unavailable (%s): spooling readings to %s", exc, self.spool.path)
            self._down_since = now
            self.stats.store_up.set(0)
        else:
            self._backoff_s = min(self._backoff_s * 2, self.retry_max_s)
        self._retry_at = now + self._backoff_s

    def _to_spool(self, readings: Sequence[Reading]) -> None:
        self.spool.append([pack(readings)])
        self.stats.spooled.inc(len(readings))
        self.stats.spool_depth.set(len(self.spool))
