"""The alert rules every farm starts with, and what makes a rule valid.

One table for every service: the alerts service evaluates these defaults (alerts/defaults.py reads
them from here), the API and the dashboard show them and check a farmer's tuning against them. A
farm, plot or tree overrides a rule by its `key` with a row of `orchard.registry.alerting.AlertRule`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, fields, replace
from typing import Any

from orchard.errors import Invalid
from orchard.registry.alerting import Aggregate, Condition, Severity
from orchard.vocabulary import KNOWN_METRICS

THRESHOLD, OFFLINE, CAMERA_STALE = "threshold", "offline", "camera_stale"
KINDS = (THRESHOLD, OFFLINE, CAMERA_STALE)
REPEAT_S = 4 * 3600  # remind while still firing, every four hours unless tuned
MAX_SPAN_S = 30 * 86400  # durations, windows and repeats longer than a month are typos
KEY = re.compile(r"[a-z][a-z0-9_]{0,63}")


@dataclass(frozen=True)
class Rule:
    """One rule as the evaluator reads it; `threshold` counts missed intervals for offline and camera_stale."""

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
    repeat_s: int = REPEAT_S
    enabled: bool = True


TUNABLE = tuple(f.name for f in fields(Rule) if f.name not in ("key", "kind"))

DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("frost", THRESHOLD, "air_temp_c", Condition.BELOW, 0.0, 1.0, duration_s=300,
         severity=Severity.CRITICAL),
    Rule("heat", THRESHOLD, "air_temp_c", Condition.ABOVE, 38.0, 35.0, duration_s=900),
    Rule("drought", THRESHOLD, "soil_moisture_pct", Condition.BELOW, 15.0, 20.0,
         aggregate=Aggregate.MEAN, window_s=3600),
    Rule("waterlogged", THRESHOLD, "soil_moisture_pct", Condition.ABOVE, 90.0, 85.0,
         aggregate=Aggregate.MEAN, window_s=3600),
    Rule("low_battery", THRESHOLD, "battery_v", Condition.BELOW, 3.3, 3.5, duration_s=1800,
         repeat_s=24 * 3600),
    Rule("device_offline", OFFLINE, None, Condition.ABOVE, 3.0, 1.0, severity=Severity.CRITICAL),
    Rule("camera_stale", CAMERA_STALE, None, Condition.ABOVE, 3.0, 1.0),
)
DEFAULTS: dict[str, Rule] = {rule.key: rule for rule in DEFAULT_RULES}


def rule_from_row(row: Any) -> Rule:
    """A Rule from an AlertRule row (or anything with the same attributes)."""
    return Rule(**{f.name: getattr(row, f.name) for f in fields(Rule)})


def tuned(key: str, base: Rule | None, changes: dict[str, Any]) -> Rule:
    """`base` (the rule in force) with `changes` applied and checked; a new key needs a kind, metric and thresholds."""
    unknown = sorted(set(changes) - set(TUNABLE) - {"kind"})
    if unknown:
        raise Invalid(f"{unknown[0]}: not a setting of a rule (settings: {', '.join(TUNABLE)})")
    if not KEY.fullmatch(key):
        raise Invalid(f"key: {key[:40]!r} is not a rule key (lowercase letters, digits and _)")
    if base is None:
        missing = [name for name in ("threshold", "clear_threshold") if changes.get(name) is None]
        if changes.get("kind", THRESHOLD) == THRESHOLD and changes.get("metric") is None:
            missing.insert(0, "metric")
        if missing:
            raise Invalid(f"{missing[0]}: a new rule {key!r} needs it (there is no built-in rule of that key)")
        base = Rule(key, changes.get("kind", THRESHOLD), None, Condition.BELOW, 0.0, 0.0)
    elif changes.get("kind", base.kind) != base.kind:
        raise Invalid(f"kind: the rule {key!r} is a {base.kind} rule; its kind cannot change")
    values = {name: value for name, value in changes.items() if value is not None and name != "kind"}
    try:
        for name in ("condition", "aggregate", "severity"):
            if name in values:
                values[name] = {"condition": Condition, "aggregate": Aggregate, "severity": Severity}[name](
                    values[name])
    except ValueError:
        raise Invalid(f"{name}: {str(values[name])[:20]!r} is not one of "
                      f"{', '.join(m.value for m in type(getattr(base, name)))}") from None
    rule = replace(base, **values)
    check(rule)
    return rule


def check(rule: Rule) -> None:
    """Invalid, naming the setting, unless the rule can fire and clear as written."""
    for name in ("threshold", "clear_threshold"):
        value = getattr(rule, name)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
            raise Invalid(f"{name}: must be a finite number")
    for name in ("duration_s", "window_s", "repeat_s"):
        value = getattr(rule, name)
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_SPAN_S:
            raise Invalid(f"{name}: must be whole seconds from 0 to {MAX_SPAN_S} (30 days)")
    if rule.kind not in KINDS:
        raise Invalid(f"kind: must be one of {', '.join(KINDS)}")
    if rule.kind == THRESHOLD:
        _check_threshold(rule)
    else:
        if rule.metric is not None:
            raise Invalid(f"metric: a {rule.kind} rule counts missed intervals and reads no metric")
        if rule.threshold < 1 or rule.condition != Condition.ABOVE:
            raise Invalid("threshold: a device or camera is late after 1 or more missed intervals (condition above)")
        if not 0 <= rule.clear_threshold <= rule.threshold:
            raise Invalid("clear_threshold: must be from 0 to the threshold (missed intervals)")
    if (rule.aggregate == Aggregate.LAST) != (rule.window_s == 0):
        raise Invalid("window_s: give a window (seconds) with mean, min, max or sum, and 0 with last")


def _check_threshold(rule: Rule) -> None:
    if rule.metric not in KNOWN_METRICS:
        raise Invalid(f"metric: {str(rule.metric)[:64]!r} is not a known metric "
                      f"(one of {', '.join(sorted(KNOWN_METRICS))})")
    low, high = KNOWN_METRICS[rule.metric]
    for name in ("threshold", "clear_threshold"):
        value = getattr(rule, name)
        if (low is not None and value < low) or (high is not None and value > high):
            raise Invalid(f"{name}: {value:g} is outside what {rule.metric} can read "
                          f"({'' if low is None else f'{low:g}'}..{'' if high is None else f'{high:g}'})")
    if rule.condition == Condition.BELOW and rule.clear_threshold < rule.threshold:
        raise Invalid(f"clear_threshold: a rule that fires below {rule.threshold:g} clears at or above it, "
                      f"not at {rule.clear_threshold:g}")
    if rule.condition == Condition.ABOVE and rule.clear_threshold > rule.threshold:
        raise Invalid(f"clear_threshold: a rule that fires above {rule.threshold:g} clears at or below it, "
                      f"not at {rule.clear_threshold:g}")
