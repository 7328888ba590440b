"""The metric vocabulary: canonical names carry their unit, known metrics have a valid range."""

from __future__ import annotations

import math
import re

# name -> (lowest, highest) accepted value; None means unbounded on that side.
KNOWN_METRICS: dict[str, tuple[float | None, float | None]] = {
    "air_temp_c": (-40.0, 60.0),
    "air_humidity_pct": (0.0, 100.0),
    "air_pressure_hpa": (800.0, 1100.0),
    "soil_moisture_pct": (0.0, 100.0),
    "soil_temp_c": (-20.0, 60.0),
    "soil_ec_ms_cm": (0.0, 20.0),
    "soil_ph": (0.0, 14.0),
    "rain_mm": (0.0, None),
    "wind_speed_ms": (0.0, 75.0),
    "wind_dir_deg": (0.0, 360.0),
    "light_lux": (0.0, 200000.0),
    "leaf_wetness_pct": (0.0, 100.0),
    "battery_v": (0.0, 6.0),
    "rssi_dbm": (-120.0, 0.0),
}

CUSTOM_METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}")


def check_value(metric: str, value: object) -> str | None:
    """Return None if `value` is acceptable for `metric`, else a short reason code."""
    if not CUSTOM_METRIC.fullmatch(metric):
        return "bad_metric_name"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "not_a_number"
    if not math.isfinite(value):
        return "not_finite"
    bounds = KNOWN_METRICS.get(metric)
    if bounds is not None:
        low, high = bounds
        if (low is not None and value < low) or (high is not None and value > high):
            return "out_of_range"
    return None
