"""What the store says this cycle, gathered in a few queries for every device at once.

One `latest()` gives each device's newest value per metric and its newest reading of any
metric; one `summarize()` per (metric, window) serves the windowed rules (rain summed over an
hour); and, every LEARN_EVERY, one `summarize()` over the last hour learns how often each device
reports. Nothing here asks the store once per device.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.rules import Rule
from orchard.readings import Summary
from orchard.registry.alerting import Aggregate
from orchard.store import TimeSeriesStore
from orchard.times import to_ms

log = logging.getLogger(__name__)

DeviceKey = tuple[str, str]  # (farm, device)
LEARN_EVERY = timedelta(minutes=10)
LEARN_OVER = timedelta(hours=1)
LEARN_MIN_READINGS = 3


@dataclass(frozen=True, slots=True)
class Window:
    """A device's readings of one metric over a rule's window (several series merged if it moved)."""

    count: int
    sum: float
    min: float
    max: float
    last_ms: int

    def value(self, aggregate: Aggregate, last: float | None) -> float | None:
        if aggregate is Aggregate.SUM:
            return self.sum
        if aggregate is Aggregate.MEAN:
            return self.sum / self.count
        if aggregate is Aggregate.MIN:
            return self.min
        if aggregate is Aggregate.MAX:
            return self.max
        return last

    def merged(self, other: Window) -> Window:
        return Window(self.count + other.count, self.sum + other.sum, min(self.min, other.min),
                      max(self.max, other.max), max(self.last_ms, other.last_ms))


def _device_of(tags: dict[str, str]) -> DeviceKey | None:
    farm, device = tags.get("farm"), tags.get("device")
    return (farm, device) if farm and device else None


class StoreReadings:
    """The cycle's view of the store; `learned_interval_s` outlives cycles."""

    def __init__(self, store: TimeSeriesStore) -> None:
        self.store = store
        self.newest_ms: dict[DeviceKey, int] = {}
        self.last: dict[tuple[str, str, str], tuple[int, float]] = {}  # (farm, device, metric) -> (ts, value)
        self.windows: dict[tuple[str, int], dict[tuple[str, str, str], Window]] = {}
        self.learned_interval_s: dict[DeviceKey, float] = {}
        self._learned_at: datetime | None = None

    def read(self, now: datetime, rules: Iterable[Rule]) -> None:
        """Fetch the latest values, the windows the rules need, and (now and then) the intervals."""
        self.newest_ms, self.last, self.windows = {}, {}, {}
        for latest in self.store.latest():
            tags = latest.series.tag_dict
            device = _device_of(tags)
            if device is None:
                continue
            key = (*device, latest.series.metric)
            seen = self.last.get(key)
            if seen is None or latest.ts_ms >= seen[0]:
                self.last[key] = (latest.ts_ms, latest.value)
            if latest.ts_ms > self.newest_ms.get(device, -1):
                self.newest_ms[device] = latest.ts_ms
        end_ms = to_ms(now) + 1
        for metric, window_s in sorted({(rule.metric, rule.window_s) for rule in rules
                                        if rule.windowed and rule.metric is not None}):
            found: dict[tuple[str, str, str], Window] = {}
            for summary in self.store.summarize(metric, end_ms - window_s * 1000, end_ms):
                device = _device_of(summary.series.tag_dict)
                if device is None:
                    continue
                window = Window(summary.count, summary.sum, summary.min, summary.max, summary.last_ms)
                before = found.get((*device, metric))
                found[(*device, metric)] = window if before is None else before.merged(window)
            self.windows[(metric, window_s)] = found
        if self._learned_at is None or now - self._learned_at >= LEARN_EVERY:
            self._learn(now)

    def _learn(self, now: datetime) -> None:
        """Each device's reporting interval: the spacing of its most frequent series over the last hour."""
        end_ms = to_ms(now) + 1
        busiest: dict[DeviceKey, Summary] = {}
        for summary in self.store.summarize(None, end_ms - int(LEARN_OVER.total_seconds() * 1000), end_ms):
            device = _device_of(summary.series.tag_dict)
            if device is not None and summary.count > getattr(busiest.get(device), "count", 0):
                busiest[device] = summary
        self.learned_interval_s = {
            device: (summary.last_ms - summary.first_ms) / (summary.count - 1) / 1000
            for device, summary in busiest.items()
            if summary.count >= LEARN_MIN_READINGS and summary.last_ms > summary.first_ms
        }
        self._learned_at = now
        log.debug("learned the reporting interval of %d devices", len(self.learned_interval_s))

    def window(self, rule: Rule, device: DeviceKey) -> Window | None:
        assert rule.metric is not None
        return self.windows.get((rule.metric, rule.window_s), {}).get((*device, rule.metric))
