"""The time-series store interface every backend implements (docs/ARCHITECTURE.md, Storage)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence

from orchard.readings import Bucket, Latest, Reading, Series, Summary
from orchard.store.rollups import RollupMarks

# Bucket widths a range query may use, smallest first; chosen so a chart gets
# at most `max_points` buckets and bucket edges fall on round clock times.
BUCKET_WIDTHS_MS = (
    1_000, 5_000, 10_000, 30_000, 60_000, 300_000, 600_000, 900_000, 1_800_000,
    3_600_000, 3 * 3_600_000, 6 * 3_600_000, 12 * 3_600_000, 86_400_000, 7 * 86_400_000,
)


def choose_bucket_ms(start_ms: int, end_ms: int, max_points: int = 500) -> int:
    """The smallest round bucket width that splits [start_ms, end_ms) into at most max_points."""
    span = max(end_ms - start_ms, 1)
    for width in BUCKET_WIDTHS_MS:
        if span / width <= max_points:
            return width
    return BUCKET_WIDTHS_MS[-1]


class TimeSeriesStore(ABC):
    """Readings in, latest values and downsampled ranges out.

    Writes are idempotent: a reading with the same series and timestamp as a stored
    one replaces it, so replaying a spool never duplicates points. Backends raise
    StoreUnavailable when the store cannot be reached (the caller spools and retries)
    and StoreError when it refuses a request.
    """

    @abstractmethod
    def write(self, readings: Sequence[Reading]) -> None:
        """Store a batch of readings atomically where the backend allows."""

    @abstractmethod
    def latest(self, tags: Mapping[str, str] | None = None) -> list[Latest]:
        """Newest value of every series whose tags include all of `tags`."""

    @abstractmethod
    def query(self, series: Series, start_ms: int, end_ms: int,
              bucket_ms: int | None = None) -> list[Bucket]:
        """Mean/min/max per time bucket over [start_ms, end_ms), oldest first.

        Buckets start at multiples of `bucket_ms` since the epoch; empty buckets are
        omitted. Without `bucket_ms` the width comes from `choose_bucket_ms`.
        """

    @abstractmethod
    def summarize(self, metric: str | None, start_ms: int, end_ms: int,
                  tags: Mapping[str, str] | None = None) -> list[Summary]:
        """Count, sum, mean, min, max, first and last time of each matching series over [start_ms, end_ms).

        One query for every series of `metric` (of every metric with None) whose tags include
        all of `tags`; a series without readings in the window is left out. Sorted like latest().
        """

    @abstractmethod
    def list_series(self, tags: Mapping[str, str] | None = None) -> list[Series]:
        """Every series whose tags include all of `tags`, sorted."""

    # Retention and hourly rollups (docs/ARCHITECTURE.md, Storage); orchard/retention.py drives them.

    @abstractmethod
    def roll_up(self, start_ms: int, end_ms: int) -> int:
        """(Re)compute the hourly rollups of every series for the hours in [start_ms, end_ms); return how many.

        Idempotent: rolling an hour again writes the same rows, so concurrent runs are harmless.
        """

    @abstractmethod
    def rollup_marks(self) -> RollupMarks:
        """How far the rollups reach and since when raw readings are kept."""

    @abstractmethod
    def mark_rolled(self, until_ms: int) -> None:
        """Record that every hour before `until_ms` is rolled up (a mark never moves back)."""

    @abstractmethod
    def oldest_raw_ms(self) -> int | None:
        """The time of the oldest raw reading of any series, None if there is none."""

    @abstractmethod
    def prune_raw(self, before_ms: int) -> int:
        """Delete raw readings older than `before_ms` (an hour already rolled up), in small batches.

        Returns how many were deleted where the backend can tell (-1 where it cannot).
        """

    @abstractmethod
    def ping(self) -> None:
        """Return if the store answers, else raise StoreUnavailable."""

    def close(self) -> None:  # noqa: B027  (optional: a backend may hold nothing)
        """Release connections and files."""

    def __enter__(self) -> TimeSeriesStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
