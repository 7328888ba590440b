"""Alert notifications: one grouped message per channel against one message per alert, on a local WeCom robot.

(a) baseline: N frost alerts posted one message each, as a naive sender would (the robot refuses all
    but 20 of them in a minute); (b) the courier's one cycle over the same N alerts in a SQLite
    registry: claim, read, compose, one post, mark delivered. Prints times, their ratio and the posts.

    python -m bench.alerts_delivery [--alerts N]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from alerts.delivery import Courier, RateLimit
from orchard.notify.messages import Notice, compose
from orchard.notify.robots import Channel, post
from orchard.registry import orchards
from orchard.registry.alert_channels import add_channel
from orchard.registry.alert_outbox import record_event
from orchard.registry.alerting import AlertIncident, ChannelKind, EventKind, Severity
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.settings import Settings
from tests.alerts.robots import Robot

NOW = datetime(2026, 11, 30, 21, 0, tzinfo=UTC)


def seed(url: str, robot_url: str, alerts: int) -> None:
    with session_factory(url).begin() as session:
        orchards.create_farm(session, "hill", "Hillside", timezone="Asia/Shanghai")
        add_channel(session, "hill", "wecom", robot_url)
        for label in range(1, alerts + 1):
            tree = orchards.create_tree(session, "hill", str(label))
            incident = AlertIncident(farm_id="hill", rule_key="frost", subject=f"device:d{label}", tree_id=tree.id,
                                     metric="air_temp_c", severity=Severity.CRITICAL, threshold=2.0, fired_at=NOW,
                                     fired_value=1.0)
            session.add(incident)
            record_event(session, incident, EventKind.FIRED, value=1.0, at=NOW)


def one_message_each(robot: Robot, alerts: int) -> float:
    channel = Channel(0, "hill", ChannelKind.WECOM, robot.url)
    started = time.perf_counter()
    with httpx.Client(timeout=10, trust_env=False) as client:
        for n in range(1, alerts + 1):
            notice = Notice(event_id=n, incident_id=n, kind="fired", rule="frost", severity="critical", at=NOW,
                            value=1.0, metric="air_temp_c", threshold=2.0, tree=str(n))
            message = compose([notice], farm="Hillside", language="zh-CN", timezone="Asia/Shanghai")
            post(client, channel, message, [notice], now=NOW)
    return time.perf_counter() - started


def grouped(robot: Robot, alerts: int, folder: Path) -> float:
    url = f"sqlite:///{folder / 'registry.db'}"
    upgrade(url)
    seed(url, robot.url, alerts)
    courier = Courier(session_factory(url), Settings.load({}), clock=lambda: NOW, rate_limit=RateLimit(),
                      client=httpx.Client(timeout=10, trust_env=False))
    started = time.perf_counter()
    done = courier.deliver()
    elapsed = time.perf_counter() - started
    assert done.delivered == alerts and done.messages == 1, done
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--alerts", type=int, default=500)
    alerts = parser.parse_args().alerts
    with Robot("wecom") as naive, Robot("wecom") as robot, tempfile.TemporaryDirectory() as folder:
        a = one_message_each(naive, alerts)
        b = grouped(robot, alerts, Path(folder))
        print(f"(a) one message per alert: {alerts} posts in {a:.3f} s (the robot takes 20 a minute)")
        print(f"(b) the courier, grouped:  {len(robot.posts())} post  in {b:.3f} s (claim, read, compose, post, mark)")
        print(f"b/a = {b / a:.2f}; posts b/a = {len(robot.posts()) / alerts:.4f}")


if __name__ == "__main__":
    main()
