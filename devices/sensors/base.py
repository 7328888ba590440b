"""What every sensor driver is, and how ORCHARD_SENSORS turns into a list of them.

The spec is a comma-separated list of entries; spaces around entries and blank
entries are ignored, and an empty spec means no sensors:

    entry  = driver { ":" arg } [ "=" metric ]

    ds18b20[:<device-id>][=<metric>]        1-Wire; id like 28-000005e2fdc3 (default: the
                                            only 28-* device present); metric soil_temp_c
    bme280[:<bus>[:<address>]]              I2C, default bus 1, address 0x76; reports
                                            air_temp_c, air_humidity_pct, air_pressure_hpa
    bmp280[:<bus>[:<address>]]              as bme280, without air_humidity_pct
    ads1115[:<bus>[:<address>[:<channel>[:<dry-V>:<wet-V>]]]][=<metric>]
                                            capacitive probe on AIN<channel>; defaults 1, 0x48,
                                            0, 2.8, 1.2; metric soil_moisture_pct

Bus and channel are decimal, addresses decimal or 0x-hex; an empty arg takes its
default ("ads1115:::2" is channel 2 at 0x48 on bus 1). Example:
"ds18b20:28-000005e2fdc3=soil_temp_c, bme280:1:0x76, ads1115:1:0x48:0=soil_moisture_pct".
Two sensors may not report the same metric.
"""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from typing import Any, ClassVar, TypeVar

from orchard.errors import SensorError
from orchard.vocabulary import CUSTOM_METRIC, KNOWN_METRICS

log = logging.getLogger(__name__)

SETTING = "ORCHARD_SENSORS"


class SensorSpecError(SensorError, ValueError):
    """ORCHARD_SENSORS cannot be understood; the message says which entry and why."""


class Sensor(ABC):
    """One physical sensor that reads canonical metrics, or raises SensorError."""

    driver: ClassVar[str]
    name: str
    metrics: tuple[str, ...]

    @abstractmethod
    def read(self) -> dict[str, float]:
        """Return {metric: value}; raise SensorError on a failed or known-faulty read."""

    def close(self) -> None:  # noqa: B027  (optional: most sensors hold nothing open)
        """Release what the sensor holds open (a bus); reading again reopens it."""

    @classmethod
    @abstractmethod
    def from_spec(cls, args: list[str], metric: str | None, **io: Any) -> Sensor:
        """Build from the parts of one spec entry; `io` carries test doubles and paths."""


DRIVERS: dict[str, type[Sensor]] = {}

S = TypeVar("S", bound=type[Sensor])


def register_driver(cls: S) -> S:
    """Make a driver class buildable from the spec under its `driver` name."""
    DRIVERS[cls.driver] = cls
    return cls


def build_sensors(spec: str, **io: Any) -> list[Sensor]:
    """Parse an ORCHARD_SENSORS spec into sensors; nothing is opened or read yet."""
    sensors: list[Sensor] = []
    owners: dict[str, str] = {}
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        sensor = _build_one(entry, io)
        for metric in sensor.metrics:
            if metric in owners:
                raise SensorSpecError(
                    f"{SETTING}: {owners[metric]!r} and {entry!r} both report {metric}; "
                    "give one of them another metric name"
                )
            owners[metric] = entry
        sensors.append(sensor)
    return sensors


def _build_one(entry: str, io: dict[str, Any]) -> Sensor:
    head, has_metric, metric = entry.partition("=")
    driver, *args = [part.strip() for part in head.split(":")]
    cls = DRIVERS.get(driver.lower())
    if cls is None:
        known = ", ".join(sorted(DRIVERS))
        raise SensorSpecError(f"{SETTING} entry {entry!r}: unknown driver {driver!r} (known: {known})")
    metric = metric.strip()
    if has_metric and not CUSTOM_METRIC.fullmatch(metric):
        raise SensorSpecError(
            f"{SETTING} entry {entry!r}: metric {metric!r} must be lower case letters, digits and _"
        )
    if metric and metric not in KNOWN_METRICS:
        log.warning("%s entry %r: %s is not in the vocabulary; stored as custom", SETTING, entry, metric)
    try:
        return cls.from_spec(args, metric or None, **io)
    except SensorSpecError:
        raise
    except (SensorError, ValueError) as exc:
        raise SensorSpecError(f"{SETTING} entry {entry!r}: {exc}") from exc


def spec_args(args: list[str], names: tuple[str, ...]) -> list[str]:
    """Pad `args` with "" up to `names`; too many args is an error that names the expected ones."""
    if len(args) > len(names):
        raise ValueError(f"takes at most {len(names)} ':' arguments ({', '.join(names)}), got {len(args)}")
    return args + [""] * (len(names) - len(args))


def no_metric(driver: str, metric: str | None) -> None:
    """Refuse '=metric' on a driver whose metrics are fixed."""
    if metric is not None:
        raise ValueError(f"{driver} reports fixed metrics; remove '={metric}'")


def parse_int(text: str, what: str, default: int, low: int, high: int) -> int:
    """Parse a decimal or 0x-hex integer in [low, high]; "" gives `default`."""
    if not text:
        return default
    try:
        value = int(text, 0)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number") from None
    if not low <= value <= high:
        raise ValueError(f"{what} {text} is outside {low}..{high}")
    return value


def parse_address(text: str, default: int) -> int:
    """Parse a 7-bit I2C address such as 0x76."""
    value = parse_int(text, "I2C address", default, 0, 0xFFFF)
    if not 0x03 <= value <= 0x77:
        raise ValueError(f"I2C address {text} is outside 0x03..0x77")
    return value


def parse_volts(text: str, what: str, default: float) -> float:
    """Parse a voltage between 0 and 5 V; "" gives `default`."""
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise ValueError(f"{what} {text!r} is not a number of volts") from None
    if not 0.0 <= value <= 5.0:
        raise ValueError(f"{what} {text} V is outside 0..5 V")
    return value
