"""Alerts: a farm's staff list and acknowledge its incidents; customers never see a farm's alerts."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.access import CurrentViewer, load, signed_in_user
from api.fields import Int64
from api.services import ServicesDep
from api.times import UTCTime
from orchard.alert_rules import KEY
from orchard.registry import incidents
from orchard.registry.alerting import AlertIncident, Severity
from orchard.registry.incidents import MAX_LIMIT, Filter, State
from orchard.times import parse_instant
from orchard.topics import ID_PATTERN

router = APIRouter(prefix="/alerts", tags=["alerts"])
ID = f"^{ID_PATTERN.pattern}$"


class AlertOut(BaseModel):
    id: int
    farm_id: str
    rule_key: str
    state: State
    severity: Severity
    subject: str
    device_id: str | None
    tree_id: int | None
    plot_id: int | None
    metric: str | None
    threshold: float | None
    fired_at: UTCTime
    fired_value: float | None
    last_value: float | None
    acknowledged_at: UTCTime | None
    acknowledged_by: str | None
    resolved_at: UTCTime | None
    resolved_value: float | None

    @classmethod
    def of(cls, incident: AlertIncident, acknowledged_by: str | None) -> AlertOut:
        return cls(id=incident.id, farm_id=incident.farm_id, rule_key=incident.rule_key,
                   state=incidents.state_of(incident), severity=incident.severity, subject=incident.subject,
                   device_id=incident.device_id, tree_id=incident.tree_id, plot_id=incident.plot_id,
                   metric=incident.metric, threshold=incident.threshold, fired_at=incident.fired_at,
                   fired_value=incident.fired_value, last_value=incident.last_value,
                   acknowledged_at=incident.acknowledged_at, acknowledged_by=acknowledged_by,
                   resolved_at=incident.resolved_at, resolved_value=incident.resolved_value)


@router.get("")
def list_alerts(
    viewer: CurrentViewer, services: ServicesDep,
    farm: str | None = Query(None, pattern=ID, description="one farm's alerts"),
    state: Annotated[State | None, Query(description="active (firing or acknowledged), firing, acknowledged, resolved")
                     ] = None,
    severity: Severity | None = None,
    rule: str | None = Query(None, pattern=f"^{KEY.pattern}$", description="a rule key, e.g. frost"),
    tree: Int64 | None = None,
    device: str | None = Query(None, pattern=ID),
    since: str | None = Query(None, description="ISO 8601 or epoch ms: alerts still active at or after it"),
    until: str | None = Query(None, description="ISO 8601 or epoch ms: alerts fired at or before it"),
    limit: int = Query(200, ge=1, le=MAX_LIMIT),
) -> list[AlertOut]:
    """The alerts of the farms the asker may see, active ones first, then newest first (none for customers)."""
    where = Filter(farm_id=farm, state=state, severity=severity, rule_key=rule, tree_id=tree, device_id=device,
                   since=parse_instant(since, "since"), until=parse_instant(until, "until"), limit=limit)
    farms = services.policy.farm_ids(viewer)
    with services.reading() as session:
        return [AlertOut.of(incident, name) for incident, name in incidents.list_incidents(session, farms, where)]


@router.get("/{alert_id}")
def get_alert(alert_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> AlertOut:
    with services.reading() as session:
        incident = load(session, AlertIncident, alert_id, viewer, services.policy)
        return AlertOut.of(incident, incidents.acknowledger(session, incident))


@router.post("/{alert_id}/ack")
def acknowledge_alert(alert_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> AlertOut:
    """Acknowledge an alert as the asker (the farm's farmers and admins); 409 if it is already acknowledged
    or resolved. The farm's channels and `orchard/{farm}/alerts` are told who took it on."""
    with services.writing() as session:
        incident = load(session, AlertIncident, alert_id, viewer, services.policy)
        services.policy.require_edit(viewer, "alert", incident.farm_id)
        user = signed_in_user(session, viewer)
        incident = incidents.acknowledge(session, alert_id, user)
        return AlertOut.of(incident, user.username)
