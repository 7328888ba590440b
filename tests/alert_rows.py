"""Alert incidents written straight into a registry, as the alerts service would leave them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session

from orchard.alert_rules import DEFAULTS
from orchard.registry.alerting import AlertIncident, Severity
from orchard.registry.models import Device


def fire(session: Session, device_id: str, rule_key: str = "frost", *, value: float = -2.5,
         ago: timedelta = timedelta(minutes=20), resolved_after: timedelta | None = None,
         now: datetime | None = None) -> AlertIncident:
    """An incident of `rule_key` on a device (and its tree and plot), fired `ago`; resolved if `resolved_after`."""
    device = session.get(Device, device_id)
    assert device is not None, device_id
    rule = DEFAULTS.get(rule_key)
    fired = (now or datetime.now(UTC)) - ago
    incident = AlertIncident(
        farm_id=device.farm_id, rule_key=rule_key, subject=f"device:{device_id}", device_id=device_id,
        tree_id=device.tree_id, plot_id=device.plot_id if device.plot_id is not None else
        (device.tree.plot_id if device.tree is not None else None),
        metric=rule.metric if rule else None, severity=rule.severity if rule else Severity.WARNING,
        threshold=rule.threshold if rule else None, fired_at=fired, fired_value=value, last_value=value,
        resolved_at=fired + resolved_after if resolved_after is not None else None,
        resolved_value=None if resolved_after is None else value + 5)
    session.add(incident)
    session.flush()
    return incident
