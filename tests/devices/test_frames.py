"""Tests for devices/frames.py: synthetic frames are reproducible, follow the sun and ripen with the season."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from devices.camera import encode_jpeg
from devices.frames import Scene, SyntheticSource, draw_frame, fruit_colour, scene
from devices.weather import FarmWeather

SEED = 5
FARM_TZ = timezone(timedelta(hours=8))  # FarmWeather's default UTC offset


def local_ms(year: int, month: int, day: int, hour: float) -> int:
    start = datetime(year, month, day, tzinfo=FARM_TZ) + timedelta(hours=hour)
    return int(start.timestamp() * 1000)


def clearest_day(weather: FarmWeather, year: int, month: int, hour: float) -> int:
    """The instant at `hour` on the least cloudy dry day of the month, so light tests do not depend on weather."""
    candidates = [local_ms(year, month, day, hour) for day in range(1, 29)]
    dry = [ts for ts in candidates if weather.rain_proximity(ts) == 0.0] or candidates
    return min(dry, key=weather.cloud_cover)


def fruit_bgr(ts_ms: int) -> np.ndarray:
    """Mean colour at the centres of the fruit, below their highlight."""
    frame = draw_frame(ts_ms, seed=SEED)
    spots = scene(SEED).fruit
    return np.array([frame[y + r // 3, x + r // 3] for x, y, r in spots], np.float32).mean(axis=0)


def test_the_same_camera_and_instant_give_the_same_frame() -> None:
    ts = local_ms(2025, 7, 1, 10.25)
    assert np.array_equal(draw_frame(ts, seed=SEED), draw_frame(ts, seed=SEED))
    assert not np.array_equal(draw_frame(ts, seed=SEED), draw_frame(ts, seed=SEED + 1))
    assert not np.array_equal(draw_frame(ts, seed=SEED), draw_frame(ts + 1000, seed=SEED))
    fixed = SyntheticSource("cam-01", SEED, weather=FarmWeather(SEED), clock=lambda: ts)
    assert np.array_equal(fixed.grab(), draw_frame(ts, seed=SEED, label="cam-01"))


def test_the_sky_is_dark_at_night_blue_by_day_and_orange_at_dusk() -> None:
    weather = FarmWeather(SEED)
    sky = slice(0, 60), slice(0, 200)  # top-left corner: sky, away from the tree
    horizon = slice(330, 390), slice(0, 200)
    noon, night = clearest_day(weather, 2025, 8, 12), local_ms(2025, 8, 10, 1.0)
    dusk = clearest_day(weather, 2025, 8, 18.4)
    noon_sky = draw_frame(noon, seed=SEED)[sky].reshape(-1, 3).mean(axis=0)
    night_sky = draw_frame(night, seed=SEED)[sky].reshape(-1, 3).mean(axis=0)
    dusk_horizon = draw_frame(dusk, seed=SEED)[horizon].reshape(-1, 3).mean(axis=0)
    assert night_sky.sum() < 0.3 * noon_sky.sum()
    blue, green, red = noon_sky
    assert blue > red + 40
    blue, green, red = dusk_horizon
    assert red > blue + 40


def test_fruit_ripens_from_green_in_june_to_red_in_october() -> None:
    weather = FarmWeather(SEED)
    blue, green, red = fruit_bgr(clearest_day(weather, 2025, 6, 12))
    assert green > red
    june_redness = red - green
    blue, green, red = fruit_bgr(clearest_day(weather, 2025, 10, 12))
    assert red > green + 60
    assert red - green > june_redness + 60


@pytest.mark.parametrize("month, colour", [(1, None), (12, None), (6, "green"), (10, "red")])
def test_fruit_colour_by_day_of_year(month: int, colour: str | None) -> None:
    day_of_year = datetime(2025, month, 15).timetuple().tm_yday
    bgr = fruit_colour(day_of_year)
    if colour is None:
        assert bgr is None
    else:
        blue, green, red = bgr
        assert (green > red) if colour == "green" else (red > green)


@pytest.mark.parametrize("hour", [0.0, 7.0, 12.0, 18.5])
def test_a_frame_is_a_realistic_jpeg_size(hour: float) -> None:
    jpeg = encode_jpeg(draw_frame(local_ms(2025, 9, 3, hour), seed=SEED), 1280, 720, 80)
    assert 40_000 < len(jpeg) < 200_000


def test_the_caption_carries_the_camera_and_local_time() -> None:
    ts = local_ms(2025, 9, 3, 12.0)
    plain, labelled = draw_frame(ts, seed=SEED), draw_frame(ts, seed=SEED, label="cam-01")
    changed = np.argwhere((plain != labelled).any(axis=2))
    assert changed[:, 0].min() > 720 * 0.9, "the caption sits along the bottom edge"
    assert Scene(SEED, 320, 180).draw(ts, FarmWeather(SEED), "cam-01").shape == (180, 320, 3)
