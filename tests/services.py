"""Real servers for the tests: Mosquitto with the repo's config and influxd, on free ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx
import pytest

REPO = Path(__file__).resolve().parent.parent
BROKER_CONF = REPO / "deploy" / "mosquitto" / "mosquitto.conf"
BROKER_ACL = REPO / "deploy" / "mosquitto" / "acl"

# Accounts every test broker has: the services' and a few devices'.
BROKER_USERS = {
    "orchard-ingest": "ingest-secret",
    "orchard-streams": "streams-secret",
    "orchard-dashboard": "dashboard-secret",
    "orchard-simulator": "simulator-secret",
    "orchard-alerts": "alerts-secret",
    "dev-a": "dev-a-secret",
    "dev-b": "dev-b-secret",
}


def require(binary: str) -> str:
    """Path of a server binary; fail in CI (ORCHARD_REQUIRE_SERVICES=1), else skip, when missing."""
    path = shutil.which(binary) or next(
        (p for p in (f"/usr/sbin/{binary}", f"/usr/bin/{binary}") if os.path.exists(p)), None
    )
    if path:
        return path
    message = f"{binary} is not installed (the README's test command installs it)"
    if os.environ.get("ORCHARD_REQUIRE_SERVICES") == "1":
        pytest.fail(message)
    pytest.skip(message)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, timeout: float = 20.0, process: subprocess.Popen | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode} before listening on {port}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listening on 127.0.0.1:{port} after {timeout}s")


class Server:
    """A server process that can be stopped and started again on the same port and files."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.process: subprocess.Popen | None = None
        self.port = free_port()

    def command(self) -> list[str]:
        raise NotImplementedError

    def ready(self) -> None:
        wait_for_port(self.port, process=self.process)

    def start(self) -> None:
        log = open(self.workdir / "server.log", "ab")
        self.process = subprocess.Popen(self.command(), stdout=log, stderr=subprocess.STDOUT,
                                        cwd=self.workdir, start_new_session=True)
        log.close()
        self.ready()

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()

    def log_tail(self, lines: int = 40) -> str:
        path = self.workdir / "server.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""


class Mosquitto(Server):
    """Mosquitto running deploy/mosquitto/mosquitto.conf, with only ports and paths rewritten."""

    def __init__(self, workdir: Path, users: dict[str, str] | None = None, acl: Path | None = None) -> None:
        super().__init__(workdir)
        self.binary = require("mosquitto")
        self.users = dict(BROKER_USERS if users is None else users)
        self.acl = BROKER_ACL if acl is None else acl  # e.g. one `orchard admin sync-broker` generates
        (workdir / "data").mkdir(parents=True, exist_ok=True)
        self.passwd = workdir / "passwd"
        self.write_passwords()
        self.conf = workdir / "mosquitto.conf"
        self.conf.write_text(self.render(BROKER_CONF.read_text()))

    def write_passwords(self) -> None:
        passwd_tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
        self.passwd.write_text("".join(f"{user}:{pw}\n" for user, pw in self.users.items()))
        subprocess.run([passwd_tool, "-U", str(self.passwd)], check=True)
        self.passwd.chmod(0o600)

    def render(self, conf: str) -> str:
        site = {
            "listener": f"listener {self.port} 127.0.0.1",
            "password_file": f"password_file {self.passwd}",
            "acl_file": f"acl_file {self.acl}",
            "persistence_location": f"persistence_location {self.workdir / 'data'}/",
            "log_dest": f"log_dest file {self.workdir / 'broker.log'}",
        }
        out = []
        for line in conf.splitlines():
            key = line.split(" ", 1)[0]
            out.append(site.get(key, line))
        if os.geteuid() == 0:
            # As root Mosquitto would switch to the `mosquitto` user, who cannot read a test's files.
            out.append("user root")
        return "\n".join(out) + "\n"

    def command(self) -> list[str]:
        return [self.binary, "-c", str(self.conf)]

    def reload(self) -> None:
        """Re-read passwords and ACLs, as after `orchard admin sync-broker`."""
        self.write_passwords()
        assert self.process is not None
        self.process.send_signal(signal.SIGHUP)
        time.sleep(0.3)

    def url(self, user: str = "orchard-ingest") -> str:
        return f"mqtt://{user}:{self.users[user]}@127.0.0.1:{self.port}"


class Influxd(Server):
    """An InfluxDB 1.x server (Debian's `influxdb`) with its files in a temporary folder."""

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.binary = require("influxd")
        self.rpc_port = free_port()
        self.conf = workdir / "influxdb.conf"
        self.conf.write_text(f"""
reporting-enabled = false
bind-address = "127.0.0.1:{self.rpc_port}"
[meta]
  dir = "{workdir / 'meta'}"
  logging-enabled = false
[data]
  dir = "{workdir / 'data'}"
  wal-dir = "{workdir / 'wal'}"
  query-log-enabled = false
[monitor]
  store-enabled = false
[http]
  bind-address = "127.0.0.1:{self.port}"
  log-enabled = false
  pprof-enabled = false
[logging]
  level = "warn"
  suppress-logo = true
""")

    def command(self) -> list[str]:
        return [self.binary, "-config", str(self.conf)]

    def ready(self) -> None:
        wait_for_port(self.port, timeout=60, process=self.process)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ping", timeout=1).status_code == 204:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise TimeoutError(f"influxd on {self.port} did not answer /ping")

    def url(self, database: str = "orchard") -> str:
        return f"influxdb://127.0.0.1:{self.port}/{database}"

    def query(self, q: str, database: str = "orchard") -> dict:
        """Run InfluxQL through the HTTP API, as a person with the `influx` CLI would."""
        response = httpx.get(f"http://127.0.0.1:{self.port}/query",
                             params={"db": database, "q": q, "epoch": "ms"}, timeout=10)
        response.raise_for_status()
        return response.json()
