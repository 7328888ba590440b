"""The broker's password and ACL files as sync-broker writes them, checked without a broker."""

import os
import signal
import subprocess
import sys

import pytest

from orchard.admin.mosquitto_files import (
    DEVICES_MARKER,
    SERVICE_RULES,
    BrokerSyncError,
    DeviceAccount,
    check_accounts,
    render_acl,
    render_passwd,
    service_rules,
    signal_broker,
    synced_devices,
    write_atomically,
)
from tests.services import BROKER_ACL

HASH_A = "$7$1000$c2FsdHNhbHRzYWx0$" + "A" * 86 + "=="
HASH_B = "$7$1000$c2FsdHNhbHRzYWx0$" + "B" * 86 + "=="
INGEST = "orchard-ingest:$7$101$abcdefghijklmnop$" + "C" * 86 + "=="
A = DeviceAccount("node-a", "hillside", HASH_A, ("cam-2", "cam-1"))
B = DeviceAccount("node-b", "valley", HASH_B)


def rule_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def test_the_built_in_service_rules_are_those_of_the_repos_acl():
    rules, accounts = service_rules(BROKER_ACL.read_text())
    assert rule_lines(rules) == rule_lines(SERVICE_RULES)
    assert accounts == {"orchard-ingest", "orchard-streams", "orchard-dashboard", "orchard-simulator",
                        "orchard-alerts"}
    assert not any(line.startswith("pattern") for line in rule_lines(rules))


def test_each_device_is_bound_to_its_own_farm_and_id():
    acl = render_acl(SERVICE_RULES, [B, A])
    assert "pattern" not in acl
    block = acl[acl.index("user node-a"):acl.index("user node-b")]
    assert rule_lines(block) == [
        "user node-a",
        "topic write orchard/hillside/node-a/telemetry",
        "topic write orchard/hillside/node-a/status",
        "topic write orchard/hillside/node-a/camera/cam-1/jpeg",  # its own cameras, by name
        "topic write orchard/hillside/node-a/camera/cam-2/jpeg",
        "topic read orchard/hillside/node-a/cmd",
    ]
    assert "topic write orchard/valley/node-b/telemetry" in acl
    devices = acl[acl.index(DEVICES_MARKER):]
    assert "camera/+" not in devices and "camera/#" not in devices  # node-b has no camera: no frames at all
    assert synced_devices(acl) == {"node-a", "node-b"}
    assert synced_devices(BROKER_ACL.read_text()) == set()


def test_other_accounts_are_kept_as_they_were_and_gone_devices_removed():
    current = f"{INGEST}\nnode-a:oldhash\nnode-c:$7$1$x$y\n\nhand-made:$7$101$s$h\nnode-d:$7$1$x$y\n"
    passwd = render_passwd(current, [A, B], forget={"node-c", "node-d"})
    assert passwd == f"{INGEST}\nhand-made:$7$101$s$h\nnode-a:{HASH_A}\nnode-b:{HASH_B}\n"


@pytest.mark.parametrize("device, fragment", [
    (DeviceAccount("orchard-ingest", "hillside", HASH_A), "name of a service account"),
    (DeviceAccount("node-a", "Hill Side", HASH_A), "cannot be used in a topic"),
    (DeviceAccount("node-a\nuser x", "hillside", HASH_A), "cannot be used in a topic"),
    (DeviceAccount("node-a", "hillside", "plaintext"), "no Mosquitto password hash"),
    (DeviceAccount("node-a", "hillside", HASH_A, ("+",)), "cannot be used in a topic"),
    (DeviceAccount("node-a", "hillside", HASH_A, ("cam-1\ntopic write #",)), "cannot be used in a topic"),
])
def test_accounts_that_would_corrupt_the_files_or_borrow_rights_are_refused(device, fragment):
    with pytest.raises(BrokerSyncError, match=fragment):
        check_accounts([device], {"orchard-ingest"})


def test_files_are_replaced_whole_with_mode_0600(tmp_path):
    path = tmp_path / "passwd"
    path.write_text("old\n")
    os.chmod(path, 0o644)
    write_atomically(path, "new\n")
    assert path.read_text() == "new\n" and (path.stat().st_mode & 0o777) == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["passwd"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")
def test_the_brokers_ownership_of_a_file_is_kept(tmp_path):
    path = tmp_path / "acl"
    path.write_text("old\n")
    os.chown(path, 12345, 23456)
    write_atomically(path, "new\n")
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)


def test_a_stale_pid_file_naming_another_program_is_not_signalled(tmp_path):
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        pid_file = tmp_path / "mosquitto.pid"
        pid_file.write_text(f"{sleeper.pid}\n")
        with pytest.raises(BrokerSyncError, match="not mosquitto"):
            signal_broker(pid_file)
        assert sleeper.poll() is None
    finally:
        sleeper.send_signal(signal.SIGTERM)
        sleeper.wait()
    with pytest.raises(BrokerSyncError, match="cannot read a process id"):
        signal_broker(tmp_path / "missing.pid")
