"""A farm's alert rules: the built-in defaults with the farm's, a plot's or a tree's overrides; staff tune them."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import ServicesDep
from orchard.alert_rules import KEY, MAX_SPAN_S
from orchard.errors import NotFound
from orchard.registry import alert_tuning
from orchard.registry.alert_tuning import EffectiveRule
from orchard.registry.alerting import Aggregate, Condition, Severity
from orchard.registry.models import Farm

router = APIRouter(prefix="/farms", tags=["alert rules"])

PLOT = Query(None, description="a plot of the farm: its rules instead of the farm's")
TREE = Query(None, description="a tree of the farm: its rules instead of the farm's")
RuleKey = Annotated[str, Path(pattern=f"^{KEY.pattern}$", description="the rule, e.g. frost")]


class RuleOut(BaseModel):
    key: str
    kind: str
    metric: str | None
    condition: Condition
    threshold: float
    clear_threshold: float
    duration_s: int
    aggregate: Aggregate
    window_s: int
    severity: Severity
    repeat_s: int
    enabled: bool
    source: str = Field(description="where the rule in force comes from: default, farm, plot or tree")
    overridden_here: bool = Field(description="this farm, plot or tree holds its own override (DELETE clears it)")

    @classmethod
    def of(cls, found: EffectiveRule) -> RuleOut:
        rule = found.rule
        return cls(key=rule.key, kind=rule.kind, metric=rule.metric, condition=rule.condition,
                   threshold=rule.threshold, clear_threshold=rule.clear_threshold, duration_s=rule.duration_s,
                   aggregate=rule.aggregate, window_s=rule.window_s, severity=rule.severity,
                   repeat_s=rule.repeat_s, enabled=rule.enabled, source=found.source,
                   overridden_here=found.overridden_here)


class RuleIn(BaseModel):
    """What to change of the rule in force; what is left out stays as it is."""

    model_config = ConfigDict(extra="forbid")

    kind: str | None = Field(None, description="threshold (the default), offline or camera_stale: new rules only")
    metric: str | None = Field(None, max_length=64)
    condition: Condition | None = None
    threshold: float | None = None
    clear_threshold: float | None = Field(None, description="the value at which the alert clears (hysteresis)")
    duration_s: int | None = Field(None, ge=0, le=MAX_SPAN_S, description="how long it must hold before firing")
    aggregate: Aggregate | None = None
    window_s: int | None = Field(None, ge=0, le=MAX_SPAN_S, description="the aggregate's window")
    severity: Severity | None = None
    repeat_s: int | None = Field(None, ge=0, le=MAX_SPAN_S, description="remind while firing; 0: never")
    enabled: bool | None = None


@router.get("/{farm_id}/alert-rules")
def list_rules(farm_id: str, viewer: CurrentViewer, services: ServicesDep, plot: Int64 | None = PLOT,
               tree: Int64 | None = TREE) -> list[RuleOut]:
    """The rules in force for the farm (or one of its plots or trees), and where each comes from."""
    with services.reading() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        where = alert_tuning.scope(session, farm_id, plot_id=plot, tree_id=tree)
        return [RuleOut.of(found) for found in alert_tuning.effective_rules(session, where)]


@router.put("/{farm_id}/alert-rules/{key}")
def set_rule(farm_id: str, key: RuleKey, body: RuleIn, viewer: CurrentViewer, services: ServicesDep,
             plot: Int64 | None = PLOT, tree: Int64 | None = TREE) -> RuleOut:
    """Override a rule for the farm (or a plot or tree of it): the rule in force with the given settings
    changed, checked (the clear threshold on the clearing side, a known metric, no negative durations)."""
    with services.writing() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        services.policy.require_edit(viewer, "alert_rule", farm_id)
        where = alert_tuning.scope(session, farm_id, plot_id=plot, tree_id=tree)
        return RuleOut.of(alert_tuning.set_override(session, where, key, body.model_dump(exclude_unset=True)))


@router.delete("/{farm_id}/alert-rules/{key}", status_code=204)
def clear_rule(farm_id: str, key: RuleKey, viewer: CurrentViewer, services: ServicesDep,
               plot: Int64 | None = PLOT, tree: Int64 | None = TREE) -> Response:
    """Clear the override of a rule here: the wider one (plot, farm, built-in) applies again. 404 if none."""
    with services.writing() as session:
        load(session, Farm, farm_id, viewer, services.policy)
        services.policy.require_edit(viewer, "alert_rule", farm_id)
        where = alert_tuning.scope(session, farm_id, plot_id=plot, tree_id=tree)
        if not alert_tuning.clear_override(session, where, key):
            raise NotFound(f"no override of {key!r} here")
    return Response(status_code=204)
