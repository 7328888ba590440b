"""A simulated field unit: the farm's weather plus this device's soil, leaf, battery and radio."""

from __future__ import annotations

import math
import random
from collections.abc import Callable

from devices.weather import (
    DAY_MS,
    HOUR_MS,
    SUNRISE_H,
    SUNSET_H,
    WEATHER_METRICS,
    FarmWeather,
    clamp,
    mix,
    noise,
    unit,
)
from orchard.times import wall_clock_ms

_CACHE_LIMIT = 20_000
_DRAINAGE_PER_H = 0.35  # water above field capacity drains away within a few hours
_PH, _EC, _RSSI, _RSSI_JITTER, _BATTERY = range(5)
SOIL_METRICS = ("soil_moisture_pct", "soil_temp_c", "soil_ec_ms_cm", "soil_ph")
DEVICE_METRICS = ("leaf_wetness_pct", "battery_v", "rssi_dbm")


class SimulatedSensor:
    """Believable readings for one simulated device, a pure function of seed, device and time."""

    def __init__(
        self,
        weather: FarmWeather,
        device: int,
        now_ms: Callable[[], int] = wall_clock_ms,
        *,
        name: str = "simulated",
        interval_ms: int = 60_000,
    ) -> None:
        self.name = name
        self.metrics: tuple[str, ...] = WEATHER_METRICS + SOIL_METRICS + DEVICE_METRICS
        self.weather = weather
        self.device = device
        self.interval_ms = interval_ms
        self._now_ms = now_ms
        self._key = mix(weather.seed, 0xD0, device)
        rng = random.Random(self._key)
        # Each device sits in slightly different soil under a slightly different drip line.
        self.field_capacity = rng.uniform(34.0, 42.0)
        self.saturation = self.field_capacity + rng.uniform(5.0, 8.0)
        self.wilting_point = rng.uniform(10.0, 15.0)
        self.irrigation_every_days = rng.choice((3, 4, 5))
        self.irrigation_hour = rng.choice((6, 7))
        self._irrigation_phase = rng.randrange(self.irrigation_every_days)
        self._dry_rate = rng.uniform(0.03, 0.045)  # per mm of reference evapotranspiration
        self._rain_gain = rng.uniform(0.5, 0.8)  # % of volume per mm of rain
        self._soil_temp_offset = rng.uniform(-0.6, 0.6)
        self._ec_base = rng.uniform(0.6, 1.8)
        self._ph_base = rng.uniform(5.6, 7.2)
        self._leaf_factor = rng.uniform(0.85, 1.0)
        self._rssi_base = rng.uniform(-84.0, -70.0)
        self._dawn_v = rng.uniform(3.64, 3.72)
        self._moisture: dict[int, float] = {}

    def read(self) -> dict[str, float]:
        """The readings now, by the clock given at construction."""
        return self.reading_at(self._now_ms())

    def close(self) -> None:
        """Nothing to release; present so the agent can treat this like a real driver."""

    def reading_at(self, ts_ms: int) -> dict[str, float]:
        """The readings at `ts_ms` in canonical metric names, e.g. for a backfill."""
        weather = self.weather
        values = weather.at(ts_ms, self.interval_ms)
        days = weather.local_hours(ts_ms) / 24.0
        moisture = self.soil_moisture_pct(ts_ms)
        ec = self._ec_base * (0.6 + 0.4 * moisture / self.field_capacity) + 0.03 * noise(self._key, _EC, days / 7.0)
        values.update(
            soil_moisture_pct=round(clamp(moisture, 0.0, 100.0), 1),
            soil_temp_c=round(clamp(self.soil_temp_c(ts_ms), -19.0, 59.0), 1),
            soil_ec_ms_cm=round(clamp(ec, 0.0, 20.0), 2),
            soil_ph=round(clamp(self._ph_base + 0.05 * noise(self._key, _PH, days / 10.0), 3.0, 10.0), 2),
            leaf_wetness_pct=round(self._leaf_wetness(ts_ms, values), 1),
            battery_v=round(self.battery_v(ts_ms), 2),
            rssi_dbm=float(round(self._rssi(ts_ms))),
        )
        return values

    # -- irrigation and soil water --------------------------------------------------------
    def _last_irrigation_hour(self, hour: int) -> int:
        """Local hour number of the last irrigation at or before `hour`."""
        day, hour_of_day = divmod(hour, 24)
        last_day = day - (day + self._irrigation_phase) % self.irrigation_every_days
        if last_day == day and hour_of_day < self.irrigation_hour:
            last_day -= self.irrigation_every_days
        return last_day * 24 + self.irrigation_hour

    def irrigation_times(self, start_ms: int, end_ms: int) -> list[int]:
        """Epoch ms of the irrigations in [start_ms, end_ms)."""
        weather = self.weather
        hour = self._last_irrigation_hour((end_ms - 1 + weather.offset_ms) // HOUR_MS)
        times = []
        while weather.hour_start_ms(hour) >= start_ms:
            times.append(weather.hour_start_ms(hour))
            hour -= 24 * self.irrigation_every_days
        return times[::-1]

    def _soil_step(self, moisture: float, hour: int, fraction: float, rain_mm: float) -> float:
        """Soil water after `fraction` of local hour `hour`: rain in, drainage and evaporation out."""
        et0, _ = self.weather.hour_summary(hour)
        moisture = min(self.saturation, moisture + self._rain_gain * rain_mm)
        if moisture > self.field_capacity:
            excess = (moisture - self.field_capacity) * math.exp(-_DRAINAGE_PER_H * fraction)
            moisture = self.field_capacity + excess
        # Evaporation slows as the soil dries: exponential decay towards the wilting point.
        return self.wilting_point + (moisture - self.wilting_point) * math.exp(-self._dry_rate * et0 * fraction)

    def _moisture_at_hour(self, hour: int) -> float:
        """Soil water at the start of local hour `hour`, stepped hourly from the last irrigation."""
        cached = self._moisture.get(hour)
        if cached is not None:
            return cached
        # An irrigation floods the root zone to saturation: history before it does not matter.
        irrigated = self._last_irrigation_hour(hour)
        known = hour
        while known > irrigated and known not in self._moisture:
            known -= 1
        moisture = self._moisture[known] if known > irrigated else self.saturation
        if len(self._moisture) > _CACHE_LIMIT:
            self._moisture.clear()
        self._moisture[irrigated] = self.saturation
        for step in range(known, hour):
            moisture = self._soil_step(moisture, step, 1.0, self.weather.hour_summary(step)[1])
            self._moisture[step + 1] = moisture
        return moisture

    def soil_moisture_pct(self, ts_ms: int) -> float:
        """Volumetric soil water content at `ts_ms`, unrounded."""
        weather = self.weather
        hour = (ts_ms + weather.offset_ms) // HOUR_MS
        start = weather.hour_start_ms(hour)
        rain = weather.rain_mm(start, ts_ms)
        return self._soil_step(self._moisture_at_hour(hour), hour, (ts_ms - start) / HOUR_MS, rain)

    # -- soil temperature, leaves, battery, radio ---------------------------------------
    def soil_temp_c(self, ts_ms: int) -> float:
        """Soil temperature at sensor depth: the air's daily swing damped to a third, 3 h late."""
        weather = self.weather
        lagged = ts_ms - 3 * HOUR_MS
        swing = weather.air_temp_c(lagged) - weather.base_temp_c(lagged)
        return weather.base_temp_c(ts_ms - 12 * HOUR_MS) + 0.3 * swing + self._soil_temp_offset

    def _leaf_wetness(self, ts_ms: int, weather_now: dict[str, float]) -> float:
        """Wet in rain and for a while after it; dew forms on humid, dark mornings."""
        from_rain = 100.0 * math.exp(-self.weather.hours_since_rain(ts_ms) / 1.5)
        darkness = clamp(1.0 - weather_now["light_lux"] / 15_000.0, 0.0, 1.0)
        dew = 100.0 * clamp((weather_now["air_humidity_pct"] - 84.0) / 12.0, 0.0, 1.0) * darkness
        return clamp(max(from_rain, dew) * self._leaf_factor, 0.0, 100.0)

    def _battery_peak(self, day: int) -> float:
        """Voltage reached by sunset of local `day`: lower when the day was cloudy."""
        noon = self.weather.day_start_ms(day) + DAY_MS // 2
        return min(4.2, 3.98 + 0.2 * (1.0 - self.weather.day_cloud(noon)) + 0.02 * unit(self._key, _BATTERY, day))

    def _battery_dawn(self, day: int) -> float:
        return self._dawn_v + 0.03 * unit(self._key, _BATTERY, ~day)

    def battery_v(self, ts_ms: int) -> float:
        """Solar-charged battery: charges along the sun's arc, discharges linearly overnight."""
        weather = self.weather
        day = weather.day_index(ts_ms)
        hour = weather.hour_of_day(ts_ms)
        if hour < SUNRISE_H:  # still last night: discharging since yesterday's sunset
            day -= 1
            hour += 24.0
        if hour <= SUNSET_H:
            charged = 0.5 * (1.0 - math.cos(math.pi * (hour - SUNRISE_H) / (SUNSET_H - SUNRISE_H)))
            low, high = self._battery_dawn(day), self._battery_peak(day)
            return clamp(low + (high - low) * charged, 3.6, 4.2)
        night = (hour - SUNSET_H) / (24.0 + SUNRISE_H - SUNSET_H)
        high, low = self._battery_peak(day), self._battery_dawn(day + 1)
        return clamp(high - (high - low) * night, 3.6, 4.2)

    def _rssi(self, ts_ms: int) -> float:
        """Signal strength: a per-device level, slow fading, fast jitter, worse in rain."""
        hours = self.weather.local_hours(ts_ms)
        fading = 5.0 * noise(self._key, _RSSI, hours / 3.0) + 2.0 * unit(self._key, _RSSI_JITTER, ts_ms // 60_000)
        return clamp(self._rssi_base + fading - 4.0 * self.weather.rain_proximity(ts_ms), -95.0, -60.0)
