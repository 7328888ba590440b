"""Alerts as farmers and scripts see them: incidents listed and filtered, acknowledged, counted for tiles.

An incident is firing until someone acknowledges it, and active until the alerts service resolves
it. Acknowledging writes the `acknowledged` event to the outbox in the same transaction, so the
farm's channels and `orchard/{farm}/alerts` hear who took it on.
"""

from __future__ import annotations

import enum
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry.alert_outbox import record_event
from orchard.registry.alerting import AlertIncident, EventKind, Severity
from orchard.registry.models import User, utcnow

MAX_LIMIT = 1000


class State(enum.StrEnum):
    ACTIVE = "active"              # not resolved: firing or acknowledged
    FIRING = "firing"              # not resolved, nobody has acknowledged it
    ACKNOWLEDGED = "acknowledged"  # not resolved, someone has
    RESOLVED = "resolved"


def state_of(incident: AlertIncident) -> State:
    """Where an incident stands: firing, acknowledged or resolved."""
    if incident.resolved_at is not None:
        return State.RESOLVED
    return State.FIRING if incident.acknowledged_at is None else State.ACKNOWLEDGED


@dataclass(frozen=True)
class Filter:
    """Which incidents to list; None in a field means any. `since`/`until` keep those active at some time between."""

    farm_id: str | None = None
    state: State | None = None
    severity: Severity | None = None
    rule_key: str | None = None
    tree_id: int | None = None
    device_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 200

    def __post_init__(self) -> None:
        if self.since is not None and self.until is not None and self.since > self.until:
            raise Invalid("since: must not be after until")
        if not 1 <= self.limit <= MAX_LIMIT:
            raise Invalid(f"limit: must be from 1 to {MAX_LIMIT}")


def list_incidents(session: Session, farm_ids: Collection[str] | None, where: Filter = Filter()
                   ) -> list[tuple[AlertIncident, str | None]]:
    """(incident, acknowledger's username) of the farms `farm_ids` (None: all), newest first."""
    query = _filtered(select(AlertIncident, User.username).outerjoin(User, AlertIncident.acknowledged_by == User.id),
                      farm_ids, where)
    query = query.order_by(AlertIncident.resolved_at.is_not(None), AlertIncident.fired_at.desc(),
                           AlertIncident.id.desc()).limit(where.limit)
    return [(incident, name) for incident, name in session.execute(query)]


def get_incident(session: Session, incident_id: int) -> AlertIncident | None:
    return session.get(AlertIncident, incident_id)


def acknowledger(session: Session, incident: AlertIncident) -> str | None:
    """The username of whoever acknowledged the incident, if anyone (and they still exist)."""
    if incident.acknowledged_by is None:
        return None
    return session.scalar(select(User.username).where(User.id == incident.acknowledged_by))


def acknowledge(session: Session, incident_id: int, user: User, at: datetime | None = None) -> AlertIncident:
    """Mark an incident acknowledged by `user` and queue the `acknowledged` event, in the caller's transaction.

    Conflict if it is resolved or someone already acknowledged it: the check and the change are one
    UPDATE, so two farmers pressing at once get one success and one Conflict on any database.
    """
    at = at or utcnow()
    changed = session.execute(
        update(AlertIncident)
        .where(AlertIncident.id == incident_id, AlertIncident.acknowledged_at.is_(None),
               AlertIncident.resolved_at.is_(None))
        .values(acknowledged_at=at, acknowledged_by=user.id)
        .execution_options(synchronize_session=False))
    incident = session.get(AlertIncident, incident_id, populate_existing=True)
    if incident is None:
        raise NotFound(f"no alert {incident_id}")
    if changed.rowcount != 1:  # type: ignore[attr-defined]
        if incident.resolved_at is not None:
            raise Conflict(f"alert {incident_id} is already resolved; there is nothing left to acknowledge")
        who = acknowledger(session, incident) or "someone"
        raise Conflict(f"alert {incident_id} was already acknowledged by {who} "
                       f"at {incident.acknowledged_at:%Y-%m-%d %H:%M} UTC")
    record_event(session, incident, EventKind.ACKNOWLEDGED, value=incident.last_value, at=at)
    return incident


def active_count(session: Session, farm_ids: Collection[str] | None) -> int:
    """How many alerts are active (not resolved) on the farms `farm_ids` (None: every farm)."""
    query = _filtered(select(func.count(AlertIncident.id)), farm_ids, Filter(state=State.ACTIVE))
    return session.scalar(query) or 0


def active_per_farm(session: Session, farm_ids: Collection[str] | None) -> dict[str, int]:
    query = _filtered(select(AlertIncident.farm_id, func.count(AlertIncident.id)), farm_ids,
                      Filter(state=State.ACTIVE)).group_by(AlertIncident.farm_id)
    return {farm_id: count for farm_id, count in session.execute(query)}


@dataclass(frozen=True)
class Marks:
    """What is alerting on one farm now, for tiles: the active rule keys per tree and per device."""

    trees: dict[int, list[str]]
    devices: dict[str, list[str]]


def active_marks(session: Session, farm_id: str) -> Marks:
    """The rule keys with an active alert, per tree and per device of a farm."""
    query = _filtered(select(AlertIncident.tree_id, AlertIncident.device_id, AlertIncident.rule_key),
                      [farm_id], Filter(state=State.ACTIVE)).order_by(AlertIncident.fired_at)
    trees: dict[int, list[str]] = {}
    devices: dict[str, list[str]] = {}
    for tree_id, device_id, key in session.execute(query):
        if tree_id is not None:
            trees.setdefault(tree_id, []).append(key)
        if device_id is not None:
            devices.setdefault(device_id, []).append(key)
    return Marks(trees, devices)


def _filtered(query: Select, farm_ids: Collection[str] | None, where: Filter) -> Select:
    if farm_ids is not None:
        query = query.where(AlertIncident.farm_id.in_(list(farm_ids)))
    if where.farm_id is not None:
        query = query.where(AlertIncident.farm_id == where.farm_id)
    if where.state is not None:
        query = query.where(AlertIncident.resolved_at.is_(None) if where.state != State.RESOLVED
                            else AlertIncident.resolved_at.is_not(None))
        if where.state == State.FIRING:
            query = query.where(AlertIncident.acknowledged_at.is_(None))
        if where.state == State.ACKNOWLEDGED:
            query = query.where(AlertIncident.acknowledged_at.is_not(None))
    for column, value in ((AlertIncident.severity, where.severity), (AlertIncident.rule_key, where.rule_key),
                          (AlertIncident.tree_id, where.tree_id), (AlertIncident.device_id, where.device_id)):
        if value is not None:
            query = query.where(column == value)
    if where.until is not None:
        query = query.where(AlertIncident.fired_at <= where.until)
    if where.since is not None:
        query = query.where((AlertIncident.resolved_at.is_(None)) | (AlertIncident.resolved_at >= where.since))
    return query
