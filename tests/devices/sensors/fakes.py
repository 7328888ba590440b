"""Fake hardware: an I2C bus routing to emulated BME280 and ADS1115 register maps, a 1-Wire sysfs tree."""

from __future__ import annotations

import errno
import struct
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

# Bosch BMP280 datasheet 3.12 example calibration; humidity from a real BME280.
DATASHEET_T = (27504, 26435, -1000)
DATASHEET_P = (36477, -10685, 3024, 2855, 140, -7, 15500, -14600, 6000)
SAMPLE_H = (75, 362, 0, 313, 50, 30)
DATASHEET_ADC_T, DATASHEET_ADC_P = 519888, 415148


class FakeChip(Protocol):
    def read(self, register: int, length: int) -> list[int]: ...

    def write(self, register: int, data: list[int]) -> None: ...


class FakeI2CBus:
    """Routes smbus2-style calls to chips by address; an empty address fails like a real bus."""

    def __init__(self, chips: dict[int, FakeChip] | None = None) -> None:
        self.chips = dict(chips or {})
        self.closed = False
        self.writes: list[tuple[int, int, list[int]]] = []

    def _chip(self, address: int) -> FakeChip:
        if self.closed:
            raise OSError(errno.EBADF, "Bad file descriptor")
        if address not in self.chips:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        return self.chips[address]

    def read_byte_data(self, i2c_addr: int, register: int) -> int:
        return self._chip(i2c_addr).read(register, 1)[0]

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        assert 1 <= length <= 32, "SMBus block reads carry at most 32 bytes"
        return self._chip(i2c_addr).read(register, length)

    def write_byte_data(self, i2c_addr: int, register: int, value: int) -> None:
        assert 0 <= value <= 0xFF
        self._chip(i2c_addr).write(register, [value])
        self.writes.append((i2c_addr, register, [value]))

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: Sequence[int]) -> None:
        assert all(0 <= byte <= 0xFF for byte in data)
        self._chip(i2c_addr).write(register, list(data))
        self.writes.append((i2c_addr, register, list(data)))

    def close(self) -> None:
        self.closed = True


def bme280_calibration(t=DATASHEET_T, p=DATASHEET_P, h=SAMPLE_H) -> tuple[bytes, bytes]:
    """Pack calibration into 0x88..0xA1 and 0xE1..0xE7 as the chip stores it (datasheet table 16)."""
    h1, h2, h3, h4, h5, h6 = h
    tp = struct.pack("<HhhHhhhhhhhh", *t, *p) + bytes([0x00, h1])
    hum = struct.pack("<hB", h2, h3) + bytes(
        [(h4 >> 4) & 0xFF, (h4 & 0x0F) | ((h5 & 0x0F) << 4), (h5 >> 4) & 0xFF]
    ) + struct.pack("<b", h6)
    return tp, hum


class FakeBME280:
    """Register map of a BME280: measurements land in 0xF7..0xFE only when a forced measurement ends."""

    def __init__(self, adc_t: int = DATASHEET_ADC_T, adc_p: int = DATASHEET_ADC_P, adc_h: int = 30000,
                 chip_id: int = 0x60, calibration: tuple[bytes, bytes] | None = None,
                 busy_polls: int = 2, forced_works: bool = True) -> None:
        self.regs = bytearray(256)
        self.regs[0xD0] = chip_id
        tp, hum = calibration or bme280_calibration()
        self.regs[0x88:0xA2] = tp
        self.regs[0xE1:0xE8] = hum
        self.regs[0xF7:0xFF] = bytes([0x80, 0, 0, 0x80, 0, 0, 0x80, 0])  # reset values
        self.adc = {"t": adc_t, "p": adc_p, "h": adc_h}
        self.busy_polls = busy_polls
        self.forced_works = forced_works
        self.remaining: int | None = None
        self.latched_osrs_h = 0
        self.measurements = 0

    def write(self, register: int, data: list[int]) -> None:
        for offset, value in enumerate(data):
            reg = register + offset
            self.regs[reg] = value
            if reg == 0xF4 and value & 0b11 and self.forced_works:
                self.latched_osrs_h = self.regs[0xF2] & 0b111  # ctrl_hum applies at a ctrl_meas write
                self.remaining = self.busy_polls
                self.regs[0xF3] |= 0x08

    def read(self, register: int, length: int) -> list[int]:
        if register <= 0xF3 < register + length and self.remaining is not None:
            if self.remaining > 0:
                self.remaining -= 1
            else:
                self._finish()
        return list(self.regs[register:register + length])

    def _finish(self) -> None:
        ctrl = self.regs[0xF4]
        t = self.adc["t"] if ctrl >> 5 else 0x80000
        p = self.adc["p"] if (ctrl >> 2) & 0b111 else 0x80000
        h = self.adc["h"] if self.latched_osrs_h else 0x8000
        self.regs[0xF7:0xFF] = bytes([p >> 12, (p >> 4) & 0xFF, (p & 0xF) << 4,
                                      t >> 12, (t >> 4) & 0xFF, (t & 0xF) << 4, h >> 8, h & 0xFF])
        self.regs[0xF3] &= ~0x08
        self.regs[0xF4] &= ~0b11  # back to sleep mode
        self.remaining = None
        self.measurements += 1


PGA_FULL_SCALE = {0: 6.144, 1: 4.096, 2: 2.048, 3: 1.024, 4: 0.512, 5: 0.256, 6: 0.256, 7: 0.256}


class FakeADS1115:
    """ADS1115 registers: 16-bit config (OS bit busy for a few polls), big-endian conversion result."""

    def __init__(self, volts: Sequence[float] = (0.0, 0.0, 0.0, 0.0), busy_polls: int = 1) -> None:
        self.volts = list(volts)
        self.busy_polls = busy_polls
        self.config = 0x8583  # power-on default
        self.conversion = 0
        self.config_writes: list[int] = []
        self.remaining: int | None = None

    def write(self, register: int, data: list[int]) -> None:
        assert register in (0x01, 0x02, 0x03), f"register 0x{register:02X} is read-only"
        assert len(data) == 2, "ADS1115 registers are 16 bits: write two bytes, most significant first"
        if register != 0x01:
            return
        word = (data[0] << 8) | data[1]
        self.config_writes.append(word)
        self.config = word & 0x7FFF  # OS reads 0 while converting
        if word & 0x8000 and word & 0x0100:
            self.remaining = self.busy_polls

    def read(self, register: int, length: int) -> list[int]:
        assert length == 2, "ADS1115 registers are 16 bits"
        if register == 0x00:
            return list(self.conversion.to_bytes(2, "big", signed=True))
        assert register == 0x01, f"unexpected read of register 0x{register:02X}"
        if self.remaining is not None:
            if self.remaining > 0:
                self.remaining -= 1
                return list(self.config.to_bytes(2, "big"))
            self._finish()
        return list((self.config | 0x8000).to_bytes(2, "big"))

    def _finish(self) -> None:
        mux = (self.config >> 12) & 0b111
        assert mux >= 0b100, "this fake only models single-ended inputs"
        full_scale = PGA_FULL_SCALE[(self.config >> 9) & 0b111]
        code = round(self.volts[mux - 0b100] / full_scale * 32768)
        self.conversion = min(max(code, -32768), 32767)
        self.remaining = None


def write_w1_slave(base: Path, device_id: str, millis: int, crc_ok: bool = True,
                   scratchpad: str = "72 01 4b 46 7f ff 0e 10 57") -> Path:
    """Write <base>/<device_id>/w1_slave the way the w1-therm kernel driver formats it."""
    folder = base / device_id
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "w1_slave"
    crc = scratchpad.split()[-1]
    path.write_text(f"{scratchpad} : crc={crc} {'YES' if crc_ok else 'NO'}\n{scratchpad} t={millis}\n")
    return path
