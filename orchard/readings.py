"""What flows from a sensor to a chart: readings and the series they belong to."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(slots=True)
class Reading:
    """One value of one metric at one instant, tagged with where it was measured.

    `tags` identify the series (farm, device, later tree and plot); readings from one
    message usually share one tags dict, which must not be mutated afterwards.
    """

    metric: str
    value: float
    ts_ms: int
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Series:
    """A metric measured at one place: its name and its tags, sorted by key."""

    metric: str
    tags: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, metric: str, tags: dict[str, str]) -> Series:
        return cls(metric, tuple(sorted(tags.items())))

    @property
    def tag_dict(self) -> dict[str, str]:
        return dict(self.tags)


@dataclass(frozen=True, slots=True)
class Latest:
    """The newest value stored for a series."""

    series: Series
    ts_ms: int
    value: float


@dataclass(frozen=True, slots=True)
class Bucket:
    """Readings of one series aggregated over [start_ms, start_ms + width)."""

    start_ms: int
    mean: float
    min: float
    max: float
    count: int


@dataclass(frozen=True, slots=True)
class Summary:
    """Readings of one series over a window: how many, their sum, mean, min, max, first and last times."""

    series: Series
    count: int
    sum: float
    mean: float
    min: float
    max: float
    first_ms: int
    last_ms: int
