"""Capacitive soil-moisture probe read through an ADS1115 ADC over I2C, as 0..100 % between dry and wet."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

from orchard.errors import SensorError

from .base import Sensor, parse_address, parse_int, parse_volts, register_driver, spec_args
from .i2c import BusOpener, I2CDevice

log = logging.getLogger(__name__)

CONVERSION, CONFIG = 0x00, 0x01
OS_BIT = 0x8000  # write: start a single conversion; read: 1 when idle
MUX_SINGLE_AIN0 = 0b100 << 12  # AIN0..AIN3 against GND are 0b100..0b111
PGA_4_096V = 0b001 << 9
MODE_SINGLE_SHOT = 1 << 8
DR_128SPS = 0b100 << 5
COMP_DISABLED = 0b11
FULL_SCALE_V = 4.096
CONVERSION_S = 1 / 128 + 0.001
POLLS, POLL_S = 20, 0.002


def config_word(channel: int) -> int:
    """The config register value that starts one single-ended conversion on `channel`."""
    mux = MUX_SINGLE_AIN0 + (channel << 12)
    return OS_BIT | mux | PGA_4_096V | MODE_SINGLE_SHOT | DR_128SPS | COMP_DISABLED


@register_driver
class ADS1115SoilMoisture(Sensor):
    """One capacitive probe on AIN0..AIN3; it reads a higher voltage when dry."""

    driver = "ads1115"

    def __init__(
        self,
        bus_number: int = 1,
        address: int = 0x48,
        channel: int = 0,
        metric: str = "soil_moisture_pct",
        *,
        dry_v: float = 2.8,
        wet_v: float = 1.2,
        fault_below_v: float = 0.3,
        fault_above_v: float = 4.0,
        open_bus: BusOpener | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not 0 <= channel <= 3:
            raise ValueError(f"channel {channel} is outside 0..3 (AIN0..AIN3)")
        if abs(dry_v - wet_v) < 0.1:
            raise ValueError(f"dry {dry_v} V and wet {wet_v} V must differ by at least 0.1 V")
        self.device = I2CDevice(bus_number, address, open_bus)
        self.channel = channel
        self.metric = metric
        self.metrics = (metric,)
        self.name = f"ads1115:{bus_number}:0x{address:02x}:{channel}"
        self.dry_v, self.wet_v = dry_v, wet_v
        self.fault_below_v, self.fault_above_v = fault_below_v, fault_above_v
        self._sleep = sleep

    @classmethod
    def from_spec(cls, args: list[str], metric: str | None, **io: Any) -> ADS1115SoilMoisture:
        bus, address, channel, dry, wet = spec_args(args, ("bus", "address", "channel", "dry-V", "wet-V"))
        if bool(dry) != bool(wet):
            raise ValueError("give both the dry and the wet calibration voltage, or neither")
        options = {key: io[key] for key in ("open_bus", "sleep") if key in io}
        return cls(
            parse_int(bus, "I2C bus", 1, 0, 255),
            parse_address(address, 0x48),
            parse_int(channel, "channel", 0, 0, 3),
            metric or "soil_moisture_pct",
            dry_v=parse_volts(dry, "dry voltage", 2.8),
            wet_v=parse_volts(wet, "wet voltage", 1.2),
            **options,
        )

    def read(self) -> dict[str, float]:
        volts = self.read_volts()
        if volts < self.fault_below_v:
            raise SensorError(
                f"{self.name}: AIN{self.channel} reads {volts:.3f} V; the probe is disconnected or shorted"
            )
        if volts > self.fault_above_v:
            raise SensorError(
                f"{self.name}: AIN{self.channel} reads {volts:.3f} V, above {self.fault_above_v} V; "
                "check the probe's wiring and supply"
            )
        fraction = (self.dry_v - volts) / (self.dry_v - self.wet_v)
        return {self.metric: round(min(max(fraction, 0.0), 1.0) * 100, 1)}

    def read_volts(self) -> float:
        """Run one single-shot conversion and return the input voltage."""
        word = config_word(self.channel)
        self.device.write_block(CONFIG, [word >> 8, word & 0xFF])
        self._sleep(CONVERSION_S)
        for _ in range(POLLS):
            msb, _lsb = self.device.read_block(CONFIG, 2)
            if msb & (OS_BIT >> 8):
                break
            self._sleep(POLL_S)
        else:
            raise SensorError(f"{self.name}: conversion did not finish at {self.device.where}")
        msb, lsb = self.device.read_block(CONVERSION, 2)  # big-endian, unlike an SMBus word read
        code = int.from_bytes(bytes([msb, lsb]), "big", signed=True)
        return code * FULL_SCALE_V / 32768

    def close(self) -> None:
        self.device.close()
