"""One chip on an I2C bus: the smbus2 methods drivers use, a lazily opened bus, errors named by address."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Protocol

from orchard.errors import SensorError

log = logging.getLogger(__name__)


class I2CBus(Protocol):
    """The subset of smbus2.SMBus the drivers call; tests pass a fake with the same methods."""

    def read_byte_data(self, i2c_addr: int, register: int) -> int: ...

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None: ...

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]: ...

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: Sequence[int]) -> None: ...

    def close(self) -> None: ...


BusOpener = Callable[[int], I2CBus]


def open_smbus(bus_number: int) -> I2CBus:
    """Open /dev/i2c-<bus_number> with smbus2."""
    from smbus2 import SMBus  # imported here so that building sensors never touches the hardware

    return SMBus(bus_number)


class I2CDevice:
    """A chip at `address` on bus `bus_number`; the bus opens on first use."""

    def __init__(self, bus_number: int, address: int, open_bus: BusOpener | None = None) -> None:
        self.bus_number = bus_number
        self.address = address
        self._open_bus = open_bus or open_smbus
        self._bus: I2CBus | None = None

    @property
    def where(self) -> str:
        return f"0x{self.address:02X} on I2C bus {self.bus_number}"

    def _get_bus(self) -> I2CBus:
        if self._bus is None:
            try:
                self._bus = self._open_bus(self.bus_number)
            except OSError as exc:
                raise SensorError(
                    f"cannot open I2C bus {self.bus_number} ({exc}); is I2C enabled (raspi-config)?"
                ) from exc
        return self._bus

    def _fail(self, action: str, register: int, exc: OSError) -> SensorError:
        return SensorError(f"no answer from {self.where} ({action} register 0x{register:02X}: {exc})")

    def read_byte(self, register: int) -> int:
        try:
            return self._get_bus().read_byte_data(self.address, register)
        except OSError as exc:
            raise self._fail("reading", register, exc) from exc

    def read_block(self, register: int, length: int) -> list[int]:
        try:
            data = self._get_bus().read_i2c_block_data(self.address, register, length)
        except OSError as exc:
            raise self._fail("reading", register, exc) from exc
        if len(data) != length:
            raise SensorError(f"{self.where} gave {len(data)} bytes from 0x{register:02X}, expected {length}")
        return list(data)

    def write_byte(self, register: int, value: int) -> None:
        try:
            self._get_bus().write_byte_data(self.address, register, value)
        except OSError as exc:
            raise self._fail("writing", register, exc) from exc

    def write_block(self, register: int, data: Sequence[int]) -> None:
        try:
            self._get_bus().write_i2c_block_data(self.address, register, list(data))
        except OSError as exc:
            raise self._fail("writing", register, exc) from exc

    def close(self) -> None:
        if self._bus is not None:
            bus, self._bus = self._bus, None
            try:
                bus.close()
            except OSError as exc:
                log.debug("closing I2C bus %s: %s", self.bus_number, exc)
