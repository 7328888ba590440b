"""Tests for devices/weather.py: a farm's simulated weather is believable and reproducible."""

from __future__ import annotations

import random

import pytest

from devices.weather import DAY_MS, HOUR_MS, WEATHER_METRICS, FarmWeather
from orchard.vocabulary import check_value

START_DAY = 20148  # 2025-03-01
DAYS = 30
STEP_MS = 10 * 60_000


@pytest.fixture(scope="module")
def weather() -> FarmWeather:
    return FarmWeather(seed=2025)


def local_time(weather: FarmWeather, day: int, hour: float) -> int:
    return weather.day_start_ms(START_DAY + day) + round(hour * HOUR_MS)


def test_every_value_stays_in_range_for_a_month(weather: FarmWeather) -> None:
    start = weather.day_start_ms(START_DAY)
    for step in range(DAYS * DAY_MS // STEP_MS):
        values = weather.at(start + step * STEP_MS, STEP_MS)
        assert tuple(values) == WEATHER_METRICS
        for metric, value in values.items():
            assert check_value(metric, value) is None, (metric, value)


def test_extreme_farm_parameters_stay_in_range() -> None:
    for weather in (FarmWeather(1, mean_temp_c=45.0, daily_swing_c=25.0), FarmWeather(2, mean_temp_c=-30.0)):
        start = weather.day_start_ms(START_DAY)
        for step in range(10 * DAY_MS // HOUR_MS):
            for metric, value in weather.at(start + step * HOUR_MS).items():
                assert check_value(metric, value) is None, (metric, value)


def test_afternoon_is_warmer_than_before_dawn_on_most_days(weather: FarmWeather) -> None:
    def temp(day: int, hour: float) -> float:
        return weather.at(local_time(weather, day, hour))["air_temp_c"]

    warmer = sum(temp(day, 14.5) > temp(day, 5.5) for day in range(DAYS))
    assert warmer >= 0.8 * DAYS


def test_coldest_hour_is_near_dawn_and_warmest_in_the_afternoon(weather: FarmWeather) -> None:
    def mean_temp(hour: int) -> float:
        return sum(weather.air_temp_c(local_time(weather, day, hour)) for day in range(DAYS)) / DAYS

    by_hour = {hour: mean_temp(hour) for hour in range(24)}
    assert min(by_hour, key=by_hour.__getitem__) in (4, 5, 6, 7)
    assert max(by_hour, key=by_hour.__getitem__) in (13, 14, 15, 16)


@pytest.mark.parametrize("utc_offset_h", [8.0, 0.0, -5.0])
def test_dark_at_local_midnight_and_light_at_local_noon(utc_offset_h: float) -> None:
    weather = FarmWeather(seed=7, utc_offset_h=utc_offset_h)
    for day in range(DAYS):
        assert weather.at(local_time(weather, day, 0.0))["light_lux"] == 0.0
        assert weather.at(local_time(weather, day, 12.0))["light_lux"] > 0.0


def test_clear_noon_is_brighter_than_overcast_noon(weather: FarmWeather) -> None:
    noons = [local_time(weather, day, 12.5) for day in range(DAYS)]
    brightest = max(weather.at(ts)["light_lux"] for ts in noons)
    dullest = min(weather.at(ts)["light_lux"] for ts in noons)
    assert 60_000 < brightest <= 110_000
    assert dullest < 40_000


def test_nights_are_more_humid_than_afternoons(weather: FarmWeather) -> None:
    night = sum(weather.at(local_time(weather, day, 4.0))["air_humidity_pct"] for day in range(DAYS))
    afternoon = sum(weather.at(local_time(weather, day, 15.0))["air_humidity_pct"] for day in range(DAYS))
    assert night > afternoon + 10 * DAYS


def test_it_rains_a_few_times_a_week_for_hours(weather: FarmWeather) -> None:
    events = [event for day in range(START_DAY, START_DAY + 8 * 7) for event in weather.rain_events(day)]
    assert 1 * 8 <= len(events) <= 7 * 8
    for start, end, rate in events:
        assert HOUR_MS <= end - start <= 6 * HOUR_MS
        assert rate > 0


def test_air_is_near_saturated_while_it_rains(weather: FarmWeather) -> None:
    events = [event for day in range(START_DAY, START_DAY + DAYS) for event in weather.rain_events(day)]
    assert events
    for start, end, _ in events:
        middle = (start + end) // 2
        values = weather.at(middle, STEP_MS)
        assert values["air_humidity_pct"] >= 95.0
        assert values["rain_mm"] > 0.0


def test_rain_per_interval_adds_up_to_the_period_total(weather: FarmWeather) -> None:
    start = weather.day_start_ms(START_DAY)
    end = start + DAYS * DAY_MS
    per_hour = sum(weather.rain_mm(ts, ts + HOUR_MS) for ts in range(start, end, HOUR_MS))
    assert per_hour == pytest.approx(weather.rain_mm(start, end))
    assert per_hour > 0.0


def test_pressure_drops_before_rain(weather: FarmWeather) -> None:
    events = [event for day in range(START_DAY, START_DAY + 8 * 7) for event in weather.rain_events(day)]
    falling = sum(
        weather.at(start)["air_pressure_hpa"] < weather.at(start - 12 * HOUR_MS)["air_pressure_hpa"]
        for start, _, _ in events
    )
    assert falling >= 0.7 * len(events)


def test_same_seed_and_time_give_the_same_weather_in_any_order() -> None:
    first, second = FarmWeather(seed=11), FarmWeather(seed=11)
    start = first.day_start_ms(START_DAY)
    times = [start + random.Random(3).randrange(0, 60 * DAY_MS) for _ in range(200)]
    forwards = {ts: first.at(ts) for ts in sorted(times)}
    shuffled = list(times)
    random.Random(4).shuffle(shuffled)
    assert {ts: second.at(ts) for ts in shuffled} == forwards
    assert {ts: first.at(ts) for ts in reversed(times)} == forwards


def test_different_seeds_give_different_weather() -> None:
    one, other = FarmWeather(seed=1), FarmWeather(seed=2)
    times = [one.day_start_ms(START_DAY) + step * HOUR_MS for step in range(48)]
    assert [one.at(ts) for ts in times] != [other.at(ts) for ts in times]
