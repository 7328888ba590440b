"""The demo's broker: Mosquitto run with the repo's production configuration, accounts from the registry.

Only the configuration's site lines (listener, files, logging) are rewritten, to a folder of
the demo's data directory. The services' accounts get fresh passwords at every start;
the devices' accounts and the ACL are written by `orchard admin sync-broker` from the
demo registry, exactly as on a cooperative's server.
"""

from __future__ import annotations

import contextlib
import io
import os
import secrets
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from orchard.admin.mosquitto_files import SERVICE_RULES, write_atomically
from orchard.errors import OrchardError
from orchard.registry.passwords import mqtt_password_hash

CONF = Path(__file__).resolve().parent.parent / "deploy" / "mosquitto" / "mosquitto.conf"
SERVICES = ("orchard-ingest", "orchard-streams", "orchard-simulator", "orchard-dashboard", "orchard-alerts")
# The person trying the demo: may read every topic (dead letters, statuses), publish nothing.
OPERATOR = "operator"
OPERATOR_RULES = f"user {OPERATOR}\ntopic read orchard/#\n"
INSTALL_HINT = "install it with `sudo apt-get install mosquitto mosquitto-clients` (`./run demo` does)"


class BrokerError(OrchardError):
    """The demo's broker could not be set up or started."""


def mosquitto_binary() -> str:
    found = shutil.which("mosquitto") or next(
        (p for p in ("/usr/sbin/mosquitto", "/usr/bin/mosquitto") if os.path.exists(p)), None)
    if found is None:
        raise BrokerError(f"the demo runs the Mosquitto broker, which is not installed: {INSTALL_HINT}")
    return found


def render_conf(conf: str, port: int, folder: Path) -> str:
    """The production configuration with only its site lines pointed at `folder` and `port`."""
    site = {
        "listener": f"listener {port} 127.0.0.1",
        "password_file": f"password_file {folder / 'passwd'}",
        "acl_file": f"acl_file {folder / 'acl'}",
        "persistence_location": f"persistence_location {folder / 'data'}/",
        "log_dest": f"log_dest file {folder / 'broker.log'}",
    }
    lines = [site.get(line.split(" ", 1)[0], line) for line in conf.splitlines()]
    if os.geteuid() == 0:
        # As root Mosquitto would switch to the `mosquitto` user, who cannot read the demo's 0600 files.
        lines.append("user root")
    return "\n".join(lines) + "\n"


class DemoBroker:
    """Mosquitto as a child process of the demo, on 127.0.0.1:`port`, its files in `folder`."""

    def __init__(self, folder: Path, port: int, operator_password: str) -> None:
        self.folder = folder
        self.port = port
        self.passwords = {name: secrets.token_urlsafe(18) for name in SERVICES}
        self.passwords[OPERATOR] = operator_password
        self.binary = mosquitto_binary()
        self.process: subprocess.Popen | None = None

    def url(self, user: str) -> str:
        return f"mqtt://{user}:{self.passwords[user]}@127.0.0.1:{self.port}"

    def prepare(self, db_url: str) -> None:
        """Write the configuration, the services' accounts, then devices and ACL through sync-broker."""
        from orchard.admin import group

        (self.folder / "data").mkdir(parents=True, exist_ok=True)
        if not CONF.exists():
            raise BrokerError(f"{CONF} is missing: run the demo from a checkout of the repository")
        (self.folder / "mosquitto.conf").write_text(render_conf(CONF.read_text(), self.port, self.folder))
        passwd = "".join(f"{user}:{mqtt_password_hash(pw)}\n" for user, pw in self.passwords.items())
        write_atomically(self.folder / "passwd", passwd)
        (self.folder / "service-acl").write_text(SERVICE_RULES + "\n" + OPERATOR_RULES)
        args = ["--db-url", db_url, "sync-broker", "--passwd", str(self.folder / "passwd"),
                "--acl", str(self.folder / "acl"), "--service-acl", str(self.folder / "service-acl")]
        said = io.StringIO()
        try:  # its advice to reload the broker does not apply: the broker is not running yet
            with contextlib.redirect_stdout(said), contextlib.redirect_stderr(said):
                group.main(args, prog_name="orchard admin", standalone_mode=False)
        except Exception as exc:
            raise BrokerError(f"could not write the broker's accounts: {exc} {said.getvalue().strip()}") from exc

    def start(self, timeout: float = 15.0) -> None:
        log = open(self.folder / "broker.log", "ab")
        with log:
            self.process = subprocess.Popen([self.binary, "-c", str(self.folder / "mosquitto.conf")],
                                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        (self.folder / "mosquitto.pid").write_text(f"{self.process.pid}\n")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BrokerError(f"mosquitto exited with status {self.process.returncode}: "
                                  f"see {self.folder / 'broker.log'}")
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            time.sleep(0.05)
        self.stop()
        raise BrokerError(f"mosquitto did not listen on port {self.port} within {timeout:g}s")

    def stop(self) -> None:
        """Stop the broker; it saves its sessions and queued messages first."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        (self.folder / "mosquitto.pid").unlink(missing_ok=True)
