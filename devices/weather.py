"""The shared weather of one simulated farm: a pure, reproducible function of seed and time."""

from __future__ import annotations

import math
import random

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
SUNRISE_H = 6.0  # local solar hours; one fixed season keeps the simulator simple
SUNSET_H = 18.5
CLEAR_SKY_LUX = 100_000.0
WEATHER_METRICS = (
    "air_temp_c", "air_humidity_pct", "air_pressure_hpa", "light_lux", "wind_speed_ms", "wind_dir_deg", "rain_mm",
)

_M64 = (1 << 64) - 1
_CACHE_LIMIT = 20_000
# Noise channels: each quantity draws its own independent noise from the same seed.
_DRIFT, _DRIFT_FAST, _TEMP, _JITTER, _CLOUD, _CLOUD_DAY = range(6)
_DEW, _PRESSURE, _WIND, _GUST, _WIND_DIR, _VEER, _RAIN, _SPELL, _FLICKER = range(6, 15)


def mix(*parts: int) -> int:
    """Hash integers to 64 bits (splitmix64 rounds): the root of all simulator randomness."""
    h = 0x9E3779B97F4A7C15
    for part in parts:
        h ^= part & _M64
        h = ((h ^ (h >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        h = ((h ^ (h >> 27)) * 0x94D049BB133111EB) & _M64
        h ^= h >> 31
    return h


def unit(*parts: int) -> float:
    """A uniform float in [-1, 1) determined by integers."""
    return (mix(*parts) >> 11) * (2.0 / (1 << 53)) - 1.0


def noise(key: int, channel: int, x: float) -> float:
    """Smooth value noise in [-1, 1]: random values at integer x, eased in between."""
    i = math.floor(x)
    f = x - i
    a = unit(key, channel, i)
    b = unit(key, channel, i + 1)
    return a + (b - a) * f * f * (3.0 - 2.0 * f)


def clamp(x: float, low: float, high: float) -> float:
    """`x` limited to [low, high]."""
    return low if x < low else high if x > high else x


def sun_height(hour_of_day: float) -> float:
    """0 at night, rising to 1 at solar noon along a sine arc."""
    if hour_of_day <= SUNRISE_H or hour_of_day >= SUNSET_H:
        return 0.0
    return math.sin(math.pi * (hour_of_day - SUNRISE_H) / (SUNSET_H - SUNRISE_H))


def diurnal_shape(hour_of_day: float) -> float:
    """-1 at the pre-dawn minimum (05:30), +1 at the afternoon maximum (14:30)."""
    if 5.5 <= hour_of_day < 14.5:
        return -math.cos(math.pi * (hour_of_day - 5.5) / 9.0)
    return math.cos(math.pi * ((hour_of_day - 14.5) % 24.0) / 15.0)


def _saturation(temp_c: float) -> float:
    """Saturation vapour pressure up to a constant (Magnus formula)."""
    return math.exp(17.62 * temp_c / (243.12 + temp_c))


class FarmWeather:
    """Weather of one farm at any instant, queried in any order, the same for the same seed."""

    def __init__(
        self,
        seed: int,
        mean_temp_c: float = 18.0,
        daily_swing_c: float = 10.0,
        utc_offset_h: float = 8.0,
    ) -> None:
        self.seed = seed
        self.mean_temp_c = mean_temp_c
        self.daily_swing_c = daily_swing_c
        self.offset_ms = round(utc_offset_h * HOUR_MS)
        self._events: dict[int, list[tuple[int, int, float]]] = {}
        self._hours: dict[int, tuple[float, float]] = {}

    # -- local time -------------------------------------------------------------------
    def local_hours(self, ts_ms: int) -> float:
        """Hours since the epoch on the farm's local clock."""
        return (ts_ms + self.offset_ms) / HOUR_MS

    def hour_of_day(self, ts_ms: int) -> float:
        """Local time of day in hours, 0 <= h < 24."""
        return ((ts_ms + self.offset_ms) % DAY_MS) / HOUR_MS

    def day_index(self, ts_ms: int) -> int:
        """Local day number since the epoch."""
        return (ts_ms + self.offset_ms) // DAY_MS

    def day_start_ms(self, day: int) -> int:
        """Epoch ms of local midnight starting `day`."""
        return day * DAY_MS - self.offset_ms

    def hour_start_ms(self, hour: int) -> int:
        """Epoch ms at which local hour number `hour` begins."""
        return hour * HOUR_MS - self.offset_ms

    # -- rain -------------------------------------------------------------------------
    def rain_events(self, day: int) -> list[tuple[int, int, float]]:
        """Rain events starting on local `day` as (start ms, end ms, rate mm/h)."""
        events = self._events.get(day)
        if events is None:
            rng = random.Random(mix(self.seed, _RAIN, day))
            chance = 0.25 + 0.15 * noise(self.seed, _SPELL, day / 5.0)  # wet and dry spells
            events = []
            for _ in range(2):  # about three or four showers a week
                if rng.random() < chance:
                    start = self.day_start_ms(day) + int(rng.uniform(0.0, 24.0) * HOUR_MS)
                    end = start + int(rng.uniform(1.0, 6.0) * HOUR_MS)
                    events.append((start, end, min(12.0, 0.3 + rng.expovariate(0.5))))
            events.sort()
            if len(self._events) > _CACHE_LIMIT:
                self._events.clear()
            self._events[day] = events
        return events

    def _events_around(self, ts_ms: int, before: int, after: int) -> list[tuple[int, int, float]]:
        day = self.day_index(ts_ms)
        return [e for d in range(day - before, day + after + 1) for e in self.rain_events(d)]

    def rain_mm(self, start_ms: int, end_ms: int) -> float:
        """Rain that fell in (start_ms, end_ms], in mm, unrounded."""
        total = 0.0
        for day in range(self.day_index(start_ms) - 1, self.day_index(end_ms) + 1):
            for start, end, rate in self.rain_events(day):
                overlap = min(end, end_ms) - max(start, start_ms)
                if overlap > 0:
                    total += rate * overlap / HOUR_MS
        return total

    def rain_proximity(self, ts_ms: int) -> float:
        """1 while it rains, easing to 0 over the three hours before and after a shower."""
        best = 0.0
        for start, end, _ in self._events_around(ts_ms, 1, 1):
            if start <= ts_ms <= end:
                return 1.0
            gap = (start - ts_ms if ts_ms < start else ts_ms - end) / HOUR_MS
            best = max(best, 1.0 - gap / 3.0)
        return best

    def hours_since_rain(self, ts_ms: int) -> float:
        """Hours since the last shower ended (0 while raining; inf if none for a day or more)."""
        since = math.inf
        for start, end, _ in self._events_around(ts_ms, 1, 0):
            if start <= ts_ms:
                since = min(since, max(0.0, (ts_ms - end) / HOUR_MS))
        return since

    # -- sky, temperature, light --------------------------------------------------------
    def day_cloud(self, ts_ms: int) -> float:
        """Slowly varying cloudiness of the day, 0 clear to 1 overcast."""
        days = self.local_hours(ts_ms) / 24.0
        return clamp(0.4 + 0.55 * noise(self.seed, _CLOUD_DAY, days / 1.2), 0.0, 1.0)

    def cloud_cover(self, ts_ms: int, rain_prox: float | None = None) -> float:
        """Cloud cover now, 0..1: the day's cloudiness, passing clouds, full overcast in rain."""
        prox = self.rain_proximity(ts_ms) if rain_prox is None else rain_prox
        hours = self.local_hours(ts_ms)
        passing = 0.3 * noise(self.seed, _CLOUD, hours / 3.0)
        return max(prox, clamp(self.day_cloud(ts_ms) + passing, 0.0, 1.0))

    def base_temp_c(self, ts_ms: int) -> float:
        """The day's mean temperature: the farm's mean plus drift from day to day."""
        days = self.local_hours(ts_ms) / 24.0
        drift = 3.5 * noise(self.seed, _DRIFT, days / 5.0) + 1.5 * noise(self.seed, _DRIFT_FAST, days / 1.5)
        return self.mean_temp_c + drift

    def air_temp_c(self, ts_ms: int, rain_prox: float | None = None) -> float:
        """Air temperature, unrounded: daily curve damped by clouds, cooled by rain, plus noise."""
        prox = self.rain_proximity(ts_ms) if rain_prox is None else rain_prox
        hours = self.local_hours(ts_ms)
        amplitude = 0.5 * self.daily_swing_c * (1.0 - 0.45 * self.day_cloud(ts_ms))
        wobble = 0.4 * noise(self.seed, _TEMP, hours / 2.0) + 0.1 * unit(self.seed, _JITTER, ts_ms // 60_000)
        temp = self.base_temp_c(ts_ms) + amplitude * diurnal_shape(hours % 24.0) - 2.5 * prox + wobble
        return clamp(temp, -39.0, 59.0)

    def light_lux(self, ts_ms: int, cloud: float | None = None) -> float:
        """Illuminance, unrounded: 0 at night, up to ~100000 lux clear and ~20000 overcast."""
        sky = self.cloud_cover(ts_ms) if cloud is None else cloud
        sun = sun_height(self.hour_of_day(ts_ms))
        if sun == 0.0:
            return 0.0
        flicker = 1.0 + 0.03 * unit(self.seed, _FLICKER, ts_ms // 60_000)
        return clamp(CLEAR_SKY_LUX * sun**1.3 * (1.0 - 0.8 * sky) * flicker, 0.0, 200_000.0)

    def hour_summary(self, hour: int) -> tuple[float, float]:
        """(reference evapotranspiration mm, rain mm) of local hour number `hour`, cached."""
        summary = self._hours.get(hour)
        if summary is None:
            start = self.hour_start_ms(hour)
            middle = start + HOUR_MS // 2
            prox = self.rain_proximity(middle)
            temp = self.air_temp_c(middle, prox)
            lux = self.light_lux(middle, self.cloud_cover(middle, prox))
            et0 = 0.03 + 0.55 * (lux / CLEAR_SKY_LUX) * (1.0 + max(0.0, temp - 10.0) / 25.0)
            summary = (et0, self.rain_mm(start, start + HOUR_MS))
            if len(self._hours) > _CACHE_LIMIT:
                self._hours.clear()
            self._hours[hour] = summary
        return summary

    # -- one reading --------------------------------------------------------------------
    def at(self, ts_ms: int, interval_ms: int = 60_000) -> dict[str, float]:
        """The weather metrics at `ts_ms`, rain being what fell in the `interval_ms` before."""
        seed = self.seed
        hours = self.local_hours(ts_ms)
        days = hours / 24.0
        minute = ts_ms // 60_000
        prox = self.rain_proximity(ts_ms)
        temp = self.air_temp_c(ts_ms, prox)
        cloud = self.cloud_cover(ts_ms, prox)

        # Dew point sits a few degrees below the day's mean: humid nights, drier afternoons.
        dew_point = min(temp, self.base_temp_c(ts_ms) - 7.0 - 3.0 * noise(seed, _DEW, days))
        humidity = 100.0 * _saturation(dew_point) / _saturation(temp)
        humidity += (99.0 - humidity) * prox if humidity < 99.0 else 0.0

        dips = 0.0  # pressure falls in the half day before a shower and recovers after it
        for start, _, rate in self._events_around(ts_ms, 1, 1):
            dips += min(10.0, 2.5 + 0.8 * rate) * math.exp(-0.5 * ((ts_ms - start - HOUR_MS) / (8 * HOUR_MS)) ** 2)
        tide = 0.8 * math.cos(4.0 * math.pi * (hours % 24.0 - 10.0) / 24.0)  # semidiurnal tide
        pressure = 1010.0 + 8.0 * noise(seed, _PRESSURE, days / 3.0) + tide - dips

        gusts = 0.6 * unit(seed, _GUST, minute)
        wind = 2.5 + 1.8 * noise(seed, _WIND, hours / 6.0) + max(0.0, diurnal_shape(hours % 24.0)) + 2.5 * prox + gusts
        direction = 180.0 + 220.0 * noise(seed, _WIND_DIR, hours / 12.0) + 15.0 * noise(seed, _VEER, hours)

        return {
            "air_temp_c": round(temp, 1),
            "air_humidity_pct": round(clamp(humidity, 5.0, 100.0), 1),
            "air_pressure_hpa": round(clamp(pressure, 950.0, 1060.0), 1),
            "light_lux": float(round(self.light_lux(ts_ms, cloud))),
            "wind_speed_ms": round(clamp(wind, 0.0, 40.0), 1),
            "wind_dir_deg": float(round(direction) % 360),
            "rain_mm": round(self.rain_mm(ts_ms - interval_ms, ts_ms), 2),
        }
