"""The README's quick start, run literally against a running demo (only the ports are the test's own).

The commands come from the first `sh` block of the README's "The demo" section, exactly as a
newcomer copies them; the banner the demo prints must hold the same commands.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.services import REPO, free_port, require

README = REPO / "README.md"
DEFAULT_PORTS = {"mqtt": 1884, "streams": 8081, "api": 8082, "dashboard": 8083}


def quickstart() -> tuple[list[str], str]:
    """The commands of the README's demo block (comment lines dropped) and the section's text."""
    section = README.read_text().split("\n## The demo\n", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```sh\n(.*?)```", section, re.S)
    assert block, "the README's demo section has no sh block"
    lines = [line.strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")], section


def with_ports(text: str, ports: dict[str, int]) -> str:
    text = re.sub(r"(-p )1884\b", rf"\g<1>{ports['mqtt']}", text)
    text = text.replace(":8081", f":{ports['streams']}")
    text = text.replace(":8083", f":{ports['dashboard']}")
    return text.replace(":8082", f":{ports['api']}")


class Demo:
    def __init__(self, data_dir: Path, ports: dict[str, int]) -> None:
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
                    "ORCHARD_DATA_DIR": str(data_dir)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "orchard.cli", "demo", "--mqtt-port", str(ports["mqtt"]),
             "--streams-port", str(ports["streams"]), "--api-port", str(ports["api"]),
             "--dashboard-port", str(ports["dashboard"]),
             "--interval", "2", "--backfill-hours", "1"],
            cwd=REPO, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.output: list[str] = []
        deadline = time.monotonic() + 120
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)
            if line.startswith("Ctrl-C stops") or time.monotonic() > deadline:
                break
        assert any(line.startswith("Ctrl-C stops") for line in self.output), "".join(self.output[-40:])

    def shell(self, command: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run(command, shell=True, cwd=REPO, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def stop(self) -> int:
        self.process.send_signal(signal.SIGINT)
        try:
            rest, _ = self.process.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            rest, _ = self.process.communicate()
        self.output.append(rest or "")
        return self.process.returncode


@pytest.fixture
def demo(tmp_path):
    require("mosquitto")
    require("mosquitto_pub")
    ports = {name: free_port() for name in DEFAULT_PORTS}
    running = Demo(tmp_path / "data", ports)
    running.ports = ports
    try:
        yield running
    finally:
        if running.process.poll() is None:
            running.stop()


def test_the_quickstart_works_as_written(demo):
    commands, section = quickstart()
    commands = [with_ports(command, demo.ports) for command in commands]
    banner = "".join(demo.output)
    for command in commands:
        if command.startswith("mosquitto_"):
            assert command.split("  #")[0].strip() in banner, f"the demo does not print {command!r}"

    subscriber = next(c for c in commands if c.startswith("mosquitto_sub"))
    listening = subprocess.Popen(subscriber, shell=True, cwd=REPO, env=demo.env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True, start_new_session=True)
    time.sleep(1.0)  # mosquitto_sub connects and subscribes
    others = [c for c in commands if c is not subscriber]
    results = {}
    for command in others:
        if "orchard readings" in command:
            continue
        results[command] = demo.shell(command)
        assert results[command].returncode == 0, (command, results[command].stderr)

    readings = next(c for c in others if "orchard readings" in c)
    deadline = time.monotonic() + 30
    while True:
        table = demo.shell(readings)
        assert table.returncode == 0, table.stderr
        row = next((line.split() for line in table.stdout.splitlines() if " my-pi " in f" {line} "), None)
        if row and "21.5" in row or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert row and "21.5" in row, table.stdout
    printed = re.search(r"^  readings +(.+)$", banner, re.M)
    assert printed, banner
    by_banner = demo.shell(printed.group(1))  # the banner's own line, comment and all
    assert by_banner.returncode == 0 and any(" my-pi " in f" {line} " for line in by_banner.stdout.splitlines())

    time.sleep(1.0)
    os.killpg(listening.pid, signal.SIGTERM)
    seen, errors = listening.communicate(timeout=10)
    lines = [line for line in seen.splitlines() if line.strip()]
    assert lines, f"the dead-letter subscription showed nothing ({errors.strip()})"
    assert all(line.startswith("orchard/deadletter ") for line in lines), lines
    assert any('"soil_temp_c"' in line and "out_of_range" in line for line in lines), lines

    token_command = next(c for c in others if "orchard camera-token" in c)
    token = results[token_command].stdout.strip()
    picture = re.search(r"http://127\.0\.0\.1:\d+/cameras/cam-01/latest\.jpg\?token=", with_ports(section, demo.ports))
    assert picture, "the README shows no latest.jpg link"
    deadline = time.monotonic() + 30
    while (answer := httpx.get(picture.group(0) + token, timeout=10)).status_code == 404 \
            and time.monotonic() < deadline:
        time.sleep(0.5)  # the first snapshot of cam-01 is on its way
    assert answer.status_code == 200 and answer.content[:2] == b"\xff\xd8", answer.text[:200]

    docs = re.search(r"http://127\.0\.0\.1:\d+/api/docs", with_ports(section, demo.ports))
    assert docs and httpx.get(docs.group(0), timeout=10).status_code == 200
    dashboard = re.search(r"http://127\.0\.0\.1:\d+/(?=`)", with_ports(section, demo.ports))
    assert dashboard and dashboard.group(0).endswith(f":{demo.ports['dashboard']}/"), "no dashboard link"
    assert httpx.get(dashboard.group(0), timeout=30, follow_redirects=True).status_code == 200

    from orchard.demo_orchard import PASSWORDS

    for name, password in PASSWORDS.items():  # the people, in the banner and the README alike
        assert f"{name} / {password}" in banner and f"`{name}` / `{password}`" in section

    assert demo.stop() == 0, "".join(demo.output[-30:])
    assert "demo stopped" in demo.output[-1]


def test_the_printed_share_link_and_invitation_open_on_first_start(demo):
    """The demo's banner holds a share link of `customer`'s tree and an invitation, both working at once."""
    import httpx

    banner = "".join(demo.output)
    for label, marker in (("share link", "Demo Hillside Orchard"), ("invitation", "newcomer")):
        printed = re.search(rf"^  {label} +(\S+)$", banner, re.M)
        assert printed, banner
        page = httpx.get(printed.group(1), timeout=30)
        assert page.status_code == 200 and marker in page.text, (label, page.status_code)
