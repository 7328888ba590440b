"""What the alerts pages show a farm's staff: its incidents, acknowledging one, its rules, counts for badges.

Every function takes the viewer and asks the policy first: an id from the browser is only a
question, so a forged one (another farm's alert, a customer asking) gets nothing back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from dashboard import services
from orchard.alert_rules import KEY
from orchard.auth.policy import Viewer
from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry import alert_tuning, incidents
from orchard.registry.alert_tuning import EffectiveRule
from orchard.registry.alerting import AlertIncident
from orchard.registry.incidents import Filter, State
from orchard.registry.models import Farm, Plot, Tree, User

RECENT = timedelta(days=7)  # resolved alerts stay on the page this long
SHOWN = 100


@dataclass(frozen=True)
class AlertRow:
    """One incident as a farmer reads it (names instead of ids)."""

    id: int
    rule_key: str
    severity: str
    state: State
    metric: str | None
    tree_id: int | None
    tree_label: str | None
    plot_name: str | None
    device_id: str | None
    fired_at: datetime
    fired_value: float | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    resolved_at: datetime | None


@dataclass(frozen=True)
class FarmAlerts:
    farm_id: str
    name: str
    timezone: str
    rows: list[AlertRow]
    may_acknowledge: bool


def farm_alerts(viewer: Viewer, farm_id: object, now: datetime | None = None) -> FarmAlerts | None:
    """The active alerts and those resolved in the last week, of a farm the viewer may see; None otherwise."""
    svc = services.get()
    if not isinstance(farm_id, str) or not svc.policy.sees_farm(viewer, farm_id):
        return None
    since = (now or datetime.now(UTC)) - RECENT
    with svc.reading() as session:
        farm = session.get(Farm, farm_id)
        if farm is None:
            return None
        found = incidents.list_incidents(session, [farm_id], Filter(since=since, limit=SHOWN))
        trees = dict(session.execute(select(Tree.id, Tree.label).where(Tree.farm_id == farm_id)).all())
        plots = dict(session.execute(select(Plot.id, Plot.name).where(Plot.farm_id == farm_id)).all())
        rows = [AlertRow(i.id, i.rule_key, i.severity.value, incidents.state_of(i), i.metric, i.tree_id,
                         trees.get(i.tree_id) if i.tree_id is not None else None,
                         plots.get(i.plot_id) if i.plot_id is not None else None, i.device_id, i.fired_at,
                         i.fired_value, i.acknowledged_at, who, i.resolved_at) for i, who in found]
        return FarmAlerts(farm.id, farm.name, farm.timezone, rows, svc.policy.may_edit(viewer, "alert", farm_id))


def acknowledge(viewer: Viewer, alert_id: object) -> str:
    """Acknowledge an alert in the viewer's name: "done", "conflict" or "refused" (forged or not theirs)."""
    svc = services.get()
    if isinstance(alert_id, bool) or not isinstance(alert_id, int) or viewer.user_id is None:
        return "refused"
    try:
        with svc.sessions.begin() as session:
            incident = session.get(AlertIncident, alert_id)
            user = session.get(User, viewer.user_id)
            if incident is None or user is None or not svc.policy.may_edit(viewer, "alert", incident.farm_id):
                return "refused"
            incidents.acknowledge(session, alert_id, user)
    except Conflict:
        return "conflict"
    except NotFound:
        return "refused"
    return "done"


def active_count(viewer: Viewer) -> int:
    """Active alerts on the farms the viewer may see (0 for customers)."""
    svc = services.get()
    farms = svc.policy.farm_ids(viewer)
    if farms is not None and not farms:
        return 0
    with svc.reading() as session:
        return incidents.active_count(session, farms)


def farm_rules(viewer: Viewer, farm_id: object) -> list[EffectiveRule] | None:
    """The rules in force on a farm the viewer may see (farm-wide); None otherwise."""
    svc = services.get()
    if not isinstance(farm_id, str) or not svc.policy.sees_farm(viewer, farm_id):
        return None
    with svc.reading() as session:
        if session.get(Farm, farm_id) is None:
            return None
        return alert_tuning.effective_rules(session, alert_tuning.scope(session, farm_id))


def tune_farm_rule(viewer: Viewer, farm_id: object, key: object, changes: dict | None) -> str | None:
    """Override a rule farm-wide (None: clear the override) in the viewer's name: None if done, else why not.

    "refused" when the viewer may not (or the ids are forged); otherwise the registry's own words.
    """
    svc = services.get()
    if not isinstance(farm_id, str) or not isinstance(key, str) or not KEY.fullmatch(key) \
            or viewer.user_id is None or not svc.policy.may_edit(viewer, "alert_rule", farm_id):
        return "refused"
    try:
        with svc.sessions.begin() as session:
            if session.get(Farm, farm_id) is None:
                return "refused"
            where = alert_tuning.scope(session, farm_id)
            if changes is None:
                alert_tuning.clear_override(session, where, key)
            else:
                alert_tuning.set_override(session, where, key, changes)
    except (Invalid, NotFound) as exc:
        return str(exc)
    return None
