"""Tests for devices/simulated.py: simulated devices give believable, reproducible, distinct readings."""

from __future__ import annotations

import random

import pytest

from devices.simulated import SimulatedSensor
from devices.weather import DAY_MS, HOUR_MS, FarmWeather
from orchard.vocabulary import KNOWN_METRICS, check_value

START_DAY = 20148  # 2025-03-01
DAYS = 30
STEP_MS = 10 * 60_000
DEVICES = 8
SOIL_METRICS = ("soil_moisture_pct", "soil_temp_c", "soil_ec_ms_cm", "soil_ph")

Month = dict[int, list[tuple[int, dict[str, float]]]]


def farm(seed: int = 2025) -> tuple[FarmWeather, list[SimulatedSensor]]:
    weather = FarmWeather(seed=seed)
    return weather, [SimulatedSensor(weather, device, interval_ms=STEP_MS) for device in range(DEVICES)]


@pytest.fixture(scope="module")
def sensors() -> list[SimulatedSensor]:
    return farm()[1]


@pytest.fixture(scope="module")
def month(sensors: list[SimulatedSensor]) -> Month:
    """Every device's readings over 30 days at 10-minute steps."""
    start = sensors[0].weather.day_start_ms(START_DAY)
    times = range(start, start + DAYS * DAY_MS, STEP_MS)
    return {sensor.device: [(ts, sensor.reading_at(ts)) for ts in times] for sensor in sensors}


def test_every_value_stays_in_range_for_a_month_on_eight_devices(sensors: list[SimulatedSensor], month: Month) -> None:
    for readings in month.values():
        for _, values in readings:
            assert tuple(values) == sensors[0].metrics
            assert set(values) == set(KNOWN_METRICS)
            for metric, value in values.items():
                assert isinstance(value, float)
                assert check_value(metric, value) is None, (metric, value)


def test_read_uses_the_given_clock() -> None:
    weather = FarmWeather(seed=5)
    clock = [weather.day_start_ms(START_DAY) + 9 * HOUR_MS]
    sensor = SimulatedSensor(weather, 3, lambda: clock[0])
    assert isinstance(sensor.name, str) and sensor.name
    first = sensor.read()
    assert first == sensor.reading_at(clock[0])
    clock[0] += 6 * HOUR_MS
    assert sensor.read() == sensor.reading_at(clock[0]) != first


def test_soil_moisture_rises_at_each_irrigation(sensors: list[SimulatedSensor]) -> None:
    start = sensors[0].weather.day_start_ms(START_DAY)
    for sensor in sensors:
        irrigations = sensor.irrigation_times(start, start + DAYS * DAY_MS)
        assert DAYS // 5 <= len(irrigations) <= DAYS // 3 + 1
        for ts in irrigations:
            before = sensor.reading_at(ts - 60_000)["soil_moisture_pct"]
            after = sensor.reading_at(ts + 60_000)["soil_moisture_pct"]
            assert after > before + 1.0, (sensor.device, ts)


def test_soil_moisture_falls_between_irrigations_when_dry(sensors: list[SimulatedSensor], month: Month) -> None:
    dry_spells = 0
    for sensor in sensors:
        readings = month[sensor.device]
        irrigations = sensor.irrigation_times(readings[0][0], readings[-1][0] + 1)
        spell: list[float] = []  # moisture over the current stretch without rain or irrigation
        for (before, _), (ts, values) in zip(readings, readings[1:] + [(readings[-1][0] + STEP_MS, {})], strict=False):
            watered = any(before < irrigated <= ts for irrigated in irrigations)
            if values and not watered and sensor.weather.rain_mm(before, ts) == 0.0:
                spell.append(values["soil_moisture_pct"])
                continue
            if len(spell) >= DAY_MS // STEP_MS:
                dry_spells += 1
                assert all(later <= earlier for earlier, later in zip(spell, spell[1:], strict=False)), sensor.device
                assert spell[-1] < spell[0] - 1.0, sensor.device
            spell = []
    assert dry_spells >= DEVICES


def test_soil_moisture_jumps_up_after_rain(sensors: list[SimulatedSensor]) -> None:
    weather = sensors[0].weather
    showers = [
        (start, end)
        for day in range(START_DAY, START_DAY + DAYS)
        for start, end, _ in weather.rain_events(day)
        if weather.rain_mm(start, end) >= 3.0
    ]
    wetted = 0
    for sensor in sensors:
        for start, end in showers:
            before = sensor.soil_moisture_pct(start)
            if before < sensor.field_capacity - 2.0:  # a wet soil has no room to rise
                wetted += 1
                assert sensor.soil_moisture_pct(end) > before + 1.0
    assert wetted >= 1


def test_same_seed_and_time_give_the_same_reading_in_any_order() -> None:
    _, forwards_sensors = farm(seed=9)
    _, shuffled_sensors = farm(seed=9)
    start = forwards_sensors[0].weather.day_start_ms(START_DAY)
    times = sorted(start + random.Random(1).randrange(0, 20 * DAY_MS) for _ in range(100))
    shuffled = list(times)
    random.Random(2).shuffle(shuffled)
    for device in range(DEVICES):
        expected = {ts: forwards_sensors[device].reading_at(ts) for ts in times}
        assert {ts: shuffled_sensors[device].reading_at(ts) for ts in shuffled} == expected
        assert {ts: forwards_sensors[device].reading_at(ts) for ts in reversed(times)} == expected
        fresh = SimulatedSensor(FarmWeather(seed=9), device, interval_ms=STEP_MS)
        assert fresh.reading_at(times[-1]) == expected[times[-1]]


def test_devices_share_the_weather_but_not_the_soil(month: Month) -> None:
    for step in range(0, DAYS * DAY_MS // STEP_MS, 37):
        at_once = [readings[step][1] for readings in month.values()]
        assert len({values["air_temp_c"] for values in at_once}) == 1
        assert len({values["rain_mm"] for values in at_once}) == 1
        soils = {tuple(values[metric] for metric in SOIL_METRICS) for values in at_once}
        assert len(soils) == DEVICES
    moisture_curves = {tuple(v["soil_moisture_pct"] for _, v in readings) for readings in month.values()}
    assert len(moisture_curves) == DEVICES


def test_soil_temperature_swings_less_than_air(month: Month) -> None:
    readings = month[0]
    per_day = DAY_MS // STEP_MS
    for day in range(DAYS):
        values = [v for _, v in readings[day * per_day : (day + 1) * per_day]]
        air = [v["air_temp_c"] for v in values]
        soil = [v["soil_temp_c"] for v in values]
        assert max(soil) - min(soil) < max(air) - min(air)


def test_leaves_are_wet_in_rain(sensors: list[SimulatedSensor]) -> None:
    weather = sensors[0].weather
    for start, end, _ in weather.rain_events(START_DAY + 1) + weather.rain_events(START_DAY + 2):
        for sensor in sensors:
            assert sensor.reading_at((start + end) // 2)["leaf_wetness_pct"] >= 80.0


def test_battery_charges_by_day_and_drains_by_night(month: Month) -> None:
    per_day = DAY_MS // STEP_MS
    for readings in month.values():
        voltages = [v["battery_v"] for _, v in readings]
        assert min(voltages) >= 3.6 and max(voltages) <= 4.2
        for day in range(DAYS):
            dawn = voltages[day * per_day + 6 * 6]  # 06:00 local
            dusk = voltages[day * per_day + 18 * 6]  # 18:00 local
            assert dusk > dawn + 0.1
