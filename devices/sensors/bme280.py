"""Bosch BME280 (and BMP280) air temperature, humidity and pressure over I2C, forced mode."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from orchard.errors import SensorError

from .base import Sensor, no_metric, parse_address, parse_int, register_driver, spec_args
from .bme280_compensation import Calibration, compensate_humidity, compensate_pressure, compensate_temperature
from .i2c import BusOpener, I2CDevice

log = logging.getLogger(__name__)

CHIP_ID, CONFIG, CTRL_HUM, STATUS, CTRL_MEAS, DATA = 0xD0, 0xF5, 0xF2, 0xF3, 0xF4, 0xF7
CALIB_TP, CALIB_H = 0x88, 0xE1  # 0x88..0xA1 (26 bytes) and 0xE1..0xE7 (7 bytes)
BME280_ID, BMP280_IDS = 0x60, (0x56, 0x57, 0x58)
X1, FORCED, MEASURING = 0b001, 0b01, 0x08
MEASURE_S = 0.0098  # datasheet 9.1: t_measure,max = 9.3 ms with x1 oversampling of T, P and H
POLLS, POLL_S = 25, 0.002
SKIPPED_TP, SKIPPED_H = 0x80000, 0x8000  # what a skipped measurement leaves in the data registers


@register_driver
class BME280(Sensor):
    """A BME280 at 0x76 or 0x77; one forced measurement per read, so it rests between readings."""

    driver = "bme280"
    chip = "BME280"
    humidity = True

    def __init__(
        self,
        bus_number: int = 1,
        address: int = 0x76,
        *,
        open_bus: BusOpener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.device = I2CDevice(bus_number, address, open_bus)
        self.name = f"{self.driver}:{bus_number}:0x{address:02x}"
        self.metrics = ("air_temp_c", "air_pressure_hpa") + (("air_humidity_pct",) if self.humidity else ())
        self._sleep = sleep
        self._calibration: Calibration | None = None

    @classmethod
    def from_spec(cls, args: list[str], metric: str | None, **io: Any) -> BME280:
        no_metric(cls.driver, metric)
        bus, address = spec_args(args, ("bus", "address"))
        options = {key: io[key] for key in ("open_bus", "sleep") if key in io}
        return cls(parse_int(bus, "I2C bus", 1, 0, 255), parse_address(address, 0x76), **options)

    def read(self) -> dict[str, float]:
        try:
            if self._calibration is None:
                self._calibration = self._probe()
            return self._measure(self._calibration)
        except SensorError:
            self._calibration = None  # probe again next time: the chip may have been swapped
            raise

    def close(self) -> None:
        self.device.close()

    def _probe(self) -> Calibration:
        chip_id = self.device.read_byte(CHIP_ID)
        where = self.device.where
        if self.humidity and chip_id in BMP280_IDS:
            raise SensorError(
                f"{self.name}: found a BMP280 (chip id 0x{chip_id:02X}) at {where}: it has no humidity; "
                f"use bmp280 in ORCHARD_SENSORS"
            )
        expected = (BME280_ID,) if self.humidity else BMP280_IDS + (BME280_ID,)
        if chip_id not in expected:
            raise SensorError(f"{self.name}: chip id 0x{chip_id:02X} at {where} is not a {self.chip}")
        self.device.write_byte(CONFIG, 0x00)  # no IIR filter, no standby: each read is one fresh sample
        tp = bytes(self.device.read_block(CALIB_TP, 26))
        h = bytes(self.device.read_block(CALIB_H, 7)) if self.humidity else None
        calibration = Calibration.parse(tp, h)
        if calibration.T1 == 0 or calibration.P1 == 0:
            raise SensorError(f"{self.name}: calibration at {where} reads as zeros")
        log.debug("%s: calibration %s", self.name, calibration)
        return calibration

    def _measure(self, cal: Calibration) -> dict[str, float]:
        if self.humidity:
            self.device.write_byte(CTRL_HUM, X1)  # takes effect only with the ctrl_meas write below
        self.device.write_byte(CTRL_MEAS, (X1 << 5) | (X1 << 2) | FORCED)
        self._sleep(MEASURE_S)
        for _ in range(POLLS):
            if not self.device.read_byte(STATUS) & MEASURING:
                break
            self._sleep(POLL_S)
        else:
            raise SensorError(f"{self.name}: measurement did not finish at {self.device.where}")
        data = self.device.read_block(DATA, 8 if self.humidity else 6)
        adc_p = (data[0] << 12) | (data[1] << 4) | (data[2] >> 4)
        adc_t = (data[3] << 12) | (data[4] << 4) | (data[5] >> 4)
        if SKIPPED_TP in (adc_t, adc_p):
            raise SensorError(f"{self.name}: temperature or pressure measurement was skipped")
        centi, t_fine = compensate_temperature(adc_t, cal)
        values = {
            "air_temp_c": centi / 100,
            "air_pressure_hpa": round(compensate_pressure(adc_p, cal, t_fine) / 25600, 2),
        }
        if self.humidity:
            adc_h = (data[6] << 8) | data[7]
            if adc_h == SKIPPED_H:
                raise SensorError(f"{self.name}: humidity measurement was skipped")
            values["air_humidity_pct"] = round(compensate_humidity(adc_h, cal, t_fine) / 1024, 2)
        return values


@register_driver
class BMP280(BME280):
    """A BMP280 (or a BME280 read without humidity): temperature and pressure only."""

    driver = "bmp280"
    chip = "BMP280"
    humidity = False
