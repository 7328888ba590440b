"""`orchard admin sync-broker` on a broker's files: devices from the registry, everything else kept."""

import pytest

from orchard.admin.mosquitto_files import SERVICE_RULES, render_acl
from orchard.registry.models import Device

SERVICE_LINES = ("orchard-ingest:$7$101$aW5nZXN0c2FsdA==$aW5nZXN0\n"
                 "orchard-streams:$7$101$c3RyZWFtc3NhbHQ=$c3RyZWFtcw==\n"
                 "by-hand:$7$101$aGFuZA==$aGFuZA==\n")


@pytest.fixture
def files(tmp_path):
    passwd, acl = tmp_path / "broker" / "passwd", tmp_path / "broker" / "acl"
    passwd.parent.mkdir()
    passwd.write_text(SERVICE_LINES)
    return passwd, acl


def sync(admin, files, *more, ok=True):
    passwd, acl = files
    return admin("sync-broker", "--passwd", passwd, "--acl", acl, *more, ok=ok)


def device_lines(passwd) -> list[str]:
    return [line.split(":")[0] for line in passwd.read_text().splitlines()[3:]]


@pytest.fixture
def two_devices(admin, hillside):
    admin("add-device", "node-a", "--farm", "hillside", "--tree", "17")
    admin("add-device", "node-b", "--farm", "valley")


def test_sync_writes_every_device_and_keeps_the_other_accounts(admin, files, two_devices, registry):
    passwd, acl = files
    result = sync(admin, files)
    assert "2 device account(s), 3 other line(s) kept" in result.output
    assert "send it SIGHUP" in result.stderr
    assert passwd.read_text().startswith(SERVICE_LINES)
    assert device_lines(passwd) == ["node-a", "node-b"]
    assert "orchard/valley/node-b/telemetry" in acl.read_text()
    assert (passwd.stat().st_mode & 0o777) == 0o600 and (acl.stat().st_mode & 0o777) == 0o600
    with registry() as session:
        assert f"node-a:{session.get(Device, 'node-a').mqtt_password_hash}\n" in passwd.read_text()


def test_a_second_sync_changes_nothing(admin, files, two_devices):
    sync(admin, files)
    before = [path.read_text() for path in files]
    sync(admin, files)
    assert [path.read_text() for path in files] == before


def test_revoked_and_deleted_devices_disappear(admin, files, two_devices, registry):
    passwd, acl = files
    sync(admin, files)
    admin("revoke-device", "node-a")
    with registry() as session, session.begin():
        session.delete(session.get(Device, "node-b"))
    sync(admin, files)
    assert passwd.read_text() == SERVICE_LINES
    assert "node-a" not in acl.read_text() and "node-b" not in acl.read_text()


def test_a_reset_password_replaces_the_devices_line(admin, files, two_devices):
    passwd, _ = files
    sync(admin, files)
    old = passwd.read_text()
    admin("reset-device-password", "node-a")
    sync(admin, files)
    assert passwd.read_text() != old and device_lines(passwd) == ["node-a", "node-b"]


def test_first_sync_creates_the_files_with_only_the_services_rules(admin, tmp_path):
    passwd, acl = tmp_path / "new" / "passwd", tmp_path / "new" / "acl"
    admin("sync-broker", "--passwd", passwd, "--acl", acl)
    assert passwd.read_text() == ""
    assert acl.read_text() == render_acl(SERVICE_RULES, [])


def test_a_sites_own_service_rules_replace_the_built_in_ones(admin, files, tmp_path):
    rules = tmp_path / "services.acl"
    rules.write_text("user node-red\ntopic read orchard/+/alerts\npattern read orchard/#\n")
    sync(admin, files, "--service-acl", rules)
    acl = files[1].read_text()
    assert "user node-red" in acl and "orchard-ingest" not in acl and "pattern" not in acl


def test_reload_options_are_one_or_the_other_and_failures_are_reported(admin, files, tmp_path):
    assert "not both" in sync(admin, files, "--reload-pid", "p", "--reload-cmd", "true", ok=False).output
    assert "broker reloaded with 'true'" in sync(admin, files, "--reload-cmd", "true").output
    result = sync(admin, files, "--reload-cmd", "false", ok=False)
    assert result.exit_code == 1 and "'false' failed with status 1" in result.output
    result = sync(admin, files, "--reload-pid", tmp_path / "none.pid", ok=False)
    assert "cannot read a process id" in result.output
