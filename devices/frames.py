"""Synthetic camera frames of a claimed tree: sky by time of day, fruit by season, drawn with OpenCV.

A frame is a pure function of (seed, timestamp): the same tree and the same light
for the same instant, so the simulator and tests are reproducible. The scene's fixed
parts (grass, trunk, canopy, leaf texture) are drawn once per seed and size.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import cv2
import numpy as np

from devices.weather import SUNRISE_H, SUNSET_H, FarmWeather, clamp, mix, sun_height
from orchard.times import wall_clock_ms

# Colours are BGR, as OpenCV draws them.
NIGHT_SKY = np.array([(38, 18, 8), (70, 40, 22)], np.float32)  # top, horizon
DAY_SKY = np.array([(225, 150, 70), (245, 215, 170)], np.float32)
OVERCAST_SKY = np.array([(175, 170, 165), (215, 212, 208)], np.float32)
DUSK_SKY = np.array([(120, 80, 90), (60, 150, 250)], np.float32)
FRUIT_GREEN = np.array((40, 175, 95), np.float32)
FRUIT_ORANGE = np.array((25, 140, 245), np.float32)
FRUIT_RED = np.array((40, 35, 200), np.float32)
BLOSSOM = (215, 200, 250)
HORIZON = 0.55  # fraction of the height where the sky ends
RIPENING = (140, 285)  # days of the year from green fruit to red fruit
BLOSSOM_DAYS = (80, 130)
HARVESTED_AFTER = 305


def fruit_colour(day_of_year: int) -> tuple[int, int, int] | None:
    """BGR colour of ripening fruit on that day of the year, or None before fruit set and after harvest."""
    if day_of_year < RIPENING[0] or day_of_year > HARVESTED_AFTER:
        return None
    t = clamp((day_of_year - RIPENING[0]) / (RIPENING[1] - RIPENING[0]), 0.0, 1.0)
    low, high, f = (FRUIT_GREEN, FRUIT_ORANGE, t * 2) if t < 0.5 else (FRUIT_ORANGE, FRUIT_RED, t * 2 - 1)
    b, g, r = (int(c) for c in low + (high - low) * f)
    return b, g, r


class Scene:
    """One camera's view of its tree at one frame size; `draw(ts_ms, weather)` renders an instant."""

    def __init__(self, seed: int, width: int = 1280, height: int = 720) -> None:
        self.seed = seed
        self.width, self.height = width, height
        self.horizon = int(height * HORIZON)
        rng = np.random.default_rng(mix(seed, 0xCA3))
        self.base = self._landscape(rng)
        self.fruit = self._fruit_spots(rng)
        # Sensor grain, larger than the frame so each instant can take a shifted window of it.
        self.grain = rng.integers(0, 7, (height + 32, width + 32, 3), dtype=np.uint8)
        ramp = np.linspace(0.0, 1.0, self.horizon, dtype=np.float32)[:, None]
        self._ramp = np.hstack([1.0 - ramp, ramp])  # rows x (top weight, horizon weight)

    def _landscape(self, rng: np.random.Generator) -> np.ndarray:
        w, h, top = self.width, self.height, self.horizon
        image = np.zeros((h, w, 3), np.uint8)
        rows = np.linspace(0.0, 1.0, h - top, dtype=np.float32)[:, None, None]
        grass = np.array((40, 120, 70), np.float32) * (0.8 + 0.4 * rows)  # nearer grass is lighter
        blades = rng.normal(0.0, 9.0, (h - top, w, 1)).astype(np.float32)
        image[top:] = np.clip(grass + blades, 0, 255).astype(np.uint8)
        cx = w // 2 + int(rng.integers(-w // 10, w // 10))
        trunk_w = max(4, w // 40)
        cv2.rectangle(image, (cx - trunk_w, int(h * 0.35)), (cx + trunk_w, int(h * 0.86)), (30, 55, 85), -1)
        mask = np.zeros((h, w), np.uint8)
        canopy_r = w * 0.16
        self.canopy = (cx, int(h * 0.33), canopy_r)
        for _ in range(9):
            dx, dy = rng.normal(0.0, canopy_r * 0.35, 2)
            r = int(canopy_r * rng.uniform(0.45, 0.7))
            cv2.circle(mask, (int(cx + dx), int(h * 0.33 + dy * 0.6)), r, 255, -1, cv2.LINE_AA)
        leaves = rng.normal(0.0, 1.0, (h // 3, w // 3)).astype(np.float32)
        clumps = cv2.resize(leaves, (w, h), interpolation=cv2.INTER_LINEAR)  # leaf-sized clumps
        shade = np.clip(45 + 28 * clumps + rng.normal(0.0, 10.0, (h, w)), 0, 255)[:, :, None]
        foliage = np.clip(shade * np.array((0.55, 1.5, 0.75), np.float32), 0, 255).astype(np.uint8)
        alpha = (mask.astype(np.float32) / 255.0)[:, :, None]
        image[:] = (image * (1.0 - alpha) + foliage * alpha).astype(np.uint8)
        mask[:, cx - trunk_w: cx + trunk_w + 1] |= np.uint8(255) * (np.arange(h) >= h * 0.35)[:, None]
        self.foreground = (mask[:top] > 127).astype(np.uint8)  # what stands in front of the sky
        return image

    def _fruit_spots(self, rng: np.random.Generator) -> list[tuple[int, int, int]]:
        cx, cy, r = self.canopy
        spots = []
        for _ in range(45):
            angle, dist = rng.uniform(0.0, 2 * math.pi), r * math.sqrt(rng.uniform(0.0, 0.8))
            spots.append((int(cx + dist * math.cos(angle)), int(cy + 0.75 * dist * math.sin(angle)),
                          max(3, int(r * rng.uniform(0.045, 0.07)))))
        return spots

    @staticmethod
    def light(ts_ms: int, weather: FarmWeather) -> tuple[float, float, float, float]:
        """(daylight 0..1, twilight glow 0..1, cloud cover 0..1, rain 0 or 1) at `ts_ms`."""
        hour = weather.hour_of_day(ts_ms)
        rain = weather.rain_proximity(ts_ms)
        cloud = weather.cloud_cover(ts_ms, rain)
        day = clamp(sun_height(hour) * 3.0 + 0.15 * _near(hour, SUNRISE_H, SUNSET_H, 0.5), 0.0, 1.0)
        glow = _near(hour, SUNRISE_H, SUNSET_H, 0.8) * (1.0 - 0.7 * cloud)
        return day, glow, cloud, 1.0 if rain >= 1.0 else 0.0

    def draw(self, ts_ms: int, weather: FarmWeather, label: str = "") -> np.ndarray:
        """The frame at `ts_ms` in `weather`, with `label` and the farm's local time burned in."""
        day, glow, cloud, rain = self.light(ts_ms, weather)
        sky = NIGHT_SKY + (DAY_SKY + (OVERCAST_SKY - DAY_SKY) * cloud - NIGHT_SKY) * day
        sky = sky + (DUSK_SKY - sky) * glow * 0.8
        frame = self.base.copy()
        top = frame[: self.horizon]
        top[:] = (self._ramp @ sky).astype(np.uint8)[:, None, :]
        cv2.copyTo(self.base[: self.horizon], self.foreground, top)
        local = datetime.fromtimestamp(ts_ms / 1000, timezone(timedelta(milliseconds=weather.offset_ms)))
        doy = local.timetuple().tm_yday
        colour = fruit_colour(doy)
        for x, y, r in self.fruit:
            if colour is not None:
                cv2.circle(frame, (x, y), r, colour, -1, cv2.LINE_AA)
                cv2.circle(frame, (x - r // 3, y - r // 3), max(1, r // 4), (200, 220, 235), -1)
            elif BLOSSOM_DAYS[0] <= doy <= BLOSSOM_DAYS[1]:
                cv2.circle(frame, (x, y), max(2, r // 2), BLOSSOM, -1)
        gain = 0.12 + 0.88 * day * (1.0 - 0.35 * cloud)
        tint = (1.0 - 0.25 * glow, 1.0 - 0.05 * glow, 1.0 + 0.15 * glow)  # warm light at dawn and dusk
        # OpenCV takes a Scalar as second operand; its stubs know only arrays there
        frame = cv2.multiply(frame, tuple(gain * t for t in tint) + (0.0,))  # type: ignore[call-overload]
        if rain:
            self._rain(frame, ts_ms)
        shift = mix(self.seed, ts_ms) % 1024
        grain = self.grain[shift % 32: shift % 32 + self.height, shift // 32: shift // 32 + self.width]
        for _ in range(1 if gain > 0.4 else 3):  # a camera's gain amplifies its noise in the dark
            cv2.subtract(cv2.add(frame, grain, dst=frame), (3, 3, 3, 0), dst=frame)  # type: ignore[call-overload]
        self._caption(frame, f"{label}  {local:%Y-%m-%d %H:%M:%S} UTC{local:%z}".strip())
        return frame

    def _rain(self, frame: np.ndarray, ts_ms: int) -> None:
        rng = np.random.default_rng(mix(self.seed, ts_ms, 0x7A1))
        starts = rng.integers(0, (self.width, self.height), (150, 2))
        for x, y in starts:
            cv2.line(frame, (int(x), int(y)), (int(x) - 4, int(y) + self.height // 30), (150, 150, 150), 1)

    def _caption(self, frame: np.ndarray, text: str) -> None:
        scale = self.height / 900
        org = (int(self.height * 0.02), self.height - int(self.height * 0.03))
        thick = max(1, round(2 * scale))
        cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(frame, text, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)


def _near(hour: float, sunrise: float, sunset: float, width_h: float) -> float:
    """1 at sunrise or sunset, falling off over about `width_h` hours either side."""
    return max(math.exp(-(((hour - t) / width_h) ** 2)) for t in (sunrise, sunset))


@lru_cache(maxsize=16)
def scene(seed: int, width: int = 1280, height: int = 720) -> Scene:
    """A shared scene: its layers take about 6 MB at 1280x720, so cameras of one seed share one."""
    return Scene(seed, width, height)


@lru_cache(maxsize=16)
def _weather(seed: int) -> FarmWeather:
    return FarmWeather(seed)


def draw_frame(ts_ms: int, *, seed: int = 0, width: int = 1280, height: int = 720, label: str = "",
               weather: FarmWeather | None = None) -> np.ndarray:
    """The synthetic frame of camera `seed` at `ts_ms` (BGR, height x width), in the weather of `seed`."""
    return scene(seed, width, height).draw(ts_ms, weather or _weather(seed), label)


class SyntheticSource:
    """A camera source that draws the current instant of a synthetic scene; it never fails."""

    def __init__(self, label: str, seed: int, width: int = 1280, height: int = 720,
                 weather: FarmWeather | None = None, clock: Callable[[], int] = wall_clock_ms) -> None:
        self.label = label
        self.seed, self.size = seed, (width, height)
        self.weather = weather or FarmWeather(seed)
        self.clock = clock

    def grab(self) -> np.ndarray:
        return scene(self.seed, *self.size).draw(self.clock(), self.weather, self.label)

    def close(self) -> None:
        """Nothing to release."""
