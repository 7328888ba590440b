"""The courier against real local robots (tests/alerts/robots.py) over a real registry, SQLite and PostgreSQL.

Time is the test's clock: each `cycle()` moves it on and runs one delivery cycle, as the alerts
service does every 30 s; the DingTalk robot checks its timestamp window against the same clock.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from alerts.delivery import Courier, RateLimit, Tally
from orchard.registry import orchards
from orchard.registry.alert_channels import add_channel
from orchard.registry.alert_outbox import record_event
from orchard.registry.alerting import AlertDelivery, AlertIncident, EventKind, Severity
from orchard.registry.db import make_engine, session_factory
from orchard.settings import Settings
from tests.alerts.robots import Answer, Robot
from tests.orchard.registry.conftest import db_url, postgres, postgres_registry, sqlite_template  # noqa: F401

START = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)  # 05:00 the next morning in Shanghai: frost time
DINGTALK_SECRET = "SEC0123456789abcdef"
WEBHOOK_SECRET = "webhook-secret-for-tests"


class Clock:
    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def seconds(self) -> float:
        return self.at.timestamp()

    def advance(self, seconds: float) -> None:
        self.at += timedelta(seconds=seconds)


@pytest.fixture
def sessions(db_url) -> Iterator[sessionmaker[Session]]:  # noqa: F811
    engine = make_engine(db_url)
    with session_factory(engine).begin() as session:
        orchards.create_farm(session, "hill", "Hillside Orchard", timezone="Asia/Shanghai")
        plot = orchards.create_plot(session, "hill", "north")
        for label in range(1, 51):
            orchards.create_tree(session, "hill", str(label), plot_id=plot.id)
    try:
        yield session_factory(engine)
    finally:
        engine.dispose()


@pytest.fixture
def clock() -> Clock:
    return Clock()


def courier(sessions, clock: Clock, *, give_up_s: float = 3600, timeout_s: float = 5) -> Courier:
    settings = Settings.load({}, alerts_give_up_s=give_up_s, alerts_send_timeout_s=timeout_s)
    return Courier(sessions, settings, clock=clock, jitter=lambda: 0.5, rate_limit=RateLimit(),
                   client=httpx.Client(timeout=timeout_s, trust_env=False))


def channel(sessions, kind: str, url: str, secret: str | None = None) -> int:
    with sessions.begin() as session:
        return add_channel(session, "hill", kind, url, secret=secret).id


def frost(sessions, clock: Clock, trees: range = range(1, 51), value: float = -1.5) -> None:
    """The trees cross the frost line in one cycle: an incident and a fired event each, as the engine writes."""
    with sessions.begin() as session:
        plot_id = orchards.get_farm(session, "hill").plots[0].id
        for label in trees:
            tree = orchards.find_tree(session, "hill", str(label))
            incident = AlertIncident(farm_id="hill", rule_key="frost", subject=f"device:dev-{label}",
                                     device_id=f"dev-{label}", tree_id=tree.id, plot_id=plot_id, metric="air_temp_c",
                                     severity=Severity.CRITICAL, threshold=0.0, fired_at=clock(), fired_value=value)
            session.add(incident)
            record_event(session, incident, EventKind.FIRED, value=value, at=clock())


def deliveries(sessions) -> list[AlertDelivery]:
    with sessions() as session:
        return list(session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)))


def test_fifty_frost_alerts_make_one_message_per_channel(sessions, clock):
    with (Robot("wecom") as wecom, Robot("dingtalk", secret=DINGTALK_SECRET, clock=clock.seconds) as dingtalk,
          Robot("webhook", secret=WEBHOOK_SECRET) as webhook):
        channel(sessions, "wecom", wecom.url)
        channel(sessions, "dingtalk", dingtalk.url, DINGTALK_SECRET)
        channel(sessions, "webhook", webhook.url, WEBHOOK_SECRET)
        frost(sessions, clock)
        done = courier(sessions, clock).deliver()
        assert [len(wecom.posts()), len(dingtalk.posts()), len(webhook.posts())] == [1, 1, 1]
        assert done == Tally(messages=3, delivered=150)

        content = wecom.posts()[0].json()["markdown"]["content"]
        assert "霜冻风险" in content and "共 50 条" in content and "另有 30 条" in content
        assert len(content.encode()) <= 4096
        text = dingtalk.posts()[0].json()["markdown"]["text"]
        assert "1 号树" in text and "北区" not in text and "north 地块" in text
        payload = webhook.posts()[0].json()
        assert sorted(event["tree"] for event in payload["events"]) == sorted(str(n) for n in range(1, 51))
        assert len({event["id"] for event in payload["events"]}) == 50
        assert webhook.posts()[0].headers["Idempotency-Key"] == payload["idempotency_key"]
        assert all(d.delivered_at == clock() and d.attempts == 1 for d in deliveries(sessions))

        clock.advance(30)
        assert courier(sessions, clock).deliver() == Tally()  # nothing is sent twice
        assert [len(wecom.posts()), len(dingtalk.posts()), len(webhook.posts())] == [1, 1, 1]


def test_a_500_is_retried_with_backoff_then_delivered_once(sessions, clock):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        wecom.script = [Answer(status=500, body="oops")] * 3
        frost(sessions, clock, range(1, 4))
        the_courier = courier(sessions, clock)
        per_cycle = []
        for _ in range(40):  # 20 minutes of 30-second cycles
            before = len(wecom.posts())
            the_courier.deliver()
            per_cycle.append(len(wecom.posts()) - before)
            clock.advance(30)
        assert max(per_cycle) == 1, "more than one post in a cycle"
        assert sum(per_cycle) == 4, f"three failures and one success, not {per_cycle}"
        # 30 s, 60 s, 120 s backoff (times 0.75 jitter): the posts are not in consecutive cycles.
        posted = [i for i, count in enumerate(per_cycle) if count]
        assert [b - a for a, b in zip(posted, posted[1:], strict=False)] == [1, 2, 3]
        assert the_courier.total == Tally(messages=1, delivered=3, failed=9)
        assert all(d.delivered_at is not None and d.attempts == 4 for d in deliveries(sessions))


def test_no_retry_storm_while_a_robot_is_down(sessions, clock):
    with Robot("webhook") as hook:
        channel(sessions, "webhook", hook.url)
        hook.script = [Answer(status=503)] * 1000
        frost(sessions, clock)
        the_courier = courier(sessions, clock, give_up_s=7200)
        for _ in range(120):  # one hour of cycles, 50 alerts waiting
            the_courier.deliver()
            clock.advance(30)
        posts = len(hook.posts())
        # Backoff doubles from 30 s to the 15-minute cap: about 8 posts an hour, not 120 (or 6000).
        assert 5 <= posts <= 10, posts
        assert the_courier.total.gave_up == 0


def test_new_alerts_wait_for_a_failing_robot_backoff(sessions, clock):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        wecom.script = [Answer(status=503)] * 1000
        the_courier = courier(sessions, clock)
        for label in range(1, 21):  # ten minutes, a new alert every cycle
            frost(sessions, clock, range(label, label + 1))
            the_courier.deliver()
            clock.advance(30)
        # Posts at 0, 30, 90, 180 and 360 s (backoff 22.5, 45, 90, 180 s), not one every cycle.
        assert len(wecom.posts()) == 5
        wecom.script.clear()
        clock.advance(600)
        assert the_courier.deliver() == Tally(messages=1, delivered=20)


def test_retry_after_is_honoured(sessions, clock):
    with Robot("webhook") as hook:
        channel(sessions, "webhook", hook.url)
        hook.script = [Answer(status=429, headers={"Retry-After": "300"})]
        frost(sessions, clock, range(1, 2))
        the_courier = courier(sessions, clock)
        the_courier.deliver()
        for _ in range(9):  # 270 s: still inside the robot's wish
            clock.advance(30)
            the_courier.deliver()
        assert len(hook.posts()) == 1
        clock.advance(30)
        the_courier.deliver()
        assert len(hook.posts()) == 2 and the_courier.total.delivered == 1


def test_wecom_frequency_limit_waits_a_minute(sessions, clock):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        wecom.script = [Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"})]
        frost(sessions, clock, range(1, 2))
        the_courier = courier(sessions, clock)
        the_courier.deliver()
        clock.advance(30)
        the_courier.deliver()
        assert len(wecom.posts()) == 1
        clock.advance(31)
        the_courier.deliver()
        assert len(wecom.posts()) == 2 and the_courier.total.delivered == 1


def test_a_wrong_dingtalk_secret_gives_up_at_once_logged_and_counted(sessions, clock, caplog):
    with Robot("dingtalk", secret=DINGTALK_SECRET, clock=clock.seconds) as dingtalk:
        channel(sessions, "dingtalk", dingtalk.url, "SECwrong")
        frost(sessions, clock, range(1, 6))
        the_courier = courier(sessions, clock)
        with caplog.at_level(logging.WARNING, logger="alerts.delivery"):
            assert the_courier.deliver() == Tally(gave_up=5)
            clock.advance(3600)
            the_courier.deliver()
        assert len(dingtalk.posts()) == 1
        gave_up = [r for r in caplog.records if "gave up" in r.getMessage()]
        assert len(gave_up) == 1 and "310000" in gave_up[0].getMessage()
        assert dingtalk.token not in caplog.text, "the robot's access token was logged"
        assert all(d.gave_up_at is not None and "sign not match" in d.last_error for d in deliveries(sessions))


def test_dingtalk_refuses_a_signature_out_of_its_time_window(sessions, clock):
    """The robot's clock is two hours ahead of ours: DingTalk says invalid timestamp, and that is final."""
    with Robot("dingtalk", secret=DINGTALK_SECRET, clock=lambda: clock.seconds() + 7200) as dingtalk:
        channel(sessions, "dingtalk", dingtalk.url, DINGTALK_SECRET)
        frost(sessions, clock, range(1, 2))
        assert courier(sessions, clock).deliver() == Tally(gave_up=1)
        assert "invalid timestamp" in deliveries(sessions)[0].last_error


def test_give_up_after_the_bounded_time_is_logged_once_and_counted(sessions, clock, caplog):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        wecom.script = [Answer(status=502)] * 1000
        frost(sessions, clock, range(1, 11))
        the_courier = courier(sessions, clock, give_up_s=600)
        with caplog.at_level(logging.WARNING, logger="alerts.delivery"):
            for _ in range(40):
                the_courier.deliver()
                clock.advance(30)
        assert the_courier.total.gave_up == 10
        assert [r.levelname for r in caplog.records if "gave up" in r.getMessage()] == ["ERROR"]
        assert len([r for r in caplog.records if "will retry" in r.getMessage()]) == 1
        assert wecom.token not in caplog.text
        rows = deliveries(sessions)
        assert all(d.gave_up_at is not None and d.gave_up_at <= START + timedelta(seconds=630) for d in rows)
        posts = len(wecom.posts())
        for _ in range(10):
            the_courier.deliver()
            clock.advance(30)
        assert len(wecom.posts()) == posts, "a given-up message was tried again"


def test_a_robot_that_does_not_answer_in_time_is_retried(sessions, clock):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        wecom.script = [Answer(delay_s=3)]
        frost(sessions, clock, range(1, 2))
        the_courier = courier(sessions, clock, timeout_s=0.5)
        assert the_courier.deliver() == Tally(failed=1)
        assert deliveries(sessions)[0].last_error == "timed out"
        clock.advance(60)
        assert the_courier.deliver() == Tally(messages=1, delivered=1)


def test_a_robot_that_is_not_there_is_retried(sessions, clock):
    with Robot("wecom") as gone:
        url = gone.url
    channel(sessions, "wecom", url)
    frost(sessions, clock, range(1, 2))
    assert courier(sessions, clock).deliver() == Tally(failed=1)
    assert deliveries(sessions)[0].last_error.startswith("cannot connect")


def test_never_more_than_twenty_messages_a_minute_to_one_robot(sessions, clock):
    with Robot("dingtalk", clock=clock.seconds) as dingtalk:
        channel(sessions, "dingtalk", dingtalk.url)
        the_courier = courier(sessions, clock)
        for label in range(1, 31):  # a cycle every 2 s with a new alert each time: 30 in a minute
            frost(sessions, clock, range(label, label + 1))
            the_courier.deliver()
            clock.advance(2)
        assert len(dingtalk.posts()) == 20
        assert all(p.json().get("msgtype") == "markdown" for p in dingtalk.posts())
        clock.advance(60)
        the_courier.deliver()
        assert len(dingtalk.posts()) == 21
        assert the_courier.total == Tally(messages=21, delivered=30)


def test_rate_limit_counts_a_sliding_minute():
    limit = RateLimit(per_minute=2)
    limit.note(1, 0.0)
    limit.note(1, 30.0)
    assert not limit.allows(1, 59.0) and limit.allows(2, 59.0)
    assert limit.allows(1, 60.5)


def test_an_english_farm_gets_english_on_its_own_clock(sessions, clock):
    with sessions.begin() as session:
        farm = orchards.get_farm(session, "hill")
        farm.language, farm.timezone = "en", "Europe/Berlin"
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        frost(sessions, clock, range(17, 18))
        # As the alerts service makes it: its own HTTP client each cycle, settings from the environment.
        assert Courier(sessions, clock=clock, rate_limit=RateLimit()).deliver() == Tally(messages=1, delivered=1)
        content = wecom.posts()[0].json()["markdown"]["content"]
        assert "**Frost risk** fired · tree 17 · plot north · device dev-17 · -1.5 °C (limit 0 °C) · 11-30 22:00" \
            in content and "Europe/Berlin, UTC+01:00" in content


def test_the_chinese_message_is_on_the_farm_clock(sessions, clock):
    with Robot("wecom") as wecom:
        channel(sessions, "wecom", wecom.url)
        frost(sessions, clock, range(17, 18))
        courier(sessions, clock).deliver()
        content = wecom.posts()[0].json()["markdown"]["content"]
        assert "**霜冻风险** 触发 · 17 号树 · north 地块 · 设备 dev-17 · -1.5 °C（阈值 0 °C） · 12-01 05:00" in content


def test_two_couriers_at_once_send_each_message_once(sessions, clock):
    """Two alerts services on one registry: the claim lets only one of them post a channel's batch."""
    with Robot("wecom") as wecom, Robot("webhook") as hook:
        channel(sessions, "wecom", wecom.url)
        channel(sessions, "webhook", hook.url)
        frost(sessions, clock)
        couriers = [courier(sessions, clock), courier(sessions, clock)]
        start = threading.Barrier(2)

        def run(one: Courier) -> None:
            start.wait()
            one.deliver()

        threads = [threading.Thread(target=run, args=(one,)) for one in couriers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert (len(wecom.posts()), len(hook.posts())) == (1, 1)
        assert sum(one.total.delivered for one in couriers) == 100
        assert sum(one.total.messages for one in couriers) == 2
