"""The DS18B20 driver against a fake 1-Wire sysfs tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from devices.sensors.ds18b20 import DS18B20
from orchard.errors import SensorError
from tests.devices.sensors.fakes import write_w1_slave

PROBE = "28-000005e2fdc3"


def probe(base: Path, device_id: str | None = PROBE, **options: object) -> DS18B20:
    options.setdefault("sleep", lambda _seconds: None)
    return DS18B20(device_id, w1_base=base, **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(("millis", "celsius"), [(23125, 23.125), (0, 0.0), (-1250, -1.25), (59937, 59.937)])
def test_reads_temperature(tmp_path: Path, millis: int, celsius: float) -> None:
    write_w1_slave(tmp_path, PROBE, millis)
    assert probe(tmp_path).read() == {"soil_temp_c": celsius}


def test_metric_name_is_configurable(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 18250)
    assert DS18B20(PROBE, "air_temp_c", w1_base=tmp_path).read() == {"air_temp_c": 18.25}


def test_power_on_value_85_is_an_error(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 85000, scratchpad="50 05 4b 46 7f ff 0c 10 1c")
    with pytest.raises(SensorError, match="85.0 °C, its power-on value"):
        probe(tmp_path).read()


def test_minus_127_is_an_error(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, -127000)
    with pytest.raises(SensorError, match="unplugged"):
        probe(tmp_path).read()


def test_missing_device_folder_means_unplugged(tmp_path: Path) -> None:
    with pytest.raises(SensorError, match=f"{PROBE}/w1_slave is gone; the probe is unplugged"):
        probe(tmp_path).read()


def test_all_zero_scratchpad_is_an_error(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 0, scratchpad="00 00 00 00 00 00 00 00 00")
    with pytest.raises(SensorError, match="shorted"):
        probe(tmp_path).read()


def test_crc_no_is_retried_then_an_error(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 23125, crc_ok=False, scratchpad="ff ff ff ff ff ff ff ff ff")
    pauses: list[float] = []
    with pytest.raises(SensorError, match="CRC check failed 3 times"):
        probe(tmp_path, sleep=pauses.append, retry_delay=0.05).read()
    assert pauses == [0.05, 0.05]


def test_crc_no_then_yes_returns_the_good_read(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 23125, crc_ok=False)

    def recover(_seconds: float) -> None:
        write_w1_slave(tmp_path, PROBE, 21500)

    assert probe(tmp_path, sleep=recover).read() == {"soil_temp_c": 21.5}


NO_TEMPERATURE = "72 01 4b 46 7f ff 0e 10 57 : crc=57 YES\nno temperature\n"


@pytest.mark.parametrize("text", ["", "garbage\n", NO_TEMPERATURE])
def test_unreadable_file_is_an_error(tmp_path: Path, text: str) -> None:
    path = write_w1_slave(tmp_path, PROBE, 0)
    path.write_text(text)
    with pytest.raises(SensorError, match="unreadable w1_slave"):
        probe(tmp_path).read()


def test_out_of_rated_range_is_an_error(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 127937)
    with pytest.raises(SensorError, match="outside"):
        probe(tmp_path).read()


def test_without_id_reads_the_only_probe(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 12000)
    (tmp_path / "w1_bus_master1").mkdir()
    (tmp_path / "10-000802b4a1c2").mkdir()  # a DS18S20: other family, ignored
    assert probe(tmp_path, None).read() == {"soil_temp_c": 12.0}


def test_without_id_and_no_probe_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "w1_bus_master1").mkdir()
    with pytest.raises(SensorError, match="no DS18B20 under"):
        probe(tmp_path, None).read()


def test_without_id_and_several_probes_lists_them(tmp_path: Path) -> None:
    write_w1_slave(tmp_path, PROBE, 12000)
    write_w1_slave(tmp_path, "28-0316a2792eff", 13000)
    with pytest.raises(SensorError, match="several DS18B20 found \\(28-000005e2fdc3, 28-0316a2792eff\\)"):
        probe(tmp_path, None).read()


@pytest.mark.parametrize("device_id", ["../../etc", "28-xyz", "28-000005E2FDC3", ""])
def test_bad_device_id_is_refused(device_id: str) -> None:
    with pytest.raises(ValueError, match="should look like 28-000005e2fdc3"):
        DS18B20(device_id)
