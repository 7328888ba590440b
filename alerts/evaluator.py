"""The state machine of one rule for one subject: OK -> pending -> firing -> resolved, pure.

The condition must hold for the rule's duration before the alert fires; once firing it stays
firing until the value passes the clear threshold (hysteresis), so a value wavering between
the two fires once. While firing, a reminder is due every repeat interval. Without an
observation (no data, or the device is offline) nothing changes: absence is never "resolved".
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from orchard.registry.alerting import AlertState, EventKind

OK, PENDING, FIRING = AlertState.OK, AlertState.PENDING, AlertState.FIRING


@dataclass(frozen=True, slots=True)
class Observation:
    """What the data says this cycle: the value, and which side of each threshold it is on."""

    value: float | None
    holds: bool  # on the alarming side of the threshold
    clears: bool  # past the clear threshold


@dataclass(frozen=True, slots=True)
class Standing:
    """Where a rule stands for a subject (the persisted part of `alert_states`)."""

    state: AlertState = OK
    since: datetime | None = None  # when the condition started to hold
    notified_at: datetime | None = None  # the last fired or reminder event


def step(standing: Standing, seen: Observation | None, now: datetime, *, duration_s: float,
         repeat_s: float) -> tuple[Standing, EventKind | None]:
    """The next standing and the event to announce (fired, reminder, resolved), if any."""
    if seen is None:
        return standing, None
    if standing.state is FIRING:
        if seen.clears:
            return Standing(), EventKind.RESOLVED
        last = standing.notified_at or standing.since or now
        if repeat_s > 0 and now - last >= timedelta(seconds=repeat_s):
            return replace(standing, notified_at=now), EventKind.REMINDER
        return standing, None
    if not seen.holds:
        return (Standing(), None) if standing.state is not OK else (standing, None)
    since = standing.since if standing.state is PENDING and standing.since is not None else now
    if now - since >= timedelta(seconds=duration_s):
        return Standing(FIRING, since, now), EventKind.FIRED
    return Standing(PENDING, since), None
