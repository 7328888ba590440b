"""The BME280 driver against an emulated register map, checked with Bosch's reference numbers."""

from __future__ import annotations

import pytest

from devices.sensors.bme280 import BME280, BMP280
from orchard.errors import SensorError
from tests.devices.sensors.fakes import (
    DATASHEET_P,
    DATASHEET_T,
    SAMPLE_H,
    FakeBME280,
    FakeI2CBus,
    bme280_calibration,
)


def no_sleep(_seconds: float) -> None:
    pass


def sensor_on(bus: FakeI2CBus, cls: type[BME280] = BME280, address: int = 0x76) -> BME280:
    return cls(1, address, open_bus=lambda _number: bus, sleep=no_sleep)


def float_t_fine(adc_t: int) -> tuple[int, float]:
    """BME280 datasheet 8.1, double precision: (t_fine, temperature °C)."""
    t1, t2, t3 = DATASHEET_T
    var1 = (adc_t / 16384.0 - t1 / 1024.0) * t2
    var2 = (adc_t / 131072.0 - t1 / 8192.0) ** 2 * t3
    return int(var1 + var2), (var1 + var2) / 5120.0


def float_pressure_pa(adc_p: int, t_fine: int) -> float:
    """BME280 datasheet 8.1, double precision pressure in Pa."""
    p1, p2, p3, p4, p5, p6, p7, p8, p9 = DATASHEET_P
    var1 = t_fine / 2.0 - 64000.0
    var2 = var1 * var1 * p6 / 32768.0
    var2 = var2 + var1 * p5 * 2.0
    var2 = var2 / 4.0 + p4 * 65536.0
    var1 = (p3 * var1 * var1 / 524288.0 + p2 * var1) / 524288.0
    var1 = (1.0 + var1 / 32768.0) * p1
    p = (1048576.0 - adc_p - var2 / 4096.0) * 6250.0 / var1
    return p + (p9 * p * p / 2147483648.0 + p * p8 / 32768.0 + p7) / 16.0


def float_humidity(adc_h: int, t_fine: int, h: tuple[int, ...]) -> float:
    """BME280 datasheet 8.1, double precision relative humidity in %."""
    h1, h2, h3, h4, h5, h6 = h
    var = t_fine - 76800.0
    var = (adc_h - (h4 * 64.0 + h5 / 16384.0 * var)) * (
        h2 / 65536.0 * (1.0 + h6 / 67108864.0 * var * (1.0 + h3 / 67108864.0 * var))
    )
    var = var * (1.0 - h1 * var / 524288.0)
    return min(max(var, 0.0), 100.0)


def test_datasheet_example_reads_25_08_c_and_1006_53_hpa() -> None:
    bus = FakeI2CBus({0x76: FakeBME280()})
    values = sensor_on(bus).read()
    assert values["air_temp_c"] == 25.08
    assert values["air_pressure_hpa"] == pytest.approx(1006.53, abs=0.01)
    t_fine, celsius = float_t_fine(519888)
    assert celsius == pytest.approx(25.08, abs=0.01)
    assert values["air_pressure_hpa"] == pytest.approx(float_pressure_pa(415148, t_fine) / 100, abs=0.01)
    assert set(values) == {"air_temp_c", "air_pressure_hpa", "air_humidity_pct"}


@pytest.mark.parametrize(
    ("adc_t", "adc_h", "h"),
    [
        (519888, 30000, SAMPLE_H),
        (519888, 25000, SAMPLE_H),
        (480000, 2000, (75, 370, 0, -120, -40, 30)),  # negative 12-bit H4 and H5
        (560000, 35000, (60, 350, 10, 300, -20, -10)),  # negative H5 and H6
        (519888, 60000, SAMPLE_H),  # saturates at 100 %
        (519888, 15000, SAMPLE_H),  # saturates at 0 %
    ],
)
def test_humidity_matches_the_datasheet_float_formula(adc_t: int, adc_h: int, h: tuple[int, ...]) -> None:
    chip = FakeBME280(adc_t=adc_t, adc_h=adc_h, calibration=bme280_calibration(h=h))
    values = sensor_on(FakeI2CBus({0x76: chip})).read()
    t_fine, celsius = float_t_fine(adc_t)
    assert values["air_temp_c"] == pytest.approx(celsius, abs=0.01)
    assert values["air_humidity_pct"] == pytest.approx(float_humidity(adc_h, t_fine, h), abs=0.05)


def test_one_forced_measurement_per_read_with_humidity_enabled_first() -> None:
    chip = FakeBME280(busy_polls=5)
    bus = FakeI2CBus({0x77: chip})
    sensor = sensor_on(bus, address=0x77)
    sensor.read()
    sensor.read()
    assert chip.measurements == 2
    registers = [register for _address, register, _data in bus.writes]
    assert registers.index(0xF2) < registers.index(0xF4)
    assert (0x77, 0xF4, [0b001_001_01]) in bus.writes  # x1 temperature, x1 pressure, forced mode


def test_bmp280_at_a_bme280_entry_says_to_use_bmp280() -> None:
    bus = FakeI2CBus({0x76: FakeBME280(chip_id=0x58)})
    with pytest.raises(SensorError, match=r"BMP280 \(chip id 0x58\) at 0x76 on I2C bus 1.*use bmp280"):
        sensor_on(bus).read()


@pytest.mark.parametrize("chip_id", [0x00, 0xFF, 0x61])
def test_unknown_chip_id_names_id_and_address(chip_id: int) -> None:
    bus = FakeI2CBus({0x76: FakeBME280(chip_id=chip_id)})
    with pytest.raises(SensorError, match=f"chip id 0x{chip_id:02X} at 0x76 on I2C bus 1 is not a BME280"):
        sensor_on(bus).read()


def test_bmp280_driver_reads_temperature_and_pressure_only() -> None:
    chip = FakeBME280(chip_id=0x58)
    bus = FakeI2CBus({0x76: chip})
    values = sensor_on(bus, BMP280).read()
    assert values == {"air_temp_c": 25.08, "air_pressure_hpa": pytest.approx(1006.53, abs=0.01)}
    assert all(register != 0xF2 for _address, register, _data in bus.writes)


def test_missing_chip_names_the_address() -> None:
    with pytest.raises(SensorError, match="no answer from 0x76 on I2C bus 1"):
        sensor_on(FakeI2CBus()).read()


def test_measurement_that_never_ends_is_an_error() -> None:
    bus = FakeI2CBus({0x76: FakeBME280(busy_polls=10_000)})
    with pytest.raises(SensorError, match="did not finish"):
        sensor_on(bus).read()


def test_skipped_measurement_is_never_returned_as_a_value() -> None:
    bus = FakeI2CBus({0x76: FakeBME280(forced_works=False)})  # data registers keep their reset 0x80000
    with pytest.raises(SensorError, match="skipped"):
        sensor_on(bus).read()


def test_zero_calibration_is_an_error() -> None:
    bus = FakeI2CBus({0x76: FakeBME280(calibration=(bytes(26), bytes(7)))})
    with pytest.raises(SensorError, match="calibration"):
        sensor_on(bus).read()


def test_replugged_chip_is_probed_again() -> None:
    bus = FakeI2CBus()
    sensor = sensor_on(bus)
    with pytest.raises(SensorError):
        sensor.read()
    bus.chips[0x76] = FakeBME280()
    assert sensor.read()["air_temp_c"] == 25.08


def test_bus_opens_on_first_read_once_and_closes() -> None:
    bus = FakeI2CBus({0x76: FakeBME280()})
    opened: list[int] = []

    def open_bus(number: int) -> FakeI2CBus:
        opened.append(number)
        return bus

    sensor = BME280(3, 0x76, open_bus=open_bus, sleep=no_sleep)
    assert opened == []
    sensor.read()
    sensor.read()
    assert opened == [3]
    sensor.close()
    assert bus.closed


def test_bus_that_cannot_open_is_a_sensor_error() -> None:
    def open_bus(number: int) -> FakeI2CBus:
        raise FileNotFoundError(2, "No such file or directory", f"/dev/i2c-{number}")

    with pytest.raises(SensorError, match="cannot open I2C bus 1"):
        BME280(open_bus=open_bus, sleep=no_sleep).read()
