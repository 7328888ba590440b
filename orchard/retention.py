"""The rollup and retention job: roll up completed hours, then delete raw readings past the raw window.

Every ingester runs it on a timer (and `orchard retention --once` runs it by hand). It
needs no coordinator: rolling an hour again writes the same rows and the marks only
move forward, so two instances running it at once do the same work twice, harmlessly.
Each run re-rolls the last `lookback_hours` so readings that arrive late (a Pi flushing
its spool after an outage) reach the rollups; raw readings older than the raw window
are deleted only once their hours are rolled up.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

from orchard.errors import OrchardError
from orchard.store.base import TimeSeriesStore
from orchard.store.rollups import HOUR_MS, floor_to
from orchard.times import wall_clock_ms

log = logging.getLogger(__name__)

DAY_MS = 86_400_000


@dataclass(frozen=True, slots=True)
class RetentionRun:
    """What one run did: the hours it rolled, how many rollup rows, the raw cutoff and how many it deleted."""

    rolled_from_ms: int | None
    rolled_until_ms: int
    rollup_rows: int
    raw_before_ms: int
    raw_deleted: int


class Retention:
    """Keeps raw readings `raw_days` and hourly rollups for good, in one store."""

    def __init__(self, store: TimeSeriesStore, raw_days: float, lookback_hours: int) -> None:
        if raw_days * 24 <= lookback_hours:
            raise ValueError("the raw window must be longer than the late-reading lookback")
        self.store = store
        self.raw_days = raw_days
        self.lookback_hours = lookback_hours
        self._failing = False

    def run(self, now_ms: int | None = None) -> RetentionRun:
        """Roll up every completed hour not yet rolled (and the lookback), then prune raw readings."""
        now_hour = floor_to(wall_clock_ms() if now_ms is None else int(now_ms), HOUR_MS)
        marks = self.store.rollup_marks()
        if marks.rolled_until_ms is None:
            start = self.store.oldest_raw_ms()  # the first run rolls everything there is
        else:
            start = min(marks.rolled_until_ms, now_hour - self.lookback_hours * HOUR_MS)
        rows = 0
        if start is not None:
            start = floor_to(start, HOUR_MS)
            if marks.raw_since_ms is not None:
                start = max(start, marks.raw_since_ms)  # hours without raw readings keep their rollups
            if start < now_hour:
                rows = self.store.roll_up(start, now_hour)
        self.store.mark_rolled(now_hour)
        cutoff = floor_to(now_hour - int(self.raw_days * DAY_MS), HOUR_MS)
        deleted = self.store.prune_raw(cutoff)
        return RetentionRun(start, now_hour, rows, cutoff, deleted)

    def run_logged(self) -> RetentionRun | None:
        """run(), logging a failure once and the recovery once; None when the store refused."""
        try:
            done = self.run()
        except OrchardError as exc:
            if not self._failing:
                self._failing = True
                log.warning("rollup and retention failed: %s (retrying on the next run)", exc)
            return None
        if self._failing:
            self._failing = False
            log.info("rollup and retention work again")
        log.debug("rolled %s rows up to %s; raw before %s deleted (%s)", done.rollup_rows,
                  done.rolled_until_ms, done.raw_before_ms, done.raw_deleted)
        return done

    def run_every(self, every_s: float, stop: threading.Event) -> None:
        """run_logged() now and then every `every_s` seconds until `stop` is set."""
        while not stop.is_set():
            self.run_logged()
            stop.wait(every_s)

    def start_thread(self, every_s: float) -> threading.Event:
        """Run every `every_s` on a daemon thread; set the returned event to stop it."""
        stop = threading.Event()
        threading.Thread(target=self.run_every, args=(every_s, stop), name="retention", daemon=True).start()
        return stop
