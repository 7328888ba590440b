"""`orchard device` does not run on half alive: a failed uplink loop ends the process with a non-zero status."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

from orchard.supervise import EXIT_FAILED


def test_the_device_command_exits_non_zero_when_its_uplink_dies(broker, tmp_path):
    script = textwrap.dedent("""
        import devices.publisher

        def bug(self, stop=None):
            raise AttributeError("a bug in the uplink")

        devices.publisher.Publisher.flush = bug
        from devices.__main__ import device_command
        device_command([])
    """)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker.url("dev-a"), "ORCHARD_DATA_DIR": str(tmp_path),
           "ORCHARD_FARM": "farm1", "ORCHARD_DEVICE": "dev-a", "ORCHARD_SENSORS": "ds18b20=soil_temp_c"}
    done = subprocess.run([sys.executable, "-c", script], env=env, cwd=tmp_path, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == EXIT_FAILED, done.stderr
    assert "uplink-dev-a failed" in done.stderr and "AttributeError: a bug in the uplink" in done.stderr
