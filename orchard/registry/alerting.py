"""The alerts' tables: rules a farmer tunes, per-subject state, incidents, channels, and the outbox.

A rule row overrides a built-in default (orchard/alert_rules.py) of the same `key` for a farm, a plot
or a tree; the most specific row wins. State and incidents are written in one transaction with the
outbox rows (`alert_events`, `alert_deliveries`) that announce them, so a crash between deciding and
telling neither loses nor repeats a message.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchard.registry.models import SLUG, Base, _enum, utcnow


class Condition(enum.StrEnum):
    ABOVE = "above"  # fires at value >= threshold, clears at value < clear
    BELOW = "below"  # fires at value <= threshold, clears at value > clear


class Aggregate(enum.StrEnum):
    LAST = "last"
    MEAN = "mean"
    MIN = "min"
    MAX = "max"
    SUM = "sum"


class Severity(enum.StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


class AlertState(enum.StrEnum):
    OK = "ok"
    PENDING = "pending"
    FIRING = "firing"


class EventKind(enum.StrEnum):
    FIRED = "fired"
    REMINDER = "reminder"  # still firing after the rule's repeat interval
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class ChannelKind(enum.StrEnum):
    WEBHOOK = "webhook"
    WECOM = "wecom"
    DINGTALK = "dingtalk"


class AlertRule(Base):
    """A farmer's setting of one rule (`key`, e.g. "frost") for a farm, a plot or one tree."""

    __tablename__ = "alert_rules"
    __table_args__ = (UniqueConstraint("farm_id", "plot_id", "tree_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    tree_id: Mapped[int | None] = mapped_column(ForeignKey("trees.id", ondelete="CASCADE"), index=True)
    key: Mapped[str] = mapped_column(String(SLUG))
    # "threshold" rules read `metric`; "offline" and "camera_stale" rules count missed intervals.
    kind: Mapped[str] = mapped_column(String(16), default="threshold")
    metric: Mapped[str | None] = mapped_column(String(SLUG))
    condition: Mapped[Condition] = mapped_column(_enum(Condition, "condition"), default=Condition.BELOW)
    threshold: Mapped[float] = mapped_column(Float)  # for offline/camera_stale: how many intervals missed
    clear_threshold: Mapped[float] = mapped_column(Float)
    duration_s: Mapped[int] = mapped_column(Integer, default=0)
    aggregate: Mapped[Aggregate] = mapped_column(_enum(Aggregate, "aggregate"), default=Aggregate.LAST)
    window_s: Mapped[int] = mapped_column(Integer, default=0)  # the aggregate's window; 0 with LAST
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"), default=Severity.WARNING)
    repeat_s: Mapped[int] = mapped_column(Integer, default=4 * 3600)  # 0: never remind
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class AlertIncident(Base):
    """One stretch of a rule firing for one subject: fired -> (acknowledged) -> resolved."""

    __tablename__ = "alert_incidents"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    rule_key: Mapped[str] = mapped_column(String(SLUG))
    subject: Mapped[str] = mapped_column(String(160))  # "device:<id>" or "camera:<id>"
    device_id: Mapped[str | None] = mapped_column(String(SLUG), index=True)
    tree_id: Mapped[int | None] = mapped_column(ForeignKey("trees.id", ondelete="SET NULL"), index=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="SET NULL"), index=True)
    metric: Mapped[str | None] = mapped_column(String(SLUG))
    severity: Mapped[Severity] = mapped_column(_enum(Severity, "severity"))
    threshold: Mapped[float | None] = mapped_column(Float)
    fired_at: Mapped[datetime] = mapped_column(index=True)
    fired_value: Mapped[float | None] = mapped_column(Float)
    last_value: Mapped[float | None] = mapped_column(Float)
    acknowledged_at: Mapped[datetime | None] = mapped_column()
    acknowledged_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    resolved_at: Mapped[datetime | None] = mapped_column(index=True)
    resolved_value: Mapped[float | None] = mapped_column(Float)


class AlertStatus(Base):
    """Where one rule stands for one subject; survives restarts, so nothing fires twice or is forgotten."""

    __tablename__ = "alert_states"
    __table_args__ = (UniqueConstraint("farm_id", "rule_key", "subject"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    rule_key: Mapped[str] = mapped_column(String(SLUG))
    subject: Mapped[str] = mapped_column(String(160))
    state: Mapped[AlertState] = mapped_column(_enum(AlertState, "alert_state"), default=AlertState.OK)
    since: Mapped[datetime | None] = mapped_column()  # when the condition started to hold (pending)
    last_value: Mapped[float | None] = mapped_column(Float)
    evaluated_at: Mapped[datetime | None] = mapped_column()
    notified_at: Mapped[datetime | None] = mapped_column()  # the last fired/reminder event
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("alert_incidents.id", ondelete="SET NULL"))

    incident: Mapped[AlertIncident | None] = relationship()


class AlertChannel(Base):
    """Where a farm's alerts are sent: a JSON webhook, a WeCom or a DingTalk group robot."""

    __tablename__ = "alert_channels"

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ChannelKind] = mapped_column(_enum(ChannelKind, "channel_kind"))
    name: Mapped[str] = mapped_column(String(100), default="")
    url: Mapped[str] = mapped_column(String(1000))  # WeCom's key sits in it: a secret, never shown whole
    secret: Mapped[str | None] = mapped_column(String(200))  # DingTalk's signing secret; the webhook's HMAC key
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class AlertEvent(Base):
    """The outbox: one event of an incident, written with the state change that caused it."""

    __tablename__ = "alert_events"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    incident_id: Mapped[int] = mapped_column(ForeignKey("alert_incidents.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    at: Mapped[datetime] = mapped_column(default=utcnow)
    value: Mapped[float | None] = mapped_column(Float)
    published_at: Mapped[datetime | None] = mapped_column(index=True)  # on orchard/{farm}/alerts

    incident: Mapped[AlertIncident] = relationship()


class AlertDelivery(Base):
    """One event still to be told on one channel; delivered in groups per channel."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (UniqueConstraint("event_id", "channel_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("alert_events.id", ondelete="CASCADE"), index=True)
    channel_id: Mapped[int] = mapped_column(ForeignKey("alert_channels.id", ondelete="CASCADE"), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(index=True)
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    gave_up_at: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)

    event: Mapped[AlertEvent] = relationship()
    channel: Mapped[AlertChannel] = relationship()
