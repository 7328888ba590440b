"""The Pi in the field: deploy/pi/install.sh lays out what `orchard admin add-device` printed as a systemd
service, and the unit it installs is one systemd accepts (checked by systemd-analyze)."""

from __future__ import annotations

import configparser
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from orchard.admin import group
from tests.services import REPO, require

PI = REPO / "deploy" / "pi"
INSTALL = PI / "install.sh"


def add_device_output(tmp_path: Path) -> str:
    """Everything `orchard admin add-device` writes, stdout and stderr, as an admin would paste it."""
    db = f"sqlite:///{tmp_path / 'registry.db'}"
    runner = CliRunner()
    for args in (["add-farm", "hillside", "--name", "Hillside"],
                 ["add-device", "node-07", "--farm", "hillside", "--sensors", "ds18b20=soil_temp_c",
                  "--broker-url", "mqtt://broker.example:1883"]):
        result = runner.invoke(group, ["--db-url", db, *args])
        assert result.exit_code == 0, result.output
    return result.output


def install(tmp_path: Path, env_text: str) -> subprocess.CompletedProcess:
    env_file = tmp_path / "device.env"
    env_file.write_text(env_text)
    return subprocess.run(["bash", str(INSTALL), "--root", str(tmp_path / "root"), "--no-venv", str(env_file)],
                          capture_output=True, text=True, timeout=60)


def unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # keys are case-sensitive in systemd
    parser.read(PI / "orchard-device.service")
    return parser


def test_install_lays_out_the_settings_unit_and_journal_limits(tmp_path):
    done = install(tmp_path, add_device_output(tmp_path))
    assert done.returncode == 0, done.stderr
    root = tmp_path / "root"
    settings = root / "etc/orchard/device.env"
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600  # the MQTT password is in it
    lines = [line for line in settings.read_text().splitlines() if not line.startswith("#")]
    assert [line.split("=", 1)[0] for line in lines] == ["ORCHARD_FARM", "ORCHARD_DEVICE", "ORCHARD_MQTT_URL",
                                                          "ORCHARD_MQTT_PASSWORD", "ORCHARD_SENSORS",
                                                          "ORCHARD_DATA_DIR"]
    assert "ORCHARD_MQTT_URL=mqtt://node-07@broker.example:1883" in lines
    assert "ORCHARD_DATA_DIR=/var/lib/orchard" in lines
    installed = root / "etc/systemd/system/orchard-device.service"
    assert installed.read_text() == (PI / "orchard-device.service").read_text()
    assert "SystemMaxUse=" in (root / "etc/systemd/journald.conf.d/orchard.conf").read_text()
    assert (root / "var/lib/orchard").is_dir()


def test_the_installed_settings_are_ones_the_agent_accepts(tmp_path):
    from orchard.settings import Settings, read_env_file
    assert install(tmp_path, add_device_output(tmp_path)).returncode == 0
    settings = Settings.load(read_env_file(tmp_path / "root/etc/orchard/device.env"))
    assert (settings.farm, settings.device, str(settings.data_dir)) == ("hillside", "node-07", "/var/lib/orchard")
    assert settings.mqtt_url.startswith("mqtt://node-07:") and settings.mqtt_url.endswith("@broker.example:1883")


@pytest.mark.parametrize("missing", ["ORCHARD_DEVICE", "ORCHARD_MQTT_PASSWORD"])
def test_settings_without_the_device_or_its_password_are_refused_with_one_line(tmp_path, missing):
    text = "\n".join(line for line in add_device_output(tmp_path).splitlines() if not line.startswith(missing))
    done = install(tmp_path, text)
    assert done.returncode == 2
    assert missing in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "root/etc/orchard/device.env").exists()


def test_the_unit_matches_the_layout_the_script_makes():
    service = unit()["Service"]
    assert service["ExecStart"] == "/opt/orchard/venv/bin/orchard device"
    assert service["EnvironmentFile"] == "/etc/orchard/device.env"
    assert service["Type"] == "notify" and int(service["WatchdogSec"]) > 0  # orchard/systemd.py feeds it
    assert service["Restart"] == "always" and unit()["Unit"]["StartLimitIntervalSec"] == "0"
    assert service["StateDirectory"] == "orchard" and service["ReadWritePaths"] == "/var/lib/orchard"
    assert service["StandardOutput"] == "journal"


def test_systemd_accepts_the_unit(tmp_path):
    analyze = require("systemd-analyze")
    orchard = Path(sys.executable).with_name("orchard")
    text = (PI / "orchard-device.service").read_text()
    # The checker wants the program and the user to exist here; everything else is verified as shipped.
    text = text.replace("/opt/orchard/venv/bin/orchard", str(orchard))
    text = text.replace("User=orchard", "User=root").replace("Group=orchard", "Group=root")
    path = tmp_path / "orchard-device.service"
    path.write_text(text)
    checked = subprocess.run([analyze, "verify", str(path)], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "SYSTEMD_LOG_LEVEL": "warning"})
    assert checked.returncode == 0 and str(path) not in checked.stderr, checked.stderr
