"""The built-in rules, each with where its numbers come from; a farmer tunes them per farm, plot or tree.

Thresholds are for the sensor as installed (air at about 1.5 m, soil probe in the root zone);
a farm whose sensors stand elsewhere overrides them (`alert_rules`, orchard/registry/alerting.py).
"""

from __future__ import annotations

from alerts.rules import CAMERA_STALE, OFFLINE, THRESHOLD, Rule
from orchard.registry.alerting import Aggregate, Condition, Severity

ABOVE, BELOW = Condition.ABOVE, Condition.BELOW
HOUR = 3600

DEFAULTS: dict[str, Rule] = {rule.key: rule for rule in (
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
)}
