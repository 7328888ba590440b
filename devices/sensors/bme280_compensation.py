"""Bosch BME280/BMP280 calibration and the datasheet's integer compensation formulas (section 4.2.3)."""

from __future__ import annotations

import struct
from dataclasses import dataclass, fields

from orchard.errors import SensorError


@dataclass(frozen=True)
class Calibration:
    """The trimming parameters burnt into each chip (datasheet 4.2.2)."""

    T1: int
    T2: int
    T3: int
    P1: int
    P2: int
    P3: int
    P4: int
    P5: int
    P6: int
    P7: int
    P8: int
    P9: int
    # humidity: zero on a BMP280
    H1: int = 0
    H2: int = 0
    H3: int = 0
    H4: int = 0
    H5: int = 0
    H6: int = 0

    @classmethod
    def parse(cls, tp: bytes, h: bytes | None) -> Calibration:
        """Unpack 0x88..0xA1 and, for a BME280, 0xE1..0xE7 (little-endian, signedness per table 16)."""
        values = struct.unpack("<HhhHhhhhhhhh", tp[:24])
        if h is None:
            return cls(*values)
        e4, e6, h6 = struct.unpack("<bbb", h[3:4] + h[5:7])  # msb halves of H4, H5 carry the sign
        h2, h3 = struct.unpack("<hB", h[0:3])
        h4, h5 = (e4 << 4) | (h[4] & 0x0F), (e6 << 4) | (h[4] >> 4)  # 12-bit values sharing 0xE5
        words = (*values, tp[25], h2, h3, h4, h5, h6)  # H1..H6 follow the 12 temperature and pressure words
        return cls(**dict(zip((f.name for f in fields(cls)), words, strict=True)))


def compensate_temperature(adc_t: int, cal: Calibration) -> tuple[int, int]:
    """Return (temperature in 0.01 °C, t_fine), datasheet 4.2.3 integer formula."""
    var1 = (((adc_t >> 3) - (cal.T1 << 1)) * cal.T2) >> 11
    var2 = (((((adc_t >> 4) - cal.T1) * ((adc_t >> 4) - cal.T1)) >> 12) * cal.T3) >> 14
    t_fine = var1 + var2
    return (t_fine * 5 + 128) >> 8, t_fine


def compensate_pressure(adc_p: int, cal: Calibration, t_fine: int) -> int:
    """Return pressure in Pa as Q24.8 (1/256 Pa), datasheet 4.2.3 64-bit integer formula."""
    var1 = t_fine - 128000
    var2 = var1 * var1 * cal.P6
    var2 = var2 + ((var1 * cal.P5) << 17)
    var2 = var2 + (cal.P4 << 35)
    var1 = ((var1 * var1 * cal.P3) >> 8) + ((var1 * cal.P2) << 12)
    var1 = (((1 << 47) + var1) * cal.P1) >> 33
    if var1 == 0:
        raise SensorError("pressure calibration is zero (dig_P1 = 0)")
    p = 1048576 - adc_p
    p = _c_div(((p << 31) - var2) * 3125, var1)
    var1 = (cal.P9 * (p >> 13) * (p >> 13)) >> 25
    var2 = (cal.P8 * p) >> 19
    return ((p + var1 + var2) >> 8) + (cal.P7 << 4)


def compensate_humidity(adc_h: int, cal: Calibration, t_fine: int) -> int:
    """Return relative humidity as Q22.10 (1/1024 %), datasheet 4.2.3 32-bit integer formula."""
    v = t_fine - 76800
    offset = ((((adc_h << 14) - (cal.H4 << 20) - (cal.H5 * v)) + 16384) >> 15)
    slope = ((((v * cal.H6) >> 10) * (((v * cal.H3) >> 11) + 32768)) >> 10) + 2097152
    v = offset * ((slope * cal.H2 + 8192) >> 14)
    v = v - (((((v >> 15) * (v >> 15)) >> 7) * cal.H1) >> 4)
    return min(max(v, 0), 419430400) >> 12


def _c_div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as C does."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q
