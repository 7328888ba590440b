"""The pure state machine: duration, hysteresis, reminders, and no change without data."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from alerts.defaults import DEFAULTS
from alerts.evaluator import FIRING, OK, PENDING, Observation, Standing, step
from orchard.registry.alerting import EventKind

T0 = datetime(2026, 4, 2, 3, 0, tzinfo=UTC)
FROST = DEFAULTS["frost"]  # <= 2 °C for 10 min, clears > 3 °C, reminder every 4 h


def seen(value: float) -> Observation:
    return Observation(value, FROST.holds(value), FROST.clears(value))


def run(values: list[float | None], every_s: int = 60, standing: Standing | None = None):
    """Step once per value, `every_s` apart; the events with the minute they happened."""
    standing = standing or Standing()
    events = []
    for i, value in enumerate(values):
        standing, event = step(standing, None if value is None else seen(value), T0 + timedelta(seconds=i * every_s),
                               duration_s=FROST.duration_s, repeat_s=FROST.repeat_s)
        if event is not None:
            events.append((i * every_s // 60, event))
    return standing, events


def test_frost_fires_once_after_its_duration_and_not_before():
    standing, events = run([5.0] + [1.0] * 30)
    assert events == [(11, EventKind.FIRED)]  # cold from minute 1, fired at minute 11
    assert standing.state is FIRING and standing.since == T0 + timedelta(minutes=1)


def test_a_cold_spell_shorter_than_the_duration_never_fires():
    standing, events = run([1.0] * 9 + [4.0] + [1.0] * 9 + [5.0])
    assert events == []
    assert standing.state is OK


def test_warming_inside_the_band_while_pending_starts_the_duration_again():
    _, events = run([1.0] * 5 + [2.5] + [1.0] * 12)
    assert events == [(16, EventKind.FIRED)]


def test_a_value_oscillating_inside_the_hysteresis_band_fires_once():
    _, events = run([1.0] * 11 + [1.8, 2.9, 1.5, 2.6, 2.0, 3.0, 1.9] * 10)
    assert events == [(10, EventKind.FIRED)]


def test_the_alert_resolves_past_the_clear_threshold_and_can_fire_again():
    standing, events = run([1.0] * 11 + [2.9, 3.1] + [1.0] * 11)
    assert events == [(10, EventKind.FIRED), (12, EventKind.RESOLVED), (23, EventKind.FIRED)]
    assert standing.state is FIRING


def test_a_reminder_comes_every_repeat_interval_while_firing():
    _, events = run([1.0] * (10 + 4 * 60 * 2 + 1))
    assert events == [(0 + 10, EventKind.FIRED), (250, EventKind.REMINDER), (490, EventKind.REMINDER)]


def test_no_data_changes_nothing_neither_resolving_nor_firing():
    standing, events = run([1.0] * 11 + [None] * 30)
    assert events == [(10, EventKind.FIRED)] and standing.state is FIRING
    standing, events = run([1.0] * 5 + [None] * 30 + [1.0])
    assert events == [(35, EventKind.FIRED)]  # pending kept its start through the gap


def test_a_zero_duration_fires_at_the_first_holding_value():
    standing, event = step(Standing(), seen(0.0), T0, duration_s=0, repeat_s=0)
    assert event is EventKind.FIRED and standing == Standing(FIRING, T0, T0)
    standing, event = step(standing, seen(0.0), T0 + timedelta(days=3), duration_s=0, repeat_s=0)
    assert event is None  # repeat 0: never remind


def test_a_restored_standing_continues_where_it_was():
    standing, events = run([1.0] * 3, standing=Standing(PENDING, T0 - timedelta(minutes=9)))
    assert events == [(1, EventKind.FIRED)]
    standing, events = run([1.0] * 3, standing=Standing(FIRING, T0 - timedelta(hours=1), T0 - timedelta(hours=1)))
    assert events == []


def test_the_built_in_rules_are_consistent():
    for rule in DEFAULTS.values():
        assert rule.kind in ("threshold", "offline", "camera_stale")
        assert (rule.metric is None) == (rule.kind != "threshold"), rule.key
        if rule.kind == "threshold":
            assert rule.holds(rule.threshold) and not rule.clears(rule.threshold), rule.key
            assert rule.clears(rule.clear_threshold + (1 if rule.condition == "below" else -1)), rule.key
