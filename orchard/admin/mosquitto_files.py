"""Mosquitto's password and ACL files as the registry says they should be, written safely.

The password file keeps every line that is not a device's (service accounts, hand-made
accounts) exactly as it was; device lines come from the registry. The ACL file is
generated whole: the service accounts' rules, then one block per device that binds it
to its own farm's topics. The device section of the previous ACL records which accounts
an earlier sync wrote, so a device deleted from the registry is removed from the password
file too. Both files are replaced atomically, keeping their owner, so the broker never
reads half a file and can still read them after dropping root.
"""

from __future__ import annotations

import os
import re
import shlex
import signal
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import NamedTuple

from orchard.errors import OrchardError
from orchard.topics import ID_PATTERN

# The services' rules, as in deploy/mosquitto/acl (a test keeps the two equal).
SERVICE_RULES = """\
user orchard-ingest
topic read orchard/#
topic write orchard/deadletter
topic write orchard/+/alerts

user orchard-streams
topic read orchard/+/+/camera/#
topic read orchard/+/+/status
topic write orchard/+/+/cmd
topic write orchard/deadletter

user orchard-dashboard
topic read orchard/+/+/status

user orchard-alerts
topic read orchard/+/+/status
topic read orchard/+/+/camera/+/jpeg
topic write orchard/+/alerts

user orchard-simulator
topic write orchard/+/+/telemetry
topic write orchard/+/+/status
topic write orchard/+/+/camera/+/jpeg
topic read orchard/+/+/cmd
"""
ACL_HEADER = """\
# Orchard Live broker access rules, written by `orchard admin sync-broker` from the registry.
# Edits here are lost at the next sync: change devices with `orchard admin`, services with --service-acl.
"""
DEVICES_MARKER = "# Devices: one block per device of the registry, bound to its own farm's topics."
HASH = re.compile(r"\$[67]\$[A-Za-z0-9+/=$.]+")


class BrokerSyncError(OrchardError):
    """The broker's files could not be brought in line with the registry; nothing was changed."""


class DeviceAccount(NamedTuple):
    """A device the broker should accept: its id (the MQTT username), its farm, its `$7$` hash, its cameras."""

    id: str
    farm: str
    password_hash: str
    cameras: tuple[str, ...] = ()


def service_rules(text: str) -> tuple[str, set[str]]:
    """The `user` blocks of an ACL file (pattern lines dropped) and the accounts they name."""
    kept = [line for line in text.splitlines() if not line.strip().startswith("pattern")]
    rules = "\n".join(kept).strip() + "\n"
    return rules, {line.split(None, 1)[1].strip() for line in kept if line.startswith("user ")}


def synced_devices(acl_text: str) -> set[str]:
    """The device accounts a previous sync wrote into this ACL file."""
    _, marker, devices = acl_text.partition(DEVICES_MARKER)
    return set() if not marker else {line.split(None, 1)[1].strip() for line in devices.splitlines()
                                     if line.startswith("user ")}


def check_accounts(devices: Iterable[DeviceAccount], reserved: set[str]) -> None:
    """Refuse devices whose name, farm or hash would corrupt the files or borrow a service's rights."""
    for device in devices:
        if device.id in reserved:
            raise BrokerSyncError(f"device {device.id!r} has the name of a service account; rename the device")
        for what, value in (("device", device.id), ("farm", device.farm),
                            *(("camera", camera) for camera in device.cameras)):
            if not ID_PATTERN.fullmatch(value):
                raise BrokerSyncError(f"{what} id {value!r} cannot be used in a topic")
        if not HASH.fullmatch(device.password_hash):
            raise BrokerSyncError(f"device {device.id!r} has no Mosquitto password hash; reset its password")


def render_passwd(current: str, devices: Iterable[DeviceAccount], forget: set[str]) -> str:
    """The password file: lines of other accounts as they were, then one line per device.

    `forget` names accounts that were devices (revoked, deleted) and must go.
    """
    devices = sorted(devices)
    drop = forget | {device.id for device in devices}
    # Blank lines are dropped: mosquitto_passwd (run by the broker's entrypoint) calls them corrupt.
    kept = [line for line in current.splitlines() if line.strip() and line.split(":", 1)[0] not in drop]
    return "".join(f"{line}\n" for line in kept) + "".join(f"{d.id}:{d.password_hash}\n" for d in devices)


def render_acl(rules: str, devices: Iterable[DeviceAccount]) -> str:
    """The ACL file: the services' rules, then each device's own topics under its farm, its cameras by name."""
    blocks = [ACL_HEADER, rules.strip() + "\n", DEVICES_MARKER + "\n"]
    for device in sorted(devices):
        own = f"orchard/{device.farm}/{device.id}"
        # Named, not camera/+: a device must not publish frames as another farm's camera (or invent ids).
        frames = "".join(f"topic write {own}/camera/{camera}/jpeg\n" for camera in sorted(device.cameras))
        blocks.append(f"user {device.id}\n"
                      f"topic write {own}/telemetry\n"
                      f"topic write {own}/status\n"
                      f"{frames}"
                      f"topic read {own}/cmd\n")
    return "\n".join(blocks)


def read_text(path: Path) -> str:
    """A file's text, or "" if it does not exist yet."""
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def write_atomically(path: Path, text: str, mode: int = 0o600) -> None:
    """Replace `path` by a file with `text` in one rename, keeping the old file's owner when allowed."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        owner = path.stat()
    except FileNotFoundError:
        owner = None
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fchmod(out.fileno(), mode)
            if owner is not None and os.geteuid() == 0:
                # The broker reads these as its own user after dropping root: it must still own them.
                os.fchown(out.fileno(), owner.st_uid, owner.st_gid)
            os.fsync(out.fileno())
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def signal_broker(pid_file: Path) -> int:
    """Send SIGHUP to the Mosquitto whose pid is in `pid_file`; returns the pid."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        raise BrokerSyncError(f"cannot read a process id from {pid_file}") from None
    name = read_text(Path(f"/proc/{pid}/comm")).strip()
    if name and name != "mosquitto":
        # A stale pid file could name any process; a HUP would stop most of them.
        raise BrokerSyncError(f"process {pid} from {pid_file} is {name!r}, not mosquitto: is the pid file stale?")
    try:
        os.kill(pid, signal.SIGHUP)
    except ProcessLookupError:
        raise BrokerSyncError(f"no process {pid} (from {pid_file}): is the broker running?") from None
    return pid


def run_reload_command(command: str) -> None:
    """Run a command that makes the broker reload, such as `docker compose kill -s HUP mosquitto`."""
    try:
        result = subprocess.run(shlex.split(command), capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BrokerSyncError(f"could not run {command!r}: {exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()
        raise BrokerSyncError(f"{command!r} failed with status {result.returncode}"
                              + (f": {detail[-1]}" if detail else ""))
