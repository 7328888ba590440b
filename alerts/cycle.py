"""One evaluation cycle: every rule for every device and camera, changes written with their outbox events.

Per farm, the state changes of a cycle, the incidents they open or close and the events that
announce them commit in one transaction (orchard/registry/alert_outbox.py), so a crash before
the commit decides again next time and a crash after it has nothing left to decide. Standings
are kept in memory between cycles and read from the registry at start, so a restart carries on.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.evaluator import FIRING, OK, Observation, Standing, step
from alerts.observations import Observer
from alerts.rules import CAMERA_STALE, OFFLINE, THRESHOLD, Place, Rule, RuleBook
from orchard.registry.alert_outbox import record_event
from orchard.registry.alerting import AlertIncident, AlertRule, AlertStatus, Condition, EventKind
from orchard.registry.models import Camera, Device, Farm, Tree

log = logging.getLogger(__name__)

StatusKey = tuple[str, str, str]  # (farm, rule key, subject)


@dataclass(frozen=True, slots=True)
class Subject:
    """A device (or one of its cameras) that rules are judged for."""

    farm: str
    device: str
    place: Place
    cameras: tuple[str, ...] = ()


@dataclass(slots=True)
class Change:
    rule: Rule
    subject: str
    device: Subject | None
    standing: Standing
    event: EventKind | None
    value: float | None


@dataclass(slots=True)
class Kept:
    """A standing as the registry holds it, with its row and open incident."""

    id: int
    standing: Standing
    incident_id: int | None


@dataclass(slots=True)
class Outcome:
    evaluated: int = 0
    events: list[EventKind] = field(default_factory=list)


def load_registry(session: Session) -> tuple[dict[str, RuleBook], list[Subject]]:
    """Every farm's rule book and every device in service, with its tree, plot and cameras."""
    from alerts.defaults import DEFAULTS

    overrides: dict[str, list[AlertRule]] = defaultdict(list)
    for row in session.scalars(select(AlertRule)):
        overrides[row.farm_id].append(row)
    books = {farm: RuleBook(DEFAULTS, overrides[farm]) for farm in session.scalars(select(Farm.id))}
    cameras: dict[str, list[str]] = defaultdict(list)
    for camera, device in session.execute(select(Camera.id, Camera.device_id).order_by(Camera.id)):
        cameras[device].append(camera)
    query = (select(Device.id, Device.farm_id, Device.tree_id, Device.plot_id, Tree.plot_id)
             .outerjoin(Tree, Device.tree_id == Tree.id).where(Device.revoked_at.is_(None)).order_by(Device.id))
    subjects = [Subject(farm, device, Place(farm, plot if plot is not None else tree_plot, tree),
                        tuple(cameras[device]))
                for device, farm, tree, plot, tree_plot in session.execute(query)]
    return books, subjects


class Cycle:
    def __init__(self, sessions: sessionmaker[Session], observer: Observer) -> None:
        self.sessions = sessions
        self.observer = observer
        self._kept: dict[StatusKey, Kept] | None = None

    def run(self, now: datetime) -> Outcome:
        """Judge every rule for every subject at `now`, and write what changed."""
        with self.sessions() as session:
            books, subjects = load_registry(session)
            if self._kept is None:
                self._kept = {(row.farm_id, row.rule_key, row.subject): Kept(
                    row.id, Standing(row.state, row.since, row.notified_at), row.incident_id)
                    for row in session.scalars(select(AlertStatus))}
        self.observer.readings.read(now, [rule for book in books.values() for rule in book.every_rule()])
        outcome = Outcome()
        changes: dict[str, list[Change]] = defaultdict(list)
        judged: set[StatusKey] = set()
        for subject in subjects:
            book = books.get(subject.farm)
            if book is None:
                continue
            for change in self._judge(subject, book, now, judged, outcome):
                changes[subject.farm].append(change)
        self._forget(judged, books, changes)
        for farm, farm_changes in changes.items():
            self._write(farm, farm_changes, now, outcome)
        return outcome

    def _judge(self, subject: Subject, book: RuleBook, now: datetime, judged: set[StatusKey],
               outcome: Outcome) -> list[Change]:
        rules = book.rules(subject.place)
        device = (subject.farm, subject.device)
        offline_rule = next((rule for rule in rules if rule.kind == OFFLINE), None)
        found: list[Change] = []

        def judge(rule: Rule, name: str, seen: Observation | None, duration_s: float) -> Standing:
            key = (subject.farm, rule.key, name)
            judged.add(key)
            kept = self._kept.get(key) if self._kept is not None else None
            before = kept.standing if kept is not None else Standing()
            after, event = step(before, seen, now, duration_s=duration_s, repeat_s=rule.repeat_s)
            outcome.evaluated += 1
            if after != before or event is not None:
                found.append(Change(rule, name, subject, after, event, None if seen is None else seen.value))
            return after

        offline = False
        if offline_rule is not None:
            # The rule's duration applies to the retained status inside the observation; silence counts intervals.
            seen = self.observer.offline(offline_rule, device, now)
            offline = judge(offline_rule, f"device:{subject.device}", seen, 0).state is FIRING
        for rule in rules:
            if rule.kind == THRESHOLD and rule.metric is not None:
                seen = None if offline else self.observer.threshold(rule, device, offline_rule, now)
                judge(rule, f"device:{subject.device}", seen, rule.duration_s)
            elif rule.kind == CAMERA_STALE:
                for camera in subject.cameras:
                    seen = None if offline else self.observer.camera_stale(rule, device, camera, now)
                    judge(rule, f"camera:{camera}", seen, rule.duration_s)
        return found

    def _forget(self, judged: set[StatusKey], books: dict[str, RuleBook], changes: dict[str, list[Change]]) -> None:
        """Standings whose rule no longer applies (disabled, device removed) go back to OK; firing ones resolve."""
        assert self._kept is not None
        for key, kept in self._kept.items():
            farm, rule_key, subject = key
            if key in judged or kept.standing.state is OK or farm not in books:
                continue
            rule = books[farm].defaults.get(rule_key) or Rule(rule_key, THRESHOLD, None, Condition.ABOVE, 0.0, 0.0)
            event = EventKind.RESOLVED if kept.standing.state is FIRING else None
            changes[farm].append(Change(rule, subject, None, Standing(), event, None))

    def _write(self, farm: str, changes: list[Change], now: datetime, outcome: Outcome) -> None:
        """One transaction for the farm's changes and their outbox events; the cache follows the commit."""
        assert self._kept is not None
        kept_after: dict[StatusKey, Kept] = {}
        with self.sessions() as session:
            rows: list[tuple[StatusKey, AlertStatus]] = []
            for change in changes:
                key = (farm, change.rule.key, change.subject)
                kept = self._kept.get(key)
                row = session.get(AlertStatus, kept.id) if kept is not None else None
                if row is None:
                    row = AlertStatus(farm_id=farm, rule_key=change.rule.key, subject=change.subject)
                    session.add(row)
                row.state, row.since = change.standing.state, change.standing.since
                row.notified_at, row.evaluated_at = change.standing.notified_at, now
                row.last_value = change.value
                if change.event is not None:
                    self._announce(session, row, change, now)
                rows.append((key, row))
            session.commit()
            for key, row in rows:
                kept_after[key] = Kept(row.id, Standing(row.state, row.since, row.notified_at), row.incident_id)
        self._kept.update(kept_after)
        outcome.events.extend(change.event for change in changes if change.event is not None)

    @staticmethod
    def _announce(session: Session, row: AlertStatus, change: Change, now: datetime) -> None:
        """Open, remind of or close the incident, with its event in the outbox."""
        if change.event is EventKind.FIRED:
            place = change.device.place if change.device is not None else None
            incident = AlertIncident(
                farm_id=row.farm_id, rule_key=row.rule_key, subject=row.subject,
                device_id=change.device.device if change.device is not None else None,
                tree_id=place.tree if place else None, plot_id=place.plot if place else None,
                metric=change.rule.metric, severity=change.rule.severity, threshold=change.rule.threshold,
                fired_at=now, fired_value=change.value, last_value=change.value)
            session.add(incident)
            record_event(session, incident, EventKind.FIRED, value=change.value, at=now)
            row.incident = incident
            return
        open_incident = session.get(AlertIncident, row.incident_id) if row.incident_id is not None else None
        if open_incident is None or open_incident.resolved_at is not None:
            row.incident_id = None if change.event is EventKind.RESOLVED else row.incident_id
            return
        incident = open_incident
        if change.value is not None:
            incident.last_value = change.value
        if change.event is EventKind.RESOLVED:
            incident.resolved_at, incident.resolved_value = now, change.value
            record_event(session, incident, EventKind.RESOLVED, value=change.value, at=now)
            row.incident_id = None
        elif change.event is EventKind.REMINDER and incident.acknowledged_at is None:
            record_event(session, incident, EventKind.REMINDER, value=change.value, at=now)
