"""The evaluation cycle against a real store (SQLite and influxd) and registry, with the clock in the test's hand."""

from __future__ import annotations

import orjson
import pytest
from sqlalchemy import select

from alerts.cycle import Cycle
from alerts.observations import Observer
from alerts.presence import Presence
from alerts.readings import StoreReadings
from orchard.readings import Reading
from orchard.registry.alerting import (
    Aggregate,
    AlertEvent,
    AlertIncident,
    AlertRule,
    AlertState,
    AlertStatus,
    Condition,
    EventKind,
)
from orchard.registry.orchards import get_device
from orchard.times import to_ms

FIRED, RESOLVED, REMINDER = EventKind.FIRED, EventKind.RESOLVED, EventKind.REMINDER


def make_cycle(sessions, store, clock, presence: Presence | None = None) -> tuple[Cycle, Presence]:
    presence = presence or Presence(clock)
    observer = Observer(StoreReadings(store), presence, device_interval_s=60, camera_idle_s=300)
    return Cycle(sessions, observer), presence


def reading(store, clock, device: str, **values: float) -> None:
    tags = {"farm": "farm1", "device": device}
    store.write([Reading(metric, value, to_ms(clock.now), tags) for metric, value in values.items()])


def incident_of(session, rule: str) -> AlertIncident:
    return session.scalars(select(AlertIncident).where(AlertIncident.rule_key == rule)).one()


def events(sessions, *rules: str) -> list[tuple[EventKind, str, str]]:
    """Every event in the outbox, in order; only those of `rules` if given."""
    with sessions() as session:
        rows = session.scalars(select(AlertEvent).order_by(AlertEvent.id)).all()
        return [(row.kind, row.incident.rule_key, row.incident.subject) for row in rows
                if not rules or row.incident.rule_key in rules]


def minutes(cycle, store, clock, count: int, **values: float) -> None:
    """`count` minutes of dev-a and dev-b reporting `values` once a minute, a cycle after each."""
    for _ in range(count):
        clock.advance(minutes=1)
        reading(store, clock, "dev-a", **values)
        reading(store, clock, "dev-b", air_temp_c=12.0)
        cycle.run(clock.now)


def test_frost_fires_once_after_ten_minutes_and_resolves_above_three_degrees(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 2, air_temp_c=6.0)
    minutes(cycle, store, clock, 10, air_temp_c=1.5)
    assert events(sessions, "frost") == []  # cold for 9 minutes of cycles: pending, not fired
    minutes(cycle, store, clock, 1, air_temp_c=1.5)
    assert events(sessions, "frost") == [(FIRED, "frost", "device:dev-a")]
    minutes(cycle, store, clock, 20, air_temp_c=2.5)  # inside the band
    minutes(cycle, store, clock, 1, air_temp_c=3.5)
    assert events(sessions, "frost") == [(FIRED, "frost", "device:dev-a"), (RESOLVED, "frost", "device:dev-a")]
    with sessions() as session:
        incident = incident_of(session, "frost")
        assert (incident.fired_value, incident.resolved_value) == (1.5, 3.5)
        assert (incident.device_id, incident.metric, incident.threshold) == ("dev-a", "air_temp_c", 2.0)
        assert incident.tree_id is not None and incident.plot_id is not None
        assert incident.resolved_at - incident.fired_at == (clock.now - incident.fired_at)


def test_a_silent_device_goes_offline_after_five_intervals_with_no_stale_value_alerts(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 3, air_temp_c=1.0)  # cold, pending frost
    for step in range(4 * 5):  # dev-a falls silent; cycles every 15 s for 5 minutes
        clock.advance(seconds=15)
        if step % 4 == 3:
            reading(store, clock, "dev-b", air_temp_c=12.0)
        cycle.run(clock.now)
    # and no frost from its last cold value
    assert events(sessions, "offline", "frost") == [(FIRED, "offline", "device:dev-a")]
    with sessions() as session:
        incident = incident_of(session, "offline")
        assert incident.fired_value == 300.0  # seconds since its last reading
    minutes(cycle, store, clock, 1, air_temp_c=12.0)
    assert events(sessions, "offline", "frost")[-1] == (RESOLVED, "offline", "device:dev-a")


def test_a_retained_offline_status_raises_offline_after_five_minutes(sessions, store, clock):
    with sessions() as session:  # silence alone would take 10 intervals here
        session.add(AlertRule(farm_id="farm1", key="offline", kind="offline", condition=Condition.ABOVE,
                              threshold=10.0, clear_threshold=10.0, duration_s=300))
        session.commit()
    cycle, presence = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 1, air_temp_c=12.0)
    presence.heard("orchard/farm1/dev-b/status", orjson.dumps({"state": "offline"}))
    for _ in range(4):
        clock.advance(minutes=1)
        reading(store, clock, "dev-a", air_temp_c=12.0)
        cycle.run(clock.now)
    assert events(sessions, "offline") == []
    clock.advance(minutes=1)
    cycle.run(clock.now)
    assert events(sessions, "offline") == [(FIRED, "offline", "device:dev-b")]
    presence.heard("orchard/farm1/dev-b/status", orjson.dumps({"state": "online"}))
    minutes(cycle, store, clock, 1, air_temp_c=12.0)
    assert events(sessions, "offline")[-1] == (RESOLVED, "offline", "device:dev-b")


def test_heavy_rain_is_the_sum_over_an_hour(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 30, rain_mm=0.6)  # 18 mm in half an hour
    assert events(sessions, "heavy_rain") == []
    minutes(cycle, store, clock, 4, rain_mm=0.6)  # 20.4 mm
    assert events(sessions, "heavy_rain") == [(FIRED, "heavy_rain", "device:dev-a")]
    minutes(cycle, store, clock, 60, rain_mm=0.0)
    assert events(sessions, "heavy_rain")[-1] == (RESOLVED, "heavy_rain", "device:dev-a")
    with sessions() as session:
        assert incident_of(session, "heavy_rain").fired_value == pytest.approx(20.4)


def test_a_tree_setting_beats_the_plot_setting_which_beats_the_farm_setting(sessions, store, clock):
    with sessions() as session:
        dev_a = get_device(session, "dev-a")
        assert dev_a is not None and dev_a.tree is not None
        plot_id = dev_a.tree.plot_id
        frost = {"kind": "threshold", "metric": "air_temp_c", "condition": Condition.BELOW, "clear_threshold": 20.0,
                 "duration_s": 0, "aggregate": Aggregate.LAST, "window_s": 0}
        session.add_all([AlertRule(farm_id="farm1", key="frost", threshold=-5.0, **frost),
                         AlertRule(farm_id="farm1", plot_id=plot_id, key="frost", threshold=13.0, **frost),
                         AlertRule(farm_id="farm1", tree_id=dev_a.tree_id, key="frost", threshold=-1.0, **frost)])
        session.commit()
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 1, air_temp_c=10.0)  # dev-a 10 °C (its tree: -1), dev-b 12 °C (its plot: 13)
    assert events(sessions, "frost") == [(FIRED, "frost", "device:dev-b")]


def test_a_restart_neither_fires_again_nor_forgets_and_a_disabled_rule_resolves(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 11, air_temp_c=1.0)
    assert events(sessions, "frost") == [(FIRED, "frost", "device:dev-a")]
    restarted, _ = make_cycle(sessions, store, clock)  # a new process: state from the registry only
    minutes(restarted, store, clock, 30, air_temp_c=1.0)
    assert events(sessions, "frost") == [(FIRED, "frost", "device:dev-a")]
    with sessions() as session:
        status = session.scalars(select(AlertStatus).where(AlertStatus.rule_key == "frost",
                                                           AlertStatus.subject == "device:dev-a")).one()
        assert status.state is AlertState.FIRING and status.incident_id is not None
        session.add(AlertRule(farm_id="farm1", key="frost", kind="threshold", metric="air_temp_c",
                              threshold=2.0, clear_threshold=3.0, enabled=False))
        session.commit()
    minutes(restarted, store, clock, 1, air_temp_c=1.0)
    assert events(sessions, "frost")[-1] == (RESOLVED, "frost", "device:dev-a")


def test_reminders_every_repeat_interval_stop_once_acknowledged(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 11 + 4 * 60, air_temp_c=1.0)
    assert [kind for kind, *_ in events(sessions, "frost")] == [FIRED, REMINDER]
    with sessions() as session:
        incident = incident_of(session, "frost")
        incident.acknowledged_at = clock.now
        session.commit()
    minutes(cycle, store, clock, 4 * 60 + 1, air_temp_c=1.0)
    assert [kind for kind, *_ in events(sessions, "frost")] == [FIRED, REMINDER]


def test_a_camera_without_frames_for_three_idle_intervals_is_stale(sessions, store, clock):
    cycle, presence = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 10, air_temp_c=12.0)
    presence.heard("orchard/farm1/dev-a/camera/cam-a/jpeg", b"\xff\xd8")
    minutes(cycle, store, clock, 14, air_temp_c=12.0)
    assert events(sessions) == []
    minutes(cycle, store, clock, 1, air_temp_c=12.0)
    assert events(sessions) == [(FIRED, "camera_stale", "camera:cam-a")]
    presence.heard("orchard/farm1/dev-a/camera/cam-a/jpeg", b"\xff\xd8")
    minutes(cycle, store, clock, 1, air_temp_c=12.0)
    assert events(sessions)[-1] == (RESOLVED, "camera_stale", "camera:cam-a")


def test_a_device_reporting_every_ten_minutes_is_judged_by_its_own_interval(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)  # ORCHARD_ALERTS_DEVICE_INTERVAL_S 60 until learned
    for _ in range(4):
        clock.advance(minutes=10)
        reading(store, clock, "dev-a", air_temp_c=12.0)
        reading(store, clock, "dev-b", air_temp_c=12.0)
        cycle.run(clock.now)
    assert cycle.observer.readings.learned_interval_s == {("farm1", "dev-a"): 600.0, ("farm1", "dev-b"): 600.0}
    clock.advance(minutes=9)
    cycle.run(clock.now)
    assert events(sessions, "offline") == []  # 9 minutes: not even one interval missed
    clock.advance(minutes=41)
    cycle.run(clock.now)
    assert events(sessions, "offline") == [(FIRED, "offline", "device:dev-a"), (FIRED, "offline", "device:dev-b")]


def test_a_stale_camera_stays_stale_across_a_restart_until_a_frame_comes(sessions, store, clock):
    cycle, _ = make_cycle(sessions, store, clock)
    minutes(cycle, store, clock, 16, air_temp_c=12.0)  # no frame since the start
    assert events(sessions, "camera_stale") == [(FIRED, "camera_stale", "camera:cam-a")]
    restarted, presence = make_cycle(sessions, store, clock)  # frame times are in memory: gone
    minutes(restarted, store, clock, 20, air_temp_c=12.0)
    assert events(sessions, "camera_stale") == [(FIRED, "camera_stale", "camera:cam-a")]
    presence.heard("orchard/farm1/dev-a/camera/cam-a/jpeg", b"\xff\xd8")
    minutes(restarted, store, clock, 1, air_temp_c=12.0)
    assert events(sessions, "camera_stale")[-1] == (RESOLVED, "camera_stale", "camera:cam-a")
