"""`orchard readings` as a newcomer runs it, from the demo's folder or from the wrong one."""

import os
import subprocess
import sys

from orchard.report import table


def readings(cwd, env=None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")}
    return subprocess.run([sys.executable, "-m", "orchard.cli", "readings"], cwd=cwd, env={**clean, **(env or {})},
                          capture_output=True, text=True, timeout=60)


def test_readings_from_a_folder_without_the_store_refuses_and_creates_nothing(tmp_path):
    result = readings(tmp_path)
    assert result.returncode == 1
    message = result.stderr.strip()
    assert "no readings database" in message and str(tmp_path / "data" / "readings.db") in message
    assert "ORCHARD_DATA_DIR" in message
    assert not (tmp_path / "data").exists()


def test_readings_of_an_empty_store_that_exists_says_so(tmp_path):
    from orchard.store import open_store

    with open_store(f"sqlite:///{tmp_path / 'readings.db'}"):
        pass
    result = readings(tmp_path, {"ORCHARD_DATA_DIR": str(tmp_path)})
    assert result.returncode == 0 and result.stdout.strip() == "no readings yet"


def test_an_empty_list_prints_no_readings_yet():
    assert table([], 0) == "no readings yet"
