"""Sensor drivers for the Pi agent; `build_sensors(ORCHARD_SENSORS)` gives the configured ones."""

from .ads1115 import ADS1115SoilMoisture
from .base import DRIVERS, Sensor, SensorSpecError, build_sensors, register_driver
from .bme280 import BME280, BMP280
from .ds18b20 import DS18B20

__all__ = [
    "ADS1115SoilMoisture",
    "BME280",
    "BMP280",
    "DRIVERS",
    "DS18B20",
    "Sensor",
    "SensorSpecError",
    "build_sensors",
    "register_driver",
]
