"""`orchard alerts list|ack` (alerts/incidents_cli.py) against a real SQLite registry."""

from __future__ import annotations

import os
import shutil
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from alerts.incidents_cli import ack_command, list_command
from orchard.registry.alerting import AlertEvent, EventKind
from orchard.registry.db import session_factory
from tests.alert_rows import fire
from tests.orchard.registry.conftest import sqlite_template  # noqa: F401  (fixture)
from tests.world import build_world


@pytest.fixture
def registry(sqlite_template, tmp_path, monkeypatch):  # noqa: F811  (the fixture imported above)
    for key in os.environ:
        if key.startswith("ORCHARD_") and key != "ORCHARD_REQUIRE_SERVICES":
            monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    shutil.copyfile(sqlite_template, tmp_path / "registry.db")
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    sessions = session_factory(url)
    world = build_world(sessions)
    with sessions.begin() as s:
        made = {"frost": fire(s, "hill-1", "frost", value=-2.5, now=world.now).id,
                "battery": fire(s, "hill-2", "low_battery", value=3.1, ago=timedelta(days=2),
                                resolved_after=timedelta(hours=5), now=world.now).id,
                "valley": fire(s, "valley-1", "frost", value=-0.5, now=world.now).id}
    yield url, sessions, world, made
    sessions.kw["bind"].dispose()


def run(command, url: str, *args: object, ok: bool = True):
    result = CliRunner().invoke(command, [*map(str, args), "--db-url", url])
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_list_shows_a_readable_table_active_first_in_farm_time(registry):
    url, sessions, world, made = registry
    lines = run(list_command, url, "--farm", "hill").output.splitlines()
    assert lines[0].split()[:5] == ["id", "farm", "rule", "severity", "state"]
    assert [line.split()[2] for line in lines[1:]] == ["frost", "low_battery"]
    assert "tree 17, device hill-1" in lines[1] and "-2.5" in lines[1] and "firing" in lines[1]
    fired = (world.now - timedelta(minutes=20)).astimezone(ZoneInfo("Asia/Shanghai"))
    assert fired.strftime("%Y-%m-%d %H:%M") in lines[1]  # the hill farm's clock, not UTC
    assert "resolved" in lines[2]


def test_list_filters(registry):
    url, sessions, world, made = registry
    assert run(list_command, url, "--state", "resolved").output.count("low_battery") == 1
    frost = run(list_command, url, "--rule", "frost").output.splitlines()[1:]
    assert sorted(line.split()[1] for line in frost) == ["hill", "valley"]
    assert run(list_command, url, "--farm", "hill", "--tree", "18").output.splitlines()[1].split()[2] == "low_battery"
    assert run(list_command, url, "--severity", "info").output.strip() == "no alerts"
    bad = run(list_command, url, "--since", "last week", ok=False)
    assert bad.exit_code != 0 and "--since: 'last week' is not a time" in bad.output
    lonely = run(list_command, url, "--tree", "17", ok=False)
    assert lonely.exit_code == 2 and "--tree needs --farm" in lonely.output


def test_ack_in_a_farmers_name_once(registry):
    url, sessions, world, made = registry
    done = run(ack_command, url, made["frost"], "--user", "farmer-hill")
    assert f"alert {made['frost']} (frost on hill-1) acknowledged by farmer-hill" in done.output
    listed = run(list_command, url, "--state", "acknowledged").output
    assert "farmer-hill" in listed and "acknowledged" in listed
    again = run(ack_command, url, made["frost"], "--user", "admin", ok=False)
    assert again.exit_code == 1 and "already acknowledged by farmer-hill" in again.output
    resolved = run(ack_command, url, made["battery"], "--user", "admin", ok=False)
    assert "already resolved" in resolved.output
    with sessions() as s:
        assert [(e.incident_id, e.kind) for e in s.scalars(select(AlertEvent))] == \
            [(made["frost"], EventKind.ACKNOWLEDGED)]


@pytest.mark.parametrize(("who", "words"), [
    ("farmer-valley", "farmer-valley (farmer) may not acknowledge the alerts of farm 'hill'"),
    ("ana", "ana (customer) may not acknowledge"),
    ("nobody", "no active user 'nobody'"),
])
def test_ack_refuses_who_may_not(registry, who, words):
    url, sessions, world, made = registry
    refused = run(ack_command, url, made["frost"], "--user", who, ok=False)
    assert refused.exit_code == 1 and words in refused.output
    assert "firing" in run(list_command, url, "--farm", "hill", "--rule", "frost").output


def test_ack_of_an_unknown_alert(registry):
    url, *_ = registry
    missing = run(ack_command, url, 424242, "--user", "admin", ok=False)
    assert missing.exit_code == 1 and "no alert 424242" in missing.output
