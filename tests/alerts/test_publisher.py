"""The outbox to MQTT through a real Mosquitto: in id order, marked only once the broker has them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import orjson
from sqlalchemy import select

from alerts.publisher import OutboxPublisher
from orchard.mqtt import make_client
from orchard.registry.alert_outbox import record_event
from orchard.registry.alerting import AlertEvent, AlertIncident, EventKind, Severity
from tests.mqtt_helpers import Collector

FIRED_AT = datetime(2026, 4, 2, 3, 10, tzinfo=UTC)


def frost_incident(sessions) -> None:
    with sessions() as session:
        incident = AlertIncident(farm_id="farm1", rule_key="frost", subject="device:dev-a", device_id="dev-a",
                                 metric="air_temp_c", severity=Severity.CRITICAL, threshold=2.0,
                                 fired_at=FIRED_AT, fired_value=1.5, last_value=1.5)
        session.add(incident)
        record_event(session, incident, EventKind.FIRED, value=1.5, at=FIRED_AT)
        record_event(session, incident, EventKind.REMINDER, value=1.2, at=FIRED_AT.replace(hour=7))
        session.commit()


def published(sessions) -> list[bool]:
    with sessions() as session:
        return [e.published_at is not None for e in session.scalars(select(AlertEvent).order_by(AlertEvent.id))]


def test_events_wait_in_the_outbox_while_the_broker_is_away_then_go_out_in_order(sessions, broker):
    frost_incident(sessions)
    client, address = make_client(broker.url("orchard-alerts"))
    publisher = OutboxPublisher(sessions, client)
    assert publisher.publish_pending() == 0  # not connected: nothing sent, nothing marked
    assert published(sessions) == [False, False]

    watcher = Collector(broker.url("orchard-ingest"), "orchard/farm1/alerts")
    connected = threading.Event()
    client.on_connect = lambda *args: connected.set()
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        assert connected.wait(10)
        assert publisher.publish_pending() == 2
        messages = [orjson.loads(payload) for _, payload in (watcher.get(), watcher.get())]
        assert [(m["kind"], m["value"]) for m in messages] == [("fired", 1.5), ("reminder", 1.2)]
        assert messages[0]["id"] < messages[1]["id"]
        assert messages[0]["at"] == "2026-04-02T03:10:00.000Z" and messages[0]["farm"] == "farm1"
        assert messages[0]["incident"] | {"id": None} == {
            "id": None, "rule": "frost", "subject": "device:dev-a", "device": "dev-a", "tree": None, "plot": None,
            "metric": "air_temp_c", "severity": "critical", "threshold": 2.0,
            "fired_at": "2026-04-02T03:10:00.000Z", "fired_value": 1.5, "acknowledged_at": None,
            "acknowledged_by": None, "resolved_at": None, "resolved_value": None}
        assert published(sessions) == [True, True]
        assert publisher.publish_pending() == 0 and watcher.drain() == []  # nothing twice
    finally:
        watcher.close()
        client.disconnect()
        client.loop_stop()
