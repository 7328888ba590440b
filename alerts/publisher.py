"""The outbox to MQTT: each alert event on `orchard/{farm}/alerts`, marked published once the broker has it.

Events go out in id order at QoS 1; `published_at` is set only after the broker's PUBACK, so a
crash in between sends that event again on restart (at least once: consumers dedupe by `id`).
The payload is a contract (docs/ARCHITECTURE.md, Alerts).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import orjson
import paho.mqtt.client as paho
from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, sessionmaker

from orchard import topics
from orchard.registry.alerting import AlertEvent, AlertIncident
from orchard.registry.models import utcnow

log = logging.getLogger(__name__)

BATCH = 500
ACK_TIMEOUT_S = 10.0


def _iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def event_payload(event: AlertEvent) -> dict[str, Any]:
    """The JSON published for one event: the event, and its incident as it stands now."""
    incident: AlertIncident = event.incident
    return {
        "id": event.id,
        "kind": event.kind.value,
        "at": _iso(event.at),
        "value": event.value,
        "farm": event.farm_id,
        "incident": {
            "id": incident.id,
            "rule": incident.rule_key,
            "subject": incident.subject,
            "device": incident.device_id,
            "tree": incident.tree_id,
            "plot": incident.plot_id,
            "metric": incident.metric,
            "severity": incident.severity.value,
            "threshold": incident.threshold,
            "fired_at": _iso(incident.fired_at),
            "fired_value": incident.fired_value,
            "acknowledged_at": _iso(incident.acknowledged_at),
            "acknowledged_by": incident.acknowledged_by,
            "resolved_at": _iso(incident.resolved_at),
            "resolved_value": incident.resolved_value,
        },
    }


class OutboxPublisher:
    def __init__(self, sessions: sessionmaker[Session], client: paho.Client) -> None:
        self.sessions = sessions
        self.client = client
        self._failing = False

    def publish_pending(self) -> int:
        """Publish every unpublished event; the number the broker acknowledged."""
        published = 0
        # paho keeps a QoS 1 message published while disconnected and sends it on reconnect, while the
        # outbox would send it again: publish only while connected.
        if not self.client.is_connected():
            self._down("not connected to the broker; alert events wait in the outbox")
            return published
        while True:
            with self.sessions() as session:
                events = session.scalars(
                    select(AlertEvent).where(AlertEvent.published_at.is_(None)).order_by(AlertEvent.id)
                    .options(joinedload(AlertEvent.incident)).limit(BATCH)).all()
                if not events:
                    return published
                acknowledged = self._send(events)
                for event in acknowledged:
                    event.published_at = utcnow()
                session.commit()
            published += len(acknowledged)
            if len(acknowledged) < len(events):
                return published

    def _send(self, events: Sequence[AlertEvent]) -> list[AlertEvent]:
        """Publish in order and wait for the acknowledgements; stop at the first refusal."""
        pending: list[tuple[AlertEvent, paho.MQTTMessageInfo]] = []
        for event in events:
            info = self.client.publish(topics.alerts(event.farm_id), orjson.dumps(event_payload(event)), qos=1)
            if info.rc != paho.MQTT_ERR_SUCCESS:
                self._down(f"cannot publish alert events ({paho.error_string(info.rc)}); they wait in the outbox")
                break
            pending.append((event, info))
        acknowledged = []
        for event, info in pending:
            try:
                info.wait_for_publish(ACK_TIMEOUT_S)
            except (RuntimeError, ValueError) as exc:
                self._down(f"alert event {event.id} not acknowledged ({exc}); it waits in the outbox")
                break
            if not info.is_published():
                self._down(f"alert event {event.id} not acknowledged in {ACK_TIMEOUT_S:.0f}s; it waits in the outbox")
                break
            acknowledged.append(event)
        if acknowledged and len(acknowledged) == len(events) and self._failing:
            self._failing = False
            log.info("alert events reach the broker again")
        return acknowledged

    def _down(self, why: str) -> None:
        if not self._failing:
            self._failing = True
            log.warning("%s", why)
