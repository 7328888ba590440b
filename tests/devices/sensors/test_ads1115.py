"""The ADS1115 soil-moisture driver against an emulated ADC register map."""

from __future__ import annotations

import pytest

from devices.sensors.ads1115 import ADS1115SoilMoisture
from orchard.errors import SensorError
from tests.devices.sensors.fakes import FakeADS1115, FakeI2CBus


def no_sleep(_seconds: float) -> None:
    pass


def probe(chip: FakeADS1115, channel: int = 0, **options: float) -> ADS1115SoilMoisture:
    bus = FakeI2CBus({0x48: chip})
    return ADS1115SoilMoisture(1, 0x48, channel, open_bus=lambda _number: bus, sleep=no_sleep, **options)


@pytest.mark.parametrize(
    ("volts", "percent"),
    [(2.8, 0.0), (1.2, 100.0), (2.0, 50.0), (2.4, 25.0), (3.1, 0.0), (0.9, 100.0)],
)
def test_voltage_maps_linearly_from_dry_to_wet_and_clamps(volts: float, percent: float) -> None:
    values = probe(FakeADS1115([volts, 0, 0, 0])).read()
    assert values == {"soil_moisture_pct": pytest.approx(percent, abs=0.1)}


@pytest.mark.parametrize(("channel", "word"), [(0, 0xC383), (1, 0xD383), (2, 0xE383), (3, 0xF383)])
def test_single_shot_config_for_each_channel(channel: int, word: int) -> None:
    chip = FakeADS1115([2.6, 2.2, 1.8, 1.4])
    values = probe(chip, channel).read()
    # OS=1, single-ended AINx vs GND, ±4.096 V, single-shot, 128 SPS, comparator off
    assert chip.config_writes == [word]
    assert values["soil_moisture_pct"] == pytest.approx([12.5, 37.5, 62.5, 87.5][channel], abs=0.1)


def test_conversion_register_is_read_big_endian() -> None:
    sensor = probe(FakeADS1115([2.0, 0, 0, 0]))  # code 16000 = 0x3E80; swapped it would be negative
    assert sensor.read_volts() == pytest.approx(2.0, abs=0.001)


def test_waits_for_the_os_bit() -> None:
    chip = FakeADS1115([2.0, 0, 0, 0], busy_polls=4)
    assert probe(chip).read() == {"soil_moisture_pct": 50.0}


def test_conversion_that_never_ends_is_an_error() -> None:
    with pytest.raises(SensorError, match="conversion did not finish at 0x48 on I2C bus 1"):
        probe(FakeADS1115([2.0, 0, 0, 0], busy_polls=10_000)).read()


@pytest.mark.parametrize("volts", [0.0, 0.004, -0.05, 0.25])
def test_disconnected_or_shorted_probe_is_an_error(volts: float) -> None:
    with pytest.raises(SensorError, match="AIN2 reads .* V; the probe is disconnected or shorted"):
        probe(FakeADS1115([2.0, 2.0, volts, 2.0]), channel=2).read()


def test_saturated_input_is_an_error() -> None:
    with pytest.raises(SensorError, match="above 4.0 V"):
        probe(FakeADS1115([5.0, 0, 0, 0])).read()


def test_custom_calibration() -> None:
    sensor = probe(FakeADS1115([2.25, 0, 0, 0]), dry_v=3.0, wet_v=1.5)
    assert sensor.read() == {"soil_moisture_pct": 50.0}


def test_missing_adc_names_the_address() -> None:
    sensor = ADS1115SoilMoisture(1, 0x49, open_bus=lambda _number: FakeI2CBus(), sleep=no_sleep)
    with pytest.raises(SensorError, match="no answer from 0x49 on I2C bus 1"):
        sensor.read()


@pytest.mark.parametrize(
    ("options", "message"),
    [({"channel": 4}, "channel 4 is outside 0..3"), ({"dry_v": 1.2, "wet_v": 1.2}, "must differ")],
)
def test_bad_configuration_is_refused(options: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ADS1115SoilMoisture(**options)
