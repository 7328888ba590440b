"""What a rule says, and which one applies where: tree over plot over farm over the built-in default.

A row of `alert_rules` (orchard/registry/alerting.py) is a complete rule that replaces the
default of the same key for its farm, plot or tree; a key with no default is a farmer's own rule.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace

from orchard.registry.alerting import Aggregate, AlertRule, Condition, Severity

THRESHOLD = "threshold"  # a metric's value (or aggregate over a window) against a threshold
OFFLINE = "offline"  # a device's silence, counted in its reporting intervals, or its retained status
CAMERA_STALE = "camera_stale"  # a camera's silence, counted in its idle snapshot intervals
KINDS = (THRESHOLD, OFFLINE, CAMERA_STALE)


@dataclass(frozen=True, slots=True)
class Rule:
    key: str
    kind: str
    metric: str | None
    condition: Condition
    threshold: float
    clear_threshold: float
    duration_s: int = 0
    aggregate: Aggregate = Aggregate.LAST
    window_s: int = 0
    severity: Severity = Severity.WARNING
    repeat_s: int = 4 * 3600
    enabled: bool = True

    def holds(self, value: float) -> bool:
        """Whether `value` is on the alarming side of the threshold."""
        return value >= self.threshold if self.condition is Condition.ABOVE else value <= self.threshold

    def clears(self, value: float) -> bool:
        """Whether `value` is past the clear threshold: between the two, a firing alert stays firing."""
        if self.condition is Condition.ABOVE:
            return value < self.clear_threshold
        return value > self.clear_threshold

    @property
    def windowed(self) -> bool:
        return self.kind == THRESHOLD and (self.aggregate is not Aggregate.LAST or self.window_s > 0)

    @classmethod
    def of_row(cls, row: AlertRule) -> Rule:
        return cls(key=row.key, kind=row.kind, metric=row.metric, condition=Condition(row.condition),
                   threshold=row.threshold, clear_threshold=row.clear_threshold, duration_s=row.duration_s,
                   aggregate=Aggregate(row.aggregate), window_s=row.window_s, severity=Severity(row.severity),
                   repeat_s=row.repeat_s, enabled=row.enabled)

    def tuned(self, **changes: object) -> Rule:
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Place:
    """Where a subject stands: its farm, and its plot and tree if the registry knows them."""

    farm: str
    plot: int | None = None
    tree: int | None = None


class RuleBook:
    """The defaults and one farm's overrides; answers which rules apply at a place."""

    def __init__(self, defaults: Mapping[str, Rule], overrides: Iterable[AlertRule] = ()) -> None:
        self.defaults = dict(defaults)
        self._farm: dict[str, Rule] = {}
        self._plot: dict[tuple[int, str], Rule] = {}
        self._tree: dict[tuple[int, str], Rule] = {}
        for row in overrides:
            rule = Rule.of_row(row)
            if row.tree_id is not None:
                self._tree[(row.tree_id, row.key)] = rule
            elif row.plot_id is not None:
                self._plot[(row.plot_id, row.key)] = rule
            else:
                self._farm[row.key] = rule
        self.keys = sorted({*self.defaults, *self._farm, *(k for _, k in self._plot), *(k for _, k in self._tree)})

    def rule(self, key: str, place: Place) -> Rule | None:
        """The most specific rule of `key` at `place`: tree, then plot, then farm, then default."""
        if place.tree is not None and (place.tree, key) in self._tree:
            return self._tree[(place.tree, key)]
        if place.plot is not None and (place.plot, key) in self._plot:
            return self._plot[(place.plot, key)]
        return self._farm.get(key) or self.defaults.get(key)

    def rules(self, place: Place) -> list[Rule]:
        """Every enabled rule at `place`, by key."""
        found = (self.rule(key, place) for key in self.keys)
        return [rule for rule in found if rule is not None and rule.enabled]

    def every_rule(self) -> list[Rule]:
        """Every enabled rule of any place of this farm (to plan the cycle's queries)."""
        rules = [*self.defaults.values(), *self._farm.values(), *self._plot.values(), *self._tree.values()]
        return [rule for rule in rules if rule.enabled]
