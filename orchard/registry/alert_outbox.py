"""Writing to the alerts' outbox: an event, and one delivery per enabled channel of its farm.

Call it inside the transaction that changes the incident or state it announces, so both
commit or neither does; the alerts service publishes and delivers from the outbox later.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.registry.alerting import AlertChannel, AlertDelivery, AlertEvent, AlertIncident, EventKind
from orchard.registry.models import utcnow


def record_event(session: Session, incident: AlertIncident, kind: EventKind, *, value: float | None = None,
                 at: datetime | None = None, notify: bool = True) -> AlertEvent:
    """Add `kind` of `incident` to the outbox; with `notify`, queue it for each enabled channel of the farm."""
    if incident.id is None:
        session.flush()  # the incident needs its id before an event can point at it
    event = AlertEvent(farm_id=incident.farm_id, incident_id=incident.id, kind=kind, value=value,
                       at=at or utcnow())
    session.add(event)
    session.flush()
    if notify:
        channels = session.scalars(select(AlertChannel.id).where(
            AlertChannel.farm_id == incident.farm_id, AlertChannel.enabled.is_(True)))
        session.add_all(AlertDelivery(event_id=event.id, channel_id=channel_id, attempts=0)
                        for channel_id in channels)
    return event
