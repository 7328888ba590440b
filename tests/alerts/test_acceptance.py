"""Issue 10's acceptance: real readings through real Mosquitto and the ingester into the store (SQLite and
influxd), evaluated by `python -m alerts` in its own process, events checked on orchard/farm1/alerts."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from orchard.registry.alerting import AlertIncident, AlertState, AlertStatus, Condition
from orchard.times import parse_instant, to_ms
from tests.alerts.field import Field
from tests.mqtt_helpers import wait_until

FROST_S = 3  # the farm's frost duration, short for the test


@pytest.fixture
def field(broker, store_url, registry_url, tmp_path) -> Iterator[Field]:
    rig = Field(broker, store_url, registry_url, tmp_path)
    rig.tune("frost", "threshold", 2.0, 3.0, FROST_S, "air_temp_c", Condition.BELOW)
    rig.tune("offline", "offline", 8.0, 8.0, 300, None, Condition.ABOVE)  # 8 silent intervals of 1 s
    try:
        yield rig
    finally:
        rig.close()


def test_frost_fires_once_after_its_duration_holds_in_the_band_and_resolves_at_the_clear_threshold(field):
    device = field.start_device()
    field.service.start()
    cold_from_ms = device.set(1.0)
    fired = field.next_event()
    assert (fired["kind"], fired["incident"]["rule"], fired["incident"]["subject"]) == ("fired", "frost",
                                                                                       "device:dev-a")
    assert fired["value"] == fired["incident"]["fired_value"] == 1.0
    assert fired["incident"]["severity"] == "critical" and fired["incident"]["threshold"] == 2.0
    fired_ms = to_ms(parse_instant(fired["incident"]["fired_at"], "fired_at"))
    assert fired_ms - cold_from_ms >= FROST_S * 1000  # not before its duration
    for value in (1.5, 2.8, 1.9, 2.6, 2.0, 2.9):  # inside the hysteresis band, a reading or two each
        sent = len(device.sent)
        device.set(value)
        wait_until(lambda sent=sent: len(device.sent) > sent + 1, message="readings inside the band")
    device.set(3.5)
    resolved = field.next_event()
    assert (resolved["kind"], resolved["incident"]["id"]) == ("resolved", fired["incident"]["id"])
    assert resolved["incident"]["resolved_value"] == 3.5
    assert field.watcher.drain() == []
    with field.sessions() as session:
        incident = session.scalars(select(AlertIncident)).one()  # fired once
        assert incident.resolved_at is not None and incident.fired_value == 1.0
    assert [(e.kind.value, e.published_at is not None) for e in field.outbox()] == [("fired", True),
                                                                                     ("resolved", True)]


def test_a_device_that_falls_silent_goes_offline_after_n_intervals_and_resolves_on_its_next_reading(field):
    device = field.start_device()
    field.service.start()
    wait_until(lambda: len(device.sent) >= 4, message="a few readings")
    last_ms = device.silence()
    offline = field.next_event()
    assert (offline["kind"], offline["incident"]["rule"], offline["incident"]["subject"]) == (
        "fired", "offline", "device:dev-a")
    assert offline["value"] >= 8.0  # seconds silent: 8 intervals of 1 s
    assert to_ms(parse_instant(offline["at"], "at")) - last_ms >= 8000
    field.start_device()  # its next reading
    resolved = field.next_event()
    assert (resolved["kind"], resolved["incident"]["id"]) == ("resolved", offline["incident"]["id"])
    assert field.watcher.drain() == []


def test_sigkill_mid_incident_then_restart_sends_no_duplicate_and_forgets_nothing(field):
    device = field.start_device()
    field.service.start()
    device.set(1.0)
    fired = field.next_event()
    assert fired["kind"] == "fired"
    field.wait_published(1)
    field.service.kill()
    field.service.start()
    wait_until(lambda: field.service.log().count("evaluating alerts every") >= 2, message="the restarted service")
    with field.sessions() as session:
        status = session.scalars(select(AlertStatus).where(AlertStatus.rule_key == "frost")).one()
        assert status.state is AlertState.FIRING and status.incident_id == fired["incident"]["id"]
    assert field.watcher.drain(quiet_s=3.0) == []  # some ten cycles of the restarted service: nothing again
    device.set(3.5)
    resolved = field.next_event()
    assert (resolved["kind"], resolved["incident"]["id"]) == ("resolved", fired["incident"]["id"])
    assert [e.kind.value for e in field.outbox()] == ["fired", "resolved"]
    with field.sessions() as session:
        assert len(session.scalars(select(AlertIncident)).all()) == 1
