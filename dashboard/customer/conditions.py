"""Today's conditions at a tree in plain words: soil, temperature, recent rain, as message keys.

Pure: the caller passes the latest values and hourly rain totals; the page turns the
phrases into words through the catalog ("soil is moist · 18 °C · light rain this morning").
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

HOUR_MS = 3_600_000

# Soil moisture (volumetric %, loam, where most orchards stand), from FAO Irrigation and Drainage
# Paper 56 (Allen et al. 1998): Table 19 gives loam a wilting point of 7-17 % and field capacity of
# 22-36 %; Table 22 lets fruit trees (apple, pear, cherry, citrus) use p = 0.5 of the available
# water before they are stressed, i.e. about 12 + 0.5 x (29 - 12) = 20 % at the mid-range loam.
SOIL_VERY_DRY_BELOW = 12.0  # at or near the wilting point: the tree suffers
SOIL_DRY_BELOW = 20.0  # past the readily available water: a farmer would irrigate
SOIL_WET_ABOVE = 36.0  # above loam's field capacity: waterlogged, roots lack air

# Rain per hour, the China Meteorological Administration's hourly grades (小雨/中雨/大雨/暴雨):
# light < 2.6, moderate 2.6-8.0, heavy 8.1-15.9, rainstorm >= 16 mm/h; under 0.1 mm is a trace
# (GB/T 28592-2012 counts 0.1 mm as the least measurable rain).
RAIN_TRACE_BELOW = 0.1
RAIN_GRADES = ((16.0, "storm"), (8.1, "heavy"), (2.6, "moderate"), (RAIN_TRACE_BELOW, "light"))

RAIN_LOOKBACK_H = 24  # "recent" rain: the last day, as a customer reads "this morning" or "last night"
STALE_AFTER_MS = 3 * HOUR_MS  # older values are shown with their time, so nobody mistakes them for now
FROST_AT_OR_BELOW_C = 0.0


class TimeParam(int):
    """A moment (epoch ms) in a phrase: the page writes it in the farm's time zone and the reader's language."""


@dataclass(frozen=True)
class Phrase:
    """One part of the sentence: a catalog key and its parameters."""

    key: str
    params: dict[str, object] = field(default_factory=dict)


def soil_phrase(moisture_pct: float) -> Phrase:
    if moisture_pct < SOIL_VERY_DRY_BELOW:
        band = "very_dry"
    elif moisture_pct < SOIL_DRY_BELOW:
        band = "dry"
    elif moisture_pct <= SOIL_WET_ABOVE:
        band = "moist"
    else:
        band = "wet"
    return Phrase(f"customer.conditions.soil.{band}", {"pct": round(moisture_pct)})


def temperature_phrase(air_c: float) -> Phrase:
    key = "customer.conditions.frost" if air_c <= FROST_AT_OR_BELOW_C else "customer.conditions.temp"
    return Phrase(key, {"temp": round(air_c)})


def soil_temperature_phrase(soil_c: float) -> Phrase:
    return Phrase("customer.conditions.soil_temp", {"temp": round(soil_c)})


def rain_grade(mm_per_hour: float) -> str | None:
    """The CMA grade of one hour's rain, or None for a dry hour or a trace."""
    for threshold, grade in RAIN_GRADES:
        if mm_per_hour >= threshold:
            return grade
    return None


def _when(hour_ms: int, now_ms: int, tz: ZoneInfo) -> str:
    """When a rainy hour was, as a customer would say it in the farm's local time."""
    if now_ms - hour_ms < HOUR_MS:
        return "now"
    then = datetime.fromtimestamp(hour_ms / 1000, tz)
    today = datetime.fromtimestamp(now_ms / 1000, tz).date()
    if then.date() == today:
        if then.hour < 5:
            return "last_night"
        if then.hour < 12:
            return "this_morning"
        if then.hour < 18:
            return "this_afternoon"
        return "this_evening"
    return "last_night" if then.hour >= 18 else "yesterday"


def rain_phrase(rain_hours: Sequence[tuple[int, float]], now_ms: int, tz: ZoneInfo) -> Phrase:
    """The last shower of the last day (rainy hours in a row): its heaviest hour's grade and when that fell."""
    since = now_ms - RAIN_LOOKBACK_H * HOUR_MS
    rainy = sorted((start, mm) for start, mm in rain_hours if start >= since and rain_grade(mm))
    if not rainy:
        return Phrase("customer.conditions.rain.none")
    shower = [rainy[-1]]
    for start, mm in reversed(rainy[:-1]):
        if shower[-1][0] - start > HOUR_MS:
            break
        shower.append((start, mm))
    start, mm = max(shower, key=lambda hour: (hour[1], hour[0]))
    return Phrase(f"customer.conditions.rain.{rain_grade(mm)}.{_when(start, now_ms, tz)}", {"mm": round(mm, 1)})


def describe(latest: Mapping[str, tuple[int, float]], rain_hours: Sequence[tuple[int, float]],
             now_ms: int, tz: ZoneInfo | str) -> list[Phrase]:
    """Phrases for today's conditions.

    `latest` maps a metric to its newest (ts_ms, value); `rain_hours` holds (hour start ms,
    mm in that hour). Metrics missing from `latest` are left out; nothing at all gives one
    "no readings yet" phrase.
    """
    tz = ZoneInfo(tz) if isinstance(tz, str) else tz
    phrases = []
    if "soil_moisture_pct" in latest:
        phrases.append(soil_phrase(latest["soil_moisture_pct"][1]))
    if "air_temp_c" in latest:
        phrases.append(temperature_phrase(latest["air_temp_c"][1]))
    elif "soil_temp_c" in latest:  # no air sensor at this tree: say it is the soil's
        phrases.append(soil_temperature_phrase(latest["soil_temp_c"][1]))
    if "rain_mm" in latest or rain_hours:
        phrases.append(rain_phrase(rain_hours, now_ms, tz))
    if not phrases:
        return [Phrase("customer.conditions.no_readings")]
    newest = max(ts for ts, _ in latest.values()) if latest else None
    if newest is not None and now_ms - newest > STALE_AFTER_MS:
        phrases.append(Phrase("customer.conditions.as_of", {"time": TimeParam(newest)}))
    return phrases
