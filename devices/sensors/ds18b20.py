"""DS18B20 temperature probe read through the Linux 1-Wire sysfs (w1-gpio, w1-therm)."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchard.errors import SensorError

from .base import Sensor, register_driver, spec_args

log = logging.getLogger(__name__)

W1_DEVICES = Path("/sys/bus/w1/devices")
DEVICE_ID = re.compile(r"[0-9a-f]{2}-[0-9a-f]{12}")
TEMPERATURE = re.compile(r"t=(-?\d+)\s*$")
POWER_ON_RESET_MC = 85000  # the scratchpad value before any conversion ran
DISCONNECTED_MC = -127000  # what drivers report for a sensor that did not answer
LOWEST_MC, HIGHEST_MC = -55000, 125000  # the DS18B20's rated range


class _CrcMismatch(Exception):
    """The kernel read the scratchpad but its CRC did not match (noise on a long cable)."""


@register_driver
class DS18B20(Sensor):
    """One DS18B20 by 1-Wire id, or the only one present when no id is given."""

    driver = "ds18b20"

    def __init__(
        self,
        device_id: str | None = None,
        metric: str = "soil_temp_c",
        *,
        w1_base: Path | str = W1_DEVICES,
        attempts: int = 3,
        retry_delay: float = 0.1,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if device_id is not None and not DEVICE_ID.fullmatch(device_id):
            raise ValueError(f"1-Wire id {device_id!r} should look like 28-000005e2fdc3")
        if attempts < 1:
            raise ValueError("attempts must be at least 1")
        self.device_id = device_id
        self.metric = metric
        self.metrics = (metric,)
        self.name = f"ds18b20:{device_id or '*'}"
        self.w1_base = Path(w1_base)
        self.attempts = attempts
        self.retry_delay = retry_delay
        self._sleep = sleep

    @classmethod
    def from_spec(cls, args: list[str], metric: str | None, **io: Any) -> DS18B20:
        (device_id,) = spec_args(args, ("device-id",))
        options = {key: io[key] for key in ("w1_base", "sleep") if key in io}
        return cls(device_id.lower() or None, metric or "soil_temp_c", **options)

    def read(self) -> dict[str, float]:
        path = self._slave_file()
        for attempt in range(1, self.attempts + 1):
            try:
                text = path.read_text(encoding="ascii", errors="replace")
            except FileNotFoundError:
                raise SensorError(f"{self.name}: {path} is gone; the probe is unplugged") from None
            except OSError as exc:
                raise SensorError(f"{self.name}: cannot read {path}: {exc}") from exc
            try:
                millis = self._parse(text)
            except _CrcMismatch:
                log.debug("%s: CRC mismatch on attempt %d of %d", self.name, attempt, self.attempts)
                if attempt < self.attempts:
                    self._sleep(self.retry_delay)
                continue
            return {self.metric: millis / 1000}
        raise SensorError(
            f"{self.name}: CRC check failed {self.attempts} times; check the cable and the 4.7 kΩ pull-up"
        )

    def _slave_file(self) -> Path:
        if self.device_id is not None:
            return self.w1_base / self.device_id / "w1_slave"
        found = sorted(path.name for path in self.w1_base.glob("28-*"))
        if not found:
            raise SensorError(
                f"{self.name}: no DS18B20 under {self.w1_base}; check wiring, pull-up and dtoverlay=w1-gpio"
            )
        if len(found) > 1:
            raise SensorError(
                f"{self.name}: several DS18B20 found ({', '.join(found)}); name one, e.g. ds18b20:{found[0]}"
            )
        return self.w1_base / found[0] / "w1_slave"

    def _parse(self, text: str) -> int:
        """Return millidegrees from w1_slave text; raise _CrcMismatch or SensorError."""
        lines = text.strip().splitlines()
        if len(lines) < 2:
            raise SensorError(f"{self.name}: unreadable w1_slave: {text.strip()!r}")
        crc_line, value_line = lines[0].split(), lines[1]
        if crc_line[-1:] == ["NO"]:
            raise _CrcMismatch()
        match = TEMPERATURE.search(value_line)
        if crc_line[-1:] != ["YES"] or match is None:
            raise SensorError(f"{self.name}: unreadable w1_slave: {text.strip()!r}")
        millis = int(match.group(1))
        if all(byte == "00" for byte in crc_line[:9]):
            raise SensorError(f"{self.name}: scratchpad is all zeros; the data line is shorted to ground")
        if millis == POWER_ON_RESET_MC:
            raise SensorError(
                f"{self.name}: reads 85.0 °C, its power-on value: no conversion ran (power dip, weak supply)"
            )
        if millis == DISCONNECTED_MC:
            raise SensorError(f"{self.name}: reads -127.0 °C; the probe is unplugged")
        if not LOWEST_MC <= millis <= HIGHEST_MC:
            raise SensorError(f"{self.name}: reads {millis / 1000} °C, outside the DS18B20's -55..125 °C")
        return millis
