"""What the store says this cycle, gathered in a few queries for every device at once.

One `latest()` gives each device's newest value per metric and its newest reading of any
metric; one `summarize()` per (metric, window) serves the windowed rules (rain summed over an
hour); and one more `summarize()` of one metric over the last hour, a different metric each
cycle in turn, learns how often each device reports. Nothing here asks the store once per device.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from alerts.rules import Rule
from orchard.readings import Series
from orchard.registry.alerting import Aggregate
from orchard.store import TimeSeriesStore
from orchard.times import to_ms

DeviceKey = tuple[str, str]  # (farm, device)
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


def _device_of(series: Series) -> DeviceKey | None:
    """(farm, device) of a series, from its sorted tag pairs (no dict per series: thousands a cycle)."""
    farm = device = None
    for key, value in series.tags:
        if key == "device":
            device = value
        elif key == "farm":
            farm = value
    return (farm, device) if farm and device else None


class StoreReadings:
    """The cycle's view of the store; `learned_interval_s` outlives cycles."""

    def __init__(self, store: TimeSeriesStore) -> None:
        self.store = store
        self.newest_ms: dict[DeviceKey, int] = {}
        self.last: dict[tuple[str, str, str], tuple[int, float]] = {}  # (farm, device, metric) -> (ts, value)
        self.windows: dict[tuple[str, int], dict[tuple[str, str, str], Window]] = {}
        self._spacing_s: dict[tuple[str, str, str], float] = {}  # (farm, device, metric) -> seconds
        self.learned_interval_s: dict[DeviceKey, float] = {}
        self._learn_next = 0  # the turn of the metric to learn from next

    def read(self, now: datetime, rules: Iterable[Rule]) -> None:
        """Fetch the latest values, the windows the rules need, and one metric's spacing per device."""
        self.newest_ms, self.last, self.windows = {}, {}, {}
        for latest in self.store.latest():
            device = _device_of(latest.series)
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
                device = _device_of(summary.series)
                if device is None:
                    continue
                window = Window(summary.count, summary.sum, summary.min, summary.max, summary.last_ms)
                before = found.get((*device, metric))
                found[(*device, metric)] = window if before is None else before.merged(window)
            self.windows[(metric, window_s)] = found
        metrics = sorted({metric for _, _, metric in self.last})
        if metrics:
            self.learn(metrics[self._learn_next % len(metrics)], now)
            self._learn_next += 1

    def learn(self, metric: str, now: datetime) -> None:
        """Each device's spacing of `metric` over the last hour; its interval is its closest spacing of any metric.

        Spacing is (last - first) / (count - 1) from at least LEARN_MIN_READINGS readings, so a device
        that started reporting ten minutes ago is learned as well as an old one.
        """
        end_ms = to_ms(now) + 1
        for key in [key for key in self._spacing_s if key[2] == metric]:
            del self._spacing_s[key]
        for summary in self.store.summarize(metric, end_ms - int(LEARN_OVER.total_seconds() * 1000), end_ms):
            device = _device_of(summary.series)
            if device is None or summary.count < LEARN_MIN_READINGS or summary.last_ms <= summary.first_ms:
                continue
            spacing = (summary.last_ms - summary.first_ms) / (summary.count - 1) / 1000
            key = (device[0], device[1], metric)  # a device that moved has a series per tree: the closest
            self._spacing_s[key] = min(spacing, self._spacing_s.get(key, spacing))
        learned: dict[DeviceKey, float] = {}
        for (farm, device_id, _), spacing in self._spacing_s.items():
            learned[(farm, device_id)] = min(spacing, learned.get((farm, device_id), spacing))
        self.learned_interval_s = learned

    def window(self, rule: Rule, device: DeviceKey) -> Window | None:
        assert rule.metric is not None
        return self.windows.get((rule.metric, rule.window_s), {}).get((*device, rule.metric))
