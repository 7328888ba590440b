"""The courier: each cycle, the outbox's due deliveries of each channel go out as ONE message.

Per channel and cycle there is at most one post, and never more than 20 in a minute (the robots'
limit). A failure worth retrying (5xx, timeout, a robot's "too fast") moves the channel's
deliveries to a later cycle with exponential backoff and jitter, never sooner than the server's
Retry-After; a refusal (4xx, a wrong key or signature) or an alert older than
ORCHARD_ALERTS_GIVE_UP_S gives them up, logged once and counted.

At least once: deliveries are claimed (their next_attempt_at moved past the post's timeout) before
the post and marked delivered in the transaction right after it. A crash between a post and that
commit sends the message again after the claim runs out; webhook receivers drop it by its
idempotency key (the events' ids).
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import httpx
from sqlalchemy import or_, select, update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, joinedload, sessionmaker

from orchard.notify.messages import Notice, compose
from orchard.notify.robots import Channel, Outcome, post
from orchard.registry.alert_channels import masked_url
from orchard.registry.alerting import AlertChannel, AlertDelivery, AlertEvent
from orchard.registry.db import session_scope
from orchard.registry.models import Farm, Plot, Tree, utcnow
from orchard.settings import Settings

log = logging.getLogger(__name__)

PER_MINUTE = 20  # WeCom and DingTalk robots accept 20 messages a minute each
BATCH = 500  # deliveries of one channel in one message; more wait for the next cycle
BACKOFF_FIRST_S = 30.0
BACKOFF_MAX_S = 900.0


@dataclass
class Tally:
    """What the courier did: messages posted, deliveries delivered, failed attempts, deliveries given up."""

    messages: int = 0
    delivered: int = 0
    failed: int = 0  # deliveries whose post failed, to be retried
    gave_up: int = 0

    def add(self, other: Tally) -> None:
        self.messages += other.messages
        self.delivered += other.delivered
        self.failed += other.failed
        self.gave_up += other.gave_up


class RateLimit:
    """At most `per_minute` posts to one channel in any 60 seconds."""

    def __init__(self, per_minute: int = PER_MINUTE) -> None:
        self.per_minute = per_minute
        self._posts: dict[int, deque[float]] = {}

    def allows(self, channel_id: int, now: float) -> bool:
        posts = self._posts.setdefault(channel_id, deque())
        while posts and posts[0] <= now - 60:
            posts.popleft()
        return len(posts) < self.per_minute

    def note(self, channel_id: int, now: float) -> None:
        self._posts.setdefault(channel_id, deque()).append(now)


@dataclass
class Batch:
    """One channel's claimed deliveries, with everything the message needs, read in one transaction."""

    channel: Channel
    farm: str
    language: str
    timezone: str
    notices: list[Notice] = field(default_factory=list)
    deliveries: dict[int, datetime] = field(default_factory=dict)  # delivery id -> its event's time
    attempts: dict[int, int] = field(default_factory=dict)


def backoff_s(attempts: int, jitter: float) -> float:
    """The wait after the `attempts`-th failure: 30 s doubling to 15 min, times 0.5..1 (jitter in [0, 1))."""
    return min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2 ** max(0, attempts - 1)) * (0.5 + jitter / 2)


def _due(now: datetime):
    return (AlertDelivery.delivered_at.is_(None), AlertDelivery.gave_up_at.is_(None),
            or_(AlertDelivery.next_attempt_at.is_(None), AlertDelivery.next_attempt_at <= now))


PROCESS_RATE_LIMIT = RateLimit()  # couriers of one process share the robots' minute, however often they are made


class Courier:
    """Delivers the outbox; best kept for the service's life, as `total` counts since it was made.

    `client` (httpx) is the caller's to close; without one, each cycle opens and closes its own.
    """

    def __init__(self, sessions: sessionmaker[Session], settings: Settings | None = None, *,
                 client: httpx.Client | None = None, clock: Callable[[], datetime] = utcnow,
                 jitter: Callable[[], float] = random.random, rate_limit: RateLimit | None = None) -> None:
        settings = settings or Settings.load()
        self.sessions = sessions
        self.give_up = timedelta(seconds=settings.alerts_give_up_s)
        self.lease = timedelta(seconds=2 * settings.alerts_send_timeout_s + 30)
        self.client, self.timeout_s = client, settings.alerts_send_timeout_s
        self.clock, self.jitter = clock, jitter
        self.rate_limit = rate_limit or PROCESS_RATE_LIMIT
        self.total = Tally()  # since start: what the service reports
        self._failing: set[int] = set()  # channels whose failure was logged; their recovery is logged once
        self._paused: dict[int, datetime] = {}  # a failing channel's next try: new alerts wait for it too

    def deliver(self) -> Tally:
        """One cycle: at most one message per channel with due deliveries; returns what it did."""
        if self.client is not None:
            return self._cycle(self.client)
        with httpx.Client(timeout=self.timeout_s, follow_redirects=False) as client:
            return self._cycle(client)

    def _cycle(self, client: httpx.Client) -> Tally:
        now = self.clock()
        cycle = Tally()
        with session_scope(self.sessions) as session:
            channels = list(session.scalars(
                select(AlertDelivery.channel_id).join(AlertChannel).where(AlertChannel.enabled.is_(True), *_due(now))
                .distinct().order_by(AlertDelivery.channel_id)))
        for channel_id in channels:
            now = self.clock()  # a slow robot before this one must not shorten its claim
            if not self.rate_limit.allows(channel_id, now.timestamp()) or self._paused.get(channel_id, now) > now:
                continue  # the robot's minute is full, or it is failing: the deliveries wait, due
            batch = self._claim(channel_id, now)
            if batch is None:
                continue
            stale = self._stale(batch, now)
            if stale:
                cycle.add(self._give_up(batch, stale, now, "older than ORCHARD_ALERTS_GIVE_UP_S after failed tries"))
            if not batch.deliveries:
                continue
            message = compose(batch.notices, farm=batch.farm, language=batch.language, timezone=batch.timezone)
            self.rate_limit.note(channel_id, now.timestamp())
            outcome = post(client, batch.channel, message, batch.notices, now=now)
            cycle.add(self._record(batch, outcome, now))
        self.total.add(cycle)
        return cycle

    def _claim(self, channel_id: int, now: datetime) -> Batch | None:
        """The channel's due deliveries, moved past the post's lease so no other courier takes them."""
        try:
            with session_scope(self.sessions) as session:
                return self._take(session, channel_id, now)
        except OperationalError as exc:  # SQLite: another courier wrote since this one read; it sends them
            log.debug("alert channel %d: claim lost (%s)", channel_id, exc.orig)
            return None

    def _take(self, session: Session, channel_id: int, now: datetime) -> Batch | None:
        ids = list(session.scalars(select(AlertDelivery.id).where(AlertDelivery.channel_id == channel_id, *_due(now))
                                   .order_by(AlertDelivery.event_id).limit(BATCH)))
        claimed = session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(ids), *_due(now))
                                  .values(next_attempt_at=now + self.lease)
                                  .execution_options(synchronize_session=False))
        if not ids or claimed.rowcount != len(ids):  # type: ignore[attr-defined]
            session.rollback()  # another courier claimed some: it sends them
            return None
        return self._read(session, channel_id, ids)

    def _read(self, session: Session, channel_id: int, ids: list[int]) -> Batch:
        row = session.get_one(AlertChannel, channel_id)
        farm = session.get_one(Farm, row.farm_id)
        batch = Batch(Channel(row.id, row.farm_id, row.kind, row.url, row.secret), farm.name or farm.id,
                      farm.language, farm.timezone)
        deliveries = session.scalars(select(AlertDelivery).where(AlertDelivery.id.in_(ids))
                                     .join(AlertEvent).order_by(AlertEvent.id)
                                     .options(joinedload(AlertDelivery.event).joinedload(AlertEvent.incident))).all()
        incidents = [d.event.incident for d in deliveries]
        trees = {t.id: t.label for t in session.scalars(
            select(Tree).where(Tree.id.in_({i.tree_id for i in incidents if i.tree_id})))}
        plots = {p.id: p.name for p in session.scalars(
            select(Plot).where(Plot.id.in_({i.plot_id for i in incidents if i.plot_id})))}
        for delivery in deliveries:
            event, incident = delivery.event, delivery.event.incident
            camera = incident.subject.removeprefix("camera:") if incident.subject.startswith("camera:") else None
            batch.notices.append(Notice(
                event_id=event.id, incident_id=incident.id, kind=event.kind.value, rule=incident.rule_key,
                severity=incident.severity.value, at=event.at, value=event.value, metric=incident.metric,
                threshold=incident.threshold, tree=trees.get(incident.tree_id or 0),
                plot=plots.get(incident.plot_id or 0), device=incident.device_id, camera=camera))
            batch.deliveries[delivery.id] = event.at
            batch.attempts[delivery.id] = delivery.attempts
        return batch

    def _stale(self, batch: Batch, now: datetime) -> list[int]:
        """Deliveries tried before whose alert is now older than the give-up time."""
        return [d for d, at in batch.deliveries.items() if batch.attempts[d] > 0 and at + self.give_up <= now]

    def _record(self, batch: Batch, outcome: Outcome, now: datetime) -> Tally:
        channel = batch.channel
        if outcome.delivered:
            with session_scope(self.sessions) as session:
                session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(batch.deliveries))
                                .values(delivered_at=now, attempts=AlertDelivery.attempts + 1, last_error=None,
                                        next_attempt_at=None).execution_options(synchronize_session=False))
            self._paused.pop(channel.id, None)
            if channel.id in self._failing:
                self._failing.discard(channel.id)
                log.info("alert channel %d (%s) delivers again", channel.id, masked_url(channel.url))
            return Tally(messages=1, delivered=len(batch.deliveries))
        if not outcome.retry:
            return self._give_up(batch, list(batch.deliveries), now, f"refused: {outcome.error}", tried=True)
        if channel.id not in self._failing:
            self._failing.add(channel.id)
            log.warning("alert channel %d (%s %s) failed, will retry: %s", channel.id, channel.kind.value,
                        masked_url(channel.url), outcome.error)
        # The channel backs off as one, by its longest-failing delivery: its batch stays one message.
        wait = backoff_s(max(batch.attempts.values()) + 1, self.jitter())
        if outcome.retry_after_s is not None:
            wait = max(wait, outcome.retry_after_s)
        first_deadline = min(batch.deliveries.values()) + self.give_up  # ...but not past an alert's deadline
        self._paused[channel.id] = min(now + timedelta(seconds=wait), first_deadline)
        lost: list[int] = []
        with session_scope(self.sessions) as session:
            for delivery_id, at in batch.deliveries.items():
                attempts = batch.attempts[delivery_id] + 1
                deadline = at + self.give_up
                asked = outcome.retry_after_s
                if now >= deadline or (asked is not None and now + timedelta(seconds=asked) > deadline):
                    lost.append(delivery_id)  # the robot's wish (Retry-After) would outlast the alert
                    continue
                session.execute(update(AlertDelivery).where(AlertDelivery.id == delivery_id)
                                .values(attempts=attempts, last_error=outcome.error,
                                        next_attempt_at=min(now + timedelta(seconds=wait), deadline))
                                .execution_options(synchronize_session=False))
        tally = Tally(failed=len(batch.deliveries) - len(lost))
        if lost:
            tally.add(self._give_up(batch, lost, now, f"no success within ORCHARD_ALERTS_GIVE_UP_S: {outcome.error}",
                                    tried=True))
        return tally

    def _give_up(self, batch: Batch, ids: list[int], now: datetime, reason: str, *, tried: bool = False) -> Tally:
        """Mark `ids` given up, logged once for them all, and take them out of the batch."""
        channel = batch.channel
        with session_scope(self.sessions) as session:
            session.execute(update(AlertDelivery).where(AlertDelivery.id.in_(ids))
                            .values(gave_up_at=now, last_error=reason[:1000], next_attempt_at=None,
                                    attempts=AlertDelivery.attempts + (1 if tried else 0))
                            .execution_options(synchronize_session=False))
        log.error("gave up %d alert message(s) to farm %s's channel %d (%s %s): %s", len(ids), channel.farm_id,
                  channel.id, channel.kind.value, masked_url(channel.url), reason)
        gone = set(ids)
        batch.notices = [n for n, d in zip(batch.notices, list(batch.deliveries), strict=True) if d not in gone]
        for delivery_id in ids:
            batch.deliveries.pop(delivery_id, None)
        return Tally(gave_up=len(ids))
