"""ORCHARD_SENSORS specs into sensors, and the driver registry."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devices.sensors import (
    BME280,
    BMP280,
    DRIVERS,
    DS18B20,
    ADS1115SoilMoisture,
    Sensor,
    SensorSpecError,
    build_sensors,
)
from orchard.errors import SensorError
from tests.devices.sensors.fakes import FakeADS1115, FakeBME280, FakeI2CBus, write_w1_slave

EXAMPLE = "ds18b20:28-000005e2fdc3=soil_temp_c, bme280:1:0x76, ads1115:1:0x48:0=soil_moisture_pct"


def test_example_spec_builds_the_three_drivers() -> None:
    ds, bme, ads = build_sensors(EXAMPLE)
    assert isinstance(ds, DS18B20) and ds.device_id == "28-000005e2fdc3" and ds.metrics == ("soil_temp_c",)
    assert isinstance(bme, BME280) and (bme.device.bus_number, bme.device.address) == (1, 0x76)
    assert isinstance(ads, ADS1115SoilMoisture)
    assert (ads.device.bus_number, ads.device.address, ads.channel) == (1, 0x48, 0)
    names = [sensor.name for sensor in (ds, bme, ads)]
    assert names == ["ds18b20:28-000005e2fdc3", "bme280:1:0x76", "ads1115:1:0x48:0"]


@pytest.mark.parametrize("spec", ["", "  ", " , ,"])
def test_empty_spec_means_no_sensors(spec: str) -> None:
    assert build_sensors(spec) == []


def test_defaults() -> None:
    ds, bme, ads = build_sensors("ds18b20, bme280, ads1115:::2=leaf_wetness_pct")
    assert ds.device_id is None and ds.metric == "soil_temp_c"
    assert (bme.device.bus_number, bme.device.address) == (1, 0x76)
    assert bme.metrics == ("air_temp_c", "air_pressure_hpa", "air_humidity_pct")
    assert (ads.device.bus_number, ads.device.address, ads.channel) == (1, 0x48, 2)
    assert (ads.dry_v, ads.wet_v, ads.metric) == (2.8, 1.2, "leaf_wetness_pct")


def test_bmp280_has_no_humidity() -> None:
    (bmp,) = build_sensors("bmp280:1:0x77")
    assert isinstance(bmp, BMP280) and bmp.device.address == 0x77
    assert bmp.metrics == ("air_temp_c", "air_pressure_hpa")


def test_calibration_and_decimal_address() -> None:
    (ads,) = build_sensors("ADS1115:0:73:3:3.0:1.4=soil_moisture_pct")
    assert (ads.device.bus_number, ads.device.address, ads.channel) == (0, 0x49, 3)
    assert (ads.dry_v, ads.wet_v) == (3.0, 1.4)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("dht22:4", "unknown driver 'dht22' \\(known: ads1115, bme280, bmp280, ds18b20\\)"),
        ("=soil_temp_c", "unknown driver ''"),
        ("bme280:x", "I2C bus 'x' is not a number"),
        ("bme280:1:0x99", "I2C address 0x99 is outside 0x03..0x77"),
        ("bme280:1:0x76:9", "at most 2 ':' arguments \\(bus, address\\), got 3"),
        ("bme280=air_temp_c", "bme280 reports fixed metrics"),
        ("ads1115:1:0x48:4", "channel 4 is outside 0..3"),
        ("ads1115:1:0x48:0:2.8", "both the dry and the wet"),
        ("ads1115:1:0x48:0:2.8:2.8", "must differ"),
        ("ads1115:1:0x48:0:dry:1.2", "dry voltage 'dry' is not a number"),
        ("ads1115:1:0x48:0:9:1.2", "dry voltage 9 V is outside 0..5 V"),
        ("ds18b20:../../etc/passwd", "should look like 28-000005e2fdc3"),
        ("ds18b20:28-000005e2fdc3=Soil Temp", "metric 'Soil Temp' must be lower case"),
        ("ds18b20:28-000005e2fdc3=", "metric '' must be lower case"),
        ("ds18b20:28-000005e2fdc3, ds18b20:28-0316a2792eff", "both report soil_temp_c"),
        ("bme280:1:0x76, ds18b20=air_temp_c", "both report air_temp_c"),
    ],
)
def test_bad_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(SensorSpecError, match=message) as caught:
        build_sensors(spec)
    assert str(caught.value).startswith("ORCHARD_SENSORS")
    assert isinstance(caught.value, SensorError) and isinstance(caught.value, ValueError)


def test_io_reaches_the_drivers_and_every_sensor_reads(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, "28-000005e2fdc3", 18250)
    bus = FakeI2CBus({0x76: FakeBME280(), 0x48: FakeADS1115([2.0, 0, 0, 0])})
    sensors = build_sensors(EXAMPLE, w1_base=tmp_path, open_bus=lambda _number: bus, sleep=lambda _s: None)
    readings: dict[str, float] = {}
    for sensor in sensors:
        readings.update(sensor.read())
    assert readings == {
        "soil_temp_c": 18.25,
        "air_temp_c": 25.08,
        "air_pressure_hpa": pytest.approx(1006.53, abs=0.01),
        "air_humidity_pct": pytest.approx(55.0, abs=0.05),
        "soil_moisture_pct": 50.0,
    }


def test_a_new_driver_plugs_in(monkeypatch: pytest.MonkeyPatch) -> None:
    class RainGauge(Sensor):
        driver = "raingauge"

        def __init__(self, pin: int, metric: str) -> None:
            self.name, self.metrics, self.pin = f"raingauge:{pin}", (metric,), pin

        def read(self) -> dict[str, float]:
            return {self.metrics[0]: 0.2}

        @classmethod
        def from_spec(cls, args: list[str], metric: str | None, **io: Any) -> Sensor:
            return cls(int(args[0]), metric or "rain_mm")

    monkeypatch.setitem(DRIVERS, "raingauge", RainGauge)
    (gauge,) = build_sensors("raingauge:17")
    assert gauge.read() == {"rain_mm": 0.2}


def test_sensor_is_abstract() -> None:
    with pytest.raises(TypeError):
        Sensor()  # type: ignore[abstract]
