"""Recovery benchmark: how soon Orchard is whole again after an outage, now and with the old settings, same run.

  (1) ingester: seconds from InfluxDB answering again to the spool replay starting
      now: the store is pinged every 0.25-1 s      before: retried on a backoff doubling to 30 s
  (2) device: seconds from the link returning after a 35 s silent cut-off (packets held
      and released on TCP's retransmission schedule, tests/relay.py) to the broker
      acknowledging readings again
      now: an acknowledgement missing for 10 s drops the link; reconnects 0.5-4 s doubling to 4-10 s, jittered
      before: 30 s acknowledgement wait, no drop, reconnects 1 s doubling to 60 s
  (3) broker power cut (SIGKILL) while the ingester is away: how long before the cut the oldest lost
      reading had been acknowledged; and the rate devices can publish while a backlog is queued
      now: autosave_interval 1                      before: autosave_interval 30

Run: python -m bench.recovery [--only replay|reconnect|crash] [--runs N] [--cut-seconds S]
"""

from __future__ import annotations

import argparse
import logging
import random
import signal
import statistics
import tempfile
import threading
import time
import uuid
from pathlib import Path

import orjson

from devices.agent import Agent
from ingest.service import Ingester
from orchard.mqtt import make_client
from orchard.spool import Spool
from orchard.store import open_store
from tests.mqtt_helpers import Collector, wait_until
from tests.relay import Relay
from tests.services import Influxd, Mosquitto

TOPIC = "orchard/bench/dev-a/telemetry"


class Counter:
    name = "counter"

    def __init__(self) -> None:
        self.count = 0

    def read(self) -> dict[str, float]:
        self.count += 1
        return {"custom_seq": float(self.count)}


def steady_publisher(url: str, period_s: float, stop: threading.Event) -> threading.Thread:
    """A device publishing one reading every `period_s` (QoS 1), whatever happens downstream."""
    def run() -> None:
        client, address = make_client(url)
        client.connect(address.host, address.port)
        client.loop_start()
        n = 0
        while not stop.wait(period_s):
            n += 1
            client.publish(TOPIC, orjson.dumps({"air_temp_c": 10 + n % 20}), qos=1)
        client.disconnect()
        client.loop_stop()
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread


def replay_start(broker: Mosquitto, influxd: Influxd, work: Path, retry_max_s: float, outage_s: float) -> float:
    """(1) seconds from influxd answering /ping again to the ingester's first replayed batch."""
    url = influxd.url(f"r{uuid.uuid4().hex[:8]}")
    ingester = Ingester(broker.url("orchard-ingest"), open_store(url), work / f"spool-{uuid.uuid4().hex[:6]}.db",
                        client_id=f"bench-{uuid.uuid4().hex[:6]}", batch_ms=50)
    ingester.writer.retry_max_s = retry_max_s
    ingester.start()
    stop = threading.Event()
    steady_publisher(broker.url("orchard-simulator"), 0.05, stop)
    try:
        wait_until(lambda: ingester.stats.value("orchard_ingest_readings_stored_total") > 0, message="storing")
        influxd.stop()
        time.sleep(outage_s)
        influxd.start()  # returns once /ping answers
        back = time.monotonic()
        wait_until(lambda: not ingester.writer.store_down, timeout=120, interval=0.01, message="replay")
        return time.monotonic() - back
    finally:
        stop.set()
        ingester.stop()


def reconnect_after_cut(broker: Mosquitto, work: Path, before: bool, cut_s: float) -> float:
    """(2) seconds from the link returning to the broker's next acknowledgement of a reading."""
    relay = Relay(broker.port)
    url = broker.url("orchard-simulator").replace(f":{broker.port}", f":{relay.port}")
    agent = Agent("bench", "dev-a", [Counter()], Spool(work / f"dev-{uuid.uuid4().hex[:6]}.db"), url,
                  client_id=f"bench-dev-{uuid.uuid4().hex[:6]}")
    if before:
        agent.publisher.ack_timeout_s = 30.0
        agent.publisher.on_stalled = lambda: None
        agent.client.on_pre_connect = None
        agent.client.reconnect_delay_set(min_delay=1, max_delay=60)
    stop = threading.Event()
    loop = threading.Thread(target=agent.run, args=(0.5, stop), daemon=True)
    loop.start()
    try:
        wait_until(lambda: agent.publisher.published >= 3, message="device publishing")
        relay.cut()
        time.sleep(cut_s)
        sent = agent.publisher.published
        relay.restore()
        back = time.monotonic()
        wait_until(lambda: agent.publisher.published > sent, timeout=180, interval=0.01, message="acknowledged")
        return time.monotonic() - back
    finally:
        stop.set()
        loop.join(timeout=20)
        relay.close()
        agent.spool.close()


def broker_with_autosave(work: Path, seconds: int) -> Mosquitto:
    broker = Mosquitto(work)
    conf = broker.conf.read_text()
    broker.conf.write_text("\n".join(f"autosave_interval {seconds}" if line.startswith("autosave_interval ")
                                     else line for line in conf.splitlines()) + "\n")
    return broker


def leave_session(broker: Mosquitto, client_id: str) -> None:
    Collector(broker.url("orchard-ingest"), TOPIC, client_id=client_id, persistent=True).close()


def crash_window(work: Path, autosave_s: int, rate: float = 200.0) -> float:
    # Publishing for a random while longer than one save interval, so the cut falls anywhere between saves.
    """(3) seconds between the acknowledgement of the oldest reading lost to a SIGKILL and the kill."""
    broker = broker_with_autosave(work, autosave_s)
    broker.start()
    session = f"bench-ingest-{uuid.uuid4().hex[:6]}"
    leave_session(broker, session)
    acked_at: dict[int, float] = {}
    client, address = make_client(broker.url("orchard-simulator"))
    def acknowledged(client: object, userdata: object, mid: int, *_: object) -> None:
        acked_at.setdefault(mid, time.monotonic())

    client.on_publish = acknowledged
    client.connect(address.host, address.port)
    client.loop_start()
    seq_of_mid: dict[int, int] = {}
    until = time.monotonic() + autosave_s + random.uniform(3.0, 8.0)
    n = 0
    while time.monotonic() < until:
        info = client.publish(TOPIC, orjson.dumps({"custom_seq": n}), qos=1)
        seq_of_mid[info.mid] = n
        n += 1
        time.sleep(1 / rate)
    time.sleep(0.05)
    broker.stop(signal.SIGKILL)
    killed = time.monotonic()
    client.loop_stop()
    acked = {seq_of_mid[mid]: at for mid, at in acked_at.items() if mid in seq_of_mid}
    broker.start()
    survivors = Collector(broker.url("orchard-ingest"), TOPIC, client_id=session, persistent=True)
    kept = {orjson.loads(p)["custom_seq"] for _, p in survivors.drain(quiet_s=1.0)}
    survivors.close()
    broker.stop()
    lost = [acked[s] for s in acked if s not in kept]
    return killed - min(lost) if lost else 0.0


def publish_rate_with_backlog(work: Path, autosave_s: int, messages: int) -> float:
    """(3) messages/s devices get acknowledged while `messages` queue up for an absent ingester."""
    broker = broker_with_autosave(work, autosave_s)
    broker.start()
    try:
        leave_session(broker, "bench-absent")
        client, address = make_client(broker.url("orchard-simulator"))
        client.max_inflight_messages_set(1000)
        client.connect(address.host, address.port)
        client.loop_start()
        payload = orjson.dumps({"ts": 1_790_000_000_000, "values": {"soil_moisture_pct": 31.5}})
        started = time.perf_counter()
        for chunk in range(0, messages, 20_000):  # paho's message ids run out at 65,535 outstanding
            infos = [client.publish(TOPIC, payload, qos=1) for _ in range(min(20_000, messages - chunk))]
            for info in infos:
                info.wait_for_publish(120)
        rate = messages / (time.perf_counter() - started)
        client.disconnect()
        client.loop_stop()
        return rate
    finally:
        broker.stop()


def figures(values: list[float]) -> str:
    return f"mean {statistics.mean(values):5.1f} s, max {max(values):5.1f} s ({len(values)} runs)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", choices=["replay", "reconnect", "crash"])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--cut-seconds", type=float, default=35.0, help="store outage and link cut-off")
    parser.add_argument("--backlog", type=int, default=100_000, help="messages queued in (3)'s rate figure")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="bench-recovery-") as tmp:
        work = Path(tmp)
        if args.only in (None, "replay", "reconnect"):
            broker = Mosquitto(work / "broker")
            broker.start()
            try:
                if args.only in (None, "replay"):
                    (work / "influxd").mkdir()
                    influxd = Influxd(work / "influxd")
                    influxd.start()
                    try:
                        now = [replay_start(broker, influxd, work, 1.0, args.cut_seconds) for _ in range(args.runs)]
                        old = [replay_start(broker, influxd, work, 30.0, args.cut_seconds) for _ in range(args.runs)]
                    finally:
                        influxd.stop()
                    print(f"(1) replay start after the store returns:  now {figures(now)}")
                    print(f"                                            before {figures(old)}   "
                          f"now/before = {statistics.mean(now) / statistics.mean(old):.2f}")
                if args.only in (None, "reconnect"):
                    now = [reconnect_after_cut(broker, work, False, args.cut_seconds) for _ in range(args.runs)]
                    old = [reconnect_after_cut(broker, work, True, args.cut_seconds) for _ in range(args.runs)]
                    print(f"(2) acknowledged again after a {args.cut_seconds:.0f} s cut: now {figures(now)}")
                    print(f"                                            before {figures(old)}   "
                          f"now/before = {statistics.mean(now) / statistics.mean(old):.2f}")
            finally:
                broker.stop()
        if args.only in (None, "crash"):
            now = [crash_window(work / f"crash-now-{i}", 1) for i in range(max(args.runs, 4))]
            old = [crash_window(work / f"crash-old-{i}", 30) for i in range(args.runs)]
            print(f"(3) readings lost to a broker power cut, acknowledged up to: now {figures(now)}")
            print(f"                                            before {figures(old)}")
            fast = publish_rate_with_backlog(work / "rate-now", 1, args.backlog)
            slow = publish_rate_with_backlog(work / "rate-old", 30, args.backlog)
            print(f"    publish rate while {args.backlog:,} queue: now {fast:8,.0f} msg/s, before {slow:8,.0f} msg/s"
                  f"   now/before = {fast / slow:.2f}")


if __name__ == "__main__":
    main()
