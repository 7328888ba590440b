"""The alert rules every farm starts with, each with where its numbers come from, and what makes a rule valid.

One table for every service: the alerts service evaluates these defaults (alerts/defaults.py
reads them from here), the API and the dashboard show them and check a farmer's tuning against them.
A farm, plot or tree overrides a rule by its `key` with a row of `orchard.registry.alerting.AlertRule`.
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

HOUR = 3600
ABOVE, BELOW = Condition.ABOVE, Condition.BELOW

# Thresholds are for the sensor as installed (air at about 1.5 m, soil probe in the root zone);
# a farm whose sensors stand elsewhere overrides them.
DEFAULT_RULES: tuple[Rule, ...] = (
    # Apple, pear and cherry lose 10 % of open blossoms at about -2.2 °C after 30 min (WSU Extension,
    # "Critical Temperatures for Frost Damage on Fruit Trees"); buds radiate heat away on clear nights
    # and run 1-2 °C colder than a sensor at 1.5 m, so warn at 2 °C and give the all-clear at 3 °C.
    Rule("frost", THRESHOLD, "air_temp_c", BELOW, 2.0, 3.0, duration_s=10 * 60, severity=Severity.CRITICAL),
    # Apple leaves close their stomata and fruit sunburn starts above about 35 °C air temperature
    # (Schrader et al., "Sunburn browning of apple", WSU TFREC; fruit surface 46-49 °C).
    Rule("heat_stress", THRESHOLD, "air_temp_c", ABOVE, 35.0, 32.0, duration_s=30 * 60),
    # A loam's wilting point sits near 12-15 % volumetric water and field capacity near 30 % (FAO-56,
    # table 19): below 15 % for two hours the trees are short of water, well above 20 % they are not.
    Rule("drought", THRESHOLD, "soil_moisture_pct", BELOW, 15.0, 20.0, duration_s=2 * HOUR),
    # Saturated loam holds about 45-50 %; apple and cherry roots suffer after about a day without
    # air (Schaffer et al., "Flooding responses of fruit trees", 1992): warn after 12 h saturated.
    Rule("waterlogging", THRESHOLD, "soil_moisture_pct", ABOVE, 45.0, 40.0, duration_s=12 * HOUR),
    # China Meteorological Administration's gale warning (大风蓝色预警): mean wind of force 6,
    # 10.8 m/s; averaged over 10 minutes, as a wind report is, so one gust does not raise it.
    Rule("strong_wind", THRESHOLD, "wind_speed_ms", ABOVE, 10.8, 8.0, aggregate=Aggregate.MEAN,
         window_s=10 * 60),
    # CMA's short-duration heavy rain (短时强降水): 20 mm or more within one hour.
    Rule("heavy_rain", THRESHOLD, "rain_mm", ABOVE, 20.0, 10.0, aggregate=Aggregate.SUM, window_s=HOUR),
    # A single lithium-ion cell under light load has about 10 % left at 3.4 V (Battery University,
    # BU-501); charged again above 3.6 V. Half an hour keeps a cold night's dip from raising it.
    Rule("low_battery", THRESHOLD, "battery_v", BELOW, 3.4, 3.6, duration_s=30 * 60),
    # Device offline: no telemetry for 5 of its reporting intervals (one or two missed readings are
    # normal on a rural uplink, and the spool catches up), or its retained status `offline` (the
    # broker's last will) for 5 minutes, long enough for a reconnect. Clears on its next reading.
    Rule("offline", OFFLINE, None, ABOVE, 5.0, 5.0, duration_s=5 * 60, severity=Severity.CRITICAL),
    # Camera stale: no frame for 3 of its idle snapshot intervals (ORCHARD_CAMERA_IDLE_S).
    Rule("camera_stale", CAMERA_STALE, None, ABOVE, 3.0, 3.0),
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
