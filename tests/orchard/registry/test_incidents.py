"""orchard/registry/incidents.py on SQLite and PostgreSQL: filters, acknowledging once, counts for tiles."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry import incidents
from orchard.registry.alerting import AlertChannel, AlertDelivery, AlertEvent, ChannelKind, EventKind, Severity
from orchard.registry.db import make_engine, session_factory
from orchard.registry.incidents import Filter, State
from orchard.registry.people import find_user
from tests.alert_rows import fire
from tests.world import build_world

NOW = datetime(2026, 11, 30, 8, 0, tzinfo=UTC)


@pytest.fixture
def world(db_url):
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    built = build_world(sessions)
    with sessions.begin() as s:
        s.add(AlertChannel(farm_id="hill", kind=ChannelKind.WEBHOOK, url="https://example.org/hook"))
        frost = fire(s, "hill-1", "frost", value=-2.5, ago=timedelta(minutes=20), now=NOW).id
        drought = fire(s, "hill-2", "drought", value=12.0, ago=timedelta(hours=30), resolved_after=timedelta(hours=3),
                       now=NOW).id
        battery = fire(s, "hill-2", "low_battery", value=3.1, ago=timedelta(hours=2), now=NOW).id
        valley = fire(s, "valley-1", "frost", value=-1.0, ago=timedelta(minutes=5), now=NOW).id
    yield sessions, built, {"frost": frost, "drought": drought, "battery": battery, "valley": valley}
    engine.dispose()


def keys(rows) -> list[str]:
    return [incident.rule_key for incident, _ in rows]


def test_filters_pick_what_a_farmer_asks_for(world):
    sessions, built, ids = world
    with sessions() as s:
        assert keys(incidents.list_incidents(s, ["hill"])) == ["frost", "low_battery", "drought"]  # active first
        assert keys(incidents.list_incidents(s, None, Filter(rule_key="frost"))) == ["frost", "frost"]
        assert keys(incidents.list_incidents(s, ["hill"], Filter(state=State.RESOLVED))) == ["drought"]
        assert keys(incidents.list_incidents(s, ["hill"], Filter(severity=Severity.CRITICAL))) == ["frost"]
        assert keys(incidents.list_incidents(s, None, Filter(tree_id=built.trees["18"]))) == ["low_battery", "drought"]
        assert keys(incidents.list_incidents(s, None, Filter(device_id="valley-1"))) == ["frost"]
        # Since a day ago: the drought that ended 27 h ago is not among them; the active ones are.
        recent = incidents.list_incidents(s, ["hill"], Filter(since=NOW - timedelta(days=1)))
        assert keys(recent) == ["frost", "low_battery"]
        assert keys(incidents.list_incidents(s, ["hill"], Filter(until=NOW - timedelta(hours=1)))) == \
            ["low_battery", "drought"]
        assert incidents.list_incidents(s, []) == []  # a customer's farms: none


def test_a_filter_refuses_nonsense():
    with pytest.raises(Invalid, match="since"):
        Filter(since=NOW, until=NOW - timedelta(hours=1))
    with pytest.raises(Invalid, match="limit"):
        Filter(limit=0)


def test_acknowledge_records_who_when_and_the_outbox_event(world):
    sessions, built, ids = world
    at = NOW + timedelta(minutes=1)
    with sessions.begin() as s:
        farmer = find_user(s, "farmer-hill")
        incident = incidents.acknowledge(s, ids["frost"], farmer, at=at)
        assert incidents.state_of(incident) == State.ACKNOWLEDGED
    with sessions() as s:
        incident = incidents.get_incident(s, ids["frost"])
        assert incident.acknowledged_at == at and incidents.acknowledger(s, incident) == "farmer-hill"
        event = s.scalar(select(AlertEvent).where(AlertEvent.incident_id == ids["frost"]))
        assert event.kind == EventKind.ACKNOWLEDGED and event.at == at and event.value == -2.5
        assert s.scalar(select(AlertDelivery).where(AlertDelivery.event_id == event.id)) is not None
        rows = incidents.list_incidents(s, ["hill"], Filter(state=State.ACKNOWLEDGED))
        assert [(i.id, name) for i, name in rows] == [(ids["frost"], "farmer-hill")]
        assert keys(incidents.list_incidents(s, ["hill"], Filter(state=State.FIRING))) == ["low_battery"]


def test_acknowledging_twice_or_a_resolved_alert_is_a_conflict_and_writes_nothing(world):
    sessions, built, ids = world
    with sessions.begin() as s:
        incidents.acknowledge(s, ids["frost"], find_user(s, "farmer-hill"))
    with pytest.raises(Conflict, match="already acknowledged by farmer-hill"), sessions.begin() as s:
        incidents.acknowledge(s, ids["frost"], find_user(s, "admin"))
    with pytest.raises(Conflict, match="already resolved"), sessions.begin() as s:
        incidents.acknowledge(s, ids["drought"], find_user(s, "admin"))
    with pytest.raises(NotFound), sessions.begin() as s:
        incidents.acknowledge(s, 999_999, find_user(s, "admin"))
    with sessions() as s:
        assert len(s.scalars(select(AlertEvent)).all()) == 1
        assert incidents.acknowledger(s, incidents.get_incident(s, ids["frost"])) == "farmer-hill"


def test_two_farmers_pressing_at_once_get_one_success(world, db_url):
    sessions, built, ids = world
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers; the race is PostgreSQL's")
    results: list[str] = []
    barrier = threading.Barrier(2)

    def press(username: str) -> None:
        session: Session = sessions()
        try:
            with session.begin():
                user = find_user(session, username)
                barrier.wait()
                incidents.acknowledge(session, ids["battery"], user)
            results.append("ok")
        except Conflict:
            results.append("conflict")
        finally:
            session.close()

    threads = [threading.Thread(target=press, args=(name,)) for name in ("farmer-hill", "admin")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(results) == ["conflict", "ok"]
    with sessions() as s:
        events = s.scalars(select(AlertEvent).where(AlertEvent.incident_id == ids["battery"])).all()
        assert len(events) == 1


def test_counts_and_marks_for_tiles(world):
    sessions, built, ids = world
    with sessions() as s:
        assert incidents.active_count(s, ["hill"]) == 2
        assert incidents.active_count(s, None) == 3
        assert incidents.active_count(s, []) == 0
        assert incidents.active_per_farm(s, None) == {"hill": 2, "valley": 1}
        marks = incidents.active_marks(s, "hill")
        assert marks.trees == {built.trees["17"]: ["frost"], built.trees["18"]: ["low_battery"]}
        assert marks.devices == {"hill-1": ["frost"], "hill-2": ["low_battery"]}
