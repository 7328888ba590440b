"""Ingest benchmark against one local Mosquitto (the repo's config) and one local influxd.

  (a) baseline: a bare paho QoS 1 subscriber draining N single-reading messages
  (b) the ingester storing the same N messages in InfluxDB        -> ratio b/a
  (c) readings/s when each message carries 100 readings
  (d) p50/p99 latency from publish to queryable at 1,000 msg/s
  (e) readings/s with 1 and with 2 ingesters (processes) on one shared subscription -> ratio 2/1

Both (a) and (b) drain a backlog the broker queued for their persistent session, so
the publisher's speed does not enter the figure. Run: python -m bench.ingest [--messages N]
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

import httpx
import orjson
import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion

from ingest.service import Ingester
from orchard.mqtt import BrokerAddress, make_client
from orchard.readings import Series
from orchard.store import open_store
from tests.services import Influxd, Mosquitto, free_port

BASE_TS = 1_790_000_000_000
DEVICES = [f"node-{i:02d}" for i in range(1, 9)]


def connected(url: str, client_id: str = "", inflight: int = 100, **options):
    client, address = make_client(url, client_id, **options)
    client.max_inflight_messages_set(inflight)
    ready = threading.Event()
    client.on_connect = lambda c, u, f, rc, p: ready.set()
    client.connect(address.host, address.port)
    client.loop_start()
    if not ready.wait(10):
        raise RuntimeError(f"could not connect to {address}")
    return client


def preload(url: str, messages: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 and wait until the broker acknowledged every message."""
    client = connected(url, inflight=1000)
    infos = [client.publish(topic, payload, qos=1) for topic, payload in messages]
    for info in infos:
        info.wait_for_publish(60)
    client.disconnect()
    client.loop_stop()


def single_reading_messages(count: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(count):
        device = DEVICES[i % len(DEVICES)]
        payload = orjson.dumps({"ts": BASE_TS + i, "values": {"soil_moisture_pct": round(20 + (i % 400) / 10, 1)}})
        out.append((f"orchard/bench/{device}/telemetry", payload))
    return out


def hundred_reading_messages(count: int) -> list[tuple[str, bytes]]:
    out = []
    for i in range(count):
        device = DEVICES[i % len(DEVICES)]
        entries = [{"ts": BASE_TS + i * 100 + j, "values": {"soil_moisture_pct": 30.5}} for j in range(100)]
        out.append((f"orchard/bench/{device}/telemetry", orjson.dumps(entries)))
    return out


def bare_subscriber_rate(url: str, publisher_url: str, messages: list[tuple[str, bytes]]) -> float:
    """(a) messages/s a bare paho QoS 1 subscriber drains from its queued session."""
    client_id = f"bare-{uuid.uuid4().hex[:6]}"
    subscribe = connected(url, client_id, persistent=True)
    done = threading.Event()
    subscribe.on_subscribe = lambda *a: done.set()
    subscribe.subscribe("orchard/+/+/telemetry", qos=1)
    done.wait(10)
    subscribe.disconnect()
    subscribe.loop_stop()
    preload(publisher_url, messages)

    count = len(messages)
    seen = [0]
    finished = threading.Event()

    def on_message(client, userdata, message) -> None:
        seen[0] += 1
        if seen[0] == count:
            finished.set()

    # Stock paho, as a bare subscriber is written: not the ingester's buffered client.
    address = BrokerAddress.parse(url)
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                         protocol=paho.MQTTv311)
    client.username_pw_set(address.username, address.password)
    client.on_message = on_message
    started = time.perf_counter()
    client.connect(address.host, address.port)
    client.loop_start()
    if not finished.wait(300):
        raise RuntimeError(f"bare subscriber got {seen[0]} of {count}")
    elapsed = time.perf_counter() - started
    client.disconnect()
    client.loop_stop()
    return count / elapsed


def ingester_rate(url: str, publisher_url: str, store_url: str, messages: list[tuple[str, bytes]],
                  readings: int, workdir: Path) -> float:
    """(b), (c): readings/s the ingester drains from its queued session into the store."""
    client_id = f"ingest-{uuid.uuid4().hex[:6]}"
    warm = Ingester(url, open_store(store_url), workdir / f"{client_id}-0.db", client_id=client_id)
    warm.start()
    deadline = time.monotonic() + 10
    while not warm.subscriber.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)  # let the SUBACK land so the session has its subscription
    warm.stop()
    preload(publisher_url, messages)

    ingester = Ingester(url, open_store(store_url), workdir / f"{client_id}.db", client_id=client_id)
    started = time.perf_counter()
    ingester.start()
    while ingester.stats.value("orchard_ingest_readings_stored_total") < readings:
        if time.perf_counter() - started > 600:
            raise RuntimeError("ingester did not store every reading in 10 minutes")
        time.sleep(0.005)
    elapsed = time.perf_counter() - started
    ingester.stop()
    return readings / elapsed


def stored_points(store_url: str) -> int:
    with open_store(store_url) as store:
        total = 0
        for series in store.list_series({"farm": "bench"}):
            total += sum(b.count for b in store.query(series, BASE_TS - 1, BASE_TS + 10**9, 7 * 86_400_000))
        return total


def latency(url: str, publisher_url: str, store_url: str, workdir: Path, rate: int = 1000,
            seconds: float = 15.0) -> list[float]:
    """(d) seconds from publish to queryable, per message, at `rate` messages/s."""
    ingester = Ingester(url, open_store(store_url), workdir / "latency.db", client_id="ingest-latency")
    ingester.start()
    while not ingester.subscriber.connected:
        time.sleep(0.05)
    time.sleep(0.3)
    publisher = connected(publisher_url, inflight=1000)
    total = int(rate * seconds)
    sent_at = [0.0] * total
    visible: list[tuple[float, int]] = []
    stop = threading.Event()
    series = Series.of("custom_seq", {"farm": "bench", "device": "latency"})

    def poll() -> None:
        with open_store(store_url) as store:
            while not stop.is_set():
                found = [x for x in store.latest({"device": "latency"}) if x.series == series]
                visible.append((time.perf_counter(), int(found[0].value) if found else -1))
                time.sleep(0.01)

    poller = threading.Thread(target=poll)
    poller.start()
    started = time.perf_counter()
    for i in range(total):
        due = started + i / rate
        delay = due - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        payload = orjson.dumps({"ts": BASE_TS + 10**8 + i, "values": {"custom_seq": i}})
        sent_at[i] = time.perf_counter()
        publisher.publish("orchard/bench/latency/telemetry", payload, qos=1)
    while not visible or visible[-1][1] < total - 1:
        if time.perf_counter() - started > seconds + 60:
            raise RuntimeError("latency run did not finish")
        time.sleep(0.05)
    stop.set()
    poller.join()
    publisher.disconnect()
    publisher.loop_stop()
    ingester.stop()
    latencies, index = [], 0
    for i in range(total):
        while visible[index][1] < i:
            index += 1
        latencies.append(visible[index][0] - sent_at[i])
    return latencies


def metric(port: int, name: str) -> float:
    """One counter of an ingester process's /metrics (0 while it does not answer)."""
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    except httpx.HTTPError:
        return 0.0
    for line in text.splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    return 0.0


def shared_rate(url: str, publisher_url: str, store_url: str, messages: list[tuple[str, bytes]],
                members: int, workdir: Path, shared: bool = True) -> float:
    """(e) readings/s that `members` ingester processes sharing one subscription drain into the store.

    The members run as `python -m ingest` (one process each, as deployed), subscribe, and are
    then paused (SIGSTOP) while the backlog is published; the clock runs from SIGCONT until
    their stored-readings counters add up to the backlog.
    """
    group = f"bench-{members}-{uuid.uuid4().hex[:6]}"
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": url, "ORCHARD_STORE_URL": store_url, "ORCHARD_INGEST_GROUP": group if shared else "",
           "ORCHARD_DB_URL": f"sqlite:///{workdir / 'no-registry.db'}", "ORCHARD_LOG_LEVEL": "WARNING"}
    ports = [free_port() for _ in range(members)]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "ingest", "--host", "127.0.0.1", "--port", str(port)],
        env={**env, "ORCHARD_INGEST_CLIENT_ID": f"{group}-{n}", "ORCHARD_DATA_DIR": str(workdir / f"{group}-{n}")},
        stdout=subprocess.DEVNULL) for n, port in enumerate(ports)]
    try:
        probe = connected(publisher_url)
        deadline = time.monotonic() + 60
        while not all(metric(port, "orchard_ingest_messages_received_total") for port in ports):
            if time.monotonic() > deadline:
                raise RuntimeError("the ingesters did not all subscribe within a minute")
            probe.publish("orchard/probe/node-01/telemetry", b'{"air_temp_c": 20}', qos=1).wait_for_publish(10)
            time.sleep(0.2)
        probe.disconnect()
        probe.loop_stop()
        time.sleep(0.5)  # the last probes stored
        stored = "orchard_ingest_readings_stored_total"
        before = sum(metric(port, stored) for port in ports)
        for process in processes:
            process.send_signal(signal.SIGSTOP)
        preload(publisher_url, messages)
        started = time.perf_counter()
        for process in processes:
            process.send_signal(signal.SIGCONT)
        while sum(metric(port, stored) for port in ports) - before < len(messages):
            if time.perf_counter() - started > 600:
                raise RuntimeError("the ingesters did not store every reading in 10 minutes")
            time.sleep(0.02)
        return len(messages) / (time.perf_counter() - started)
    finally:
        for process in processes:
            process.send_signal(signal.SIGCONT)
            process.terminate()
            process.wait(timeout=60)


def percentile(values: list[float], p: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(p) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=50_000, help="single-reading messages for (a) and (b)")
    parser.add_argument("--batches", type=int, default=3_000, help="100-reading messages for (c)")
    parser.add_argument("--latency-seconds", type=float, default=15.0)
    parser.add_argument("--only", default="abcde", help="the figures to measure, e.g. --only e")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)

    with tempfile.TemporaryDirectory(prefix="orchard-bench-") as tmp:
        workdir = Path(tmp)
        (workdir / "mosquitto").mkdir()
        (workdir / "influxd").mkdir()
        broker = Mosquitto(workdir / "mosquitto")
        influxd = Influxd(workdir / "influxd")
        broker.start()
        influxd.start()
        try:
            url = broker.url("orchard-ingest")
            # Only the simulator's account may publish for many devices.
            publisher_url = broker.url("orchard-simulator")
            print(f"ingest benchmark: Mosquitto on :{broker.port}, influxd on :{influxd.port}")

            single = single_reading_messages(args.messages)
            if "a" in args.only or "b" in args.only:
                a = bare_subscriber_rate(url, publisher_url, single)
                print(f"(a) bare paho QoS 1 subscriber:        {a:10,.0f} msg/s")
                store_b = influxd.url("bench_b")
                b = ingester_rate(url, publisher_url, store_b, single, len(single), workdir)
                print(f"(b) ingester into InfluxDB:            {b:10,.0f} msg/s   b/a = {b / a:.2f}")
                assert stored_points(store_b) == len(single), "(b) lost or duplicated readings"

            if "c" in args.only:
                batches = hundred_reading_messages(args.batches)
                store_c = influxd.url("bench_c")
                c = ingester_rate(url, publisher_url, store_c, batches, len(batches) * 100, workdir)
                print(f"(c) ingester, 100 readings a message:  {c:10,.0f} readings/s")
                assert stored_points(store_c) == len(batches) * 100, "(c) lost or duplicated readings"

            if "d" in args.only:
                lat = latency(url, publisher_url, influxd.url("bench_d"), workdir, seconds=args.latency_seconds)
                print(f"(d) publish → queryable at 1,000 msg/s: p50 {percentile(lat, 50) * 1000:6.0f} ms, "
                      f"p99 {percentile(lat, 99) * 1000:6.0f} ms ({len(lat)} messages)")

            if "e" in args.only:
                rates = {0: shared_rate(url, publisher_url, influxd.url("bench_e0"), single, 1, workdir, shared=False)}
                print(f"(e) 1 ingester process, plain subscription (MQTT 3.1.1): {rates[0]:10,.0f} readings/s")
                for members in (1, 2):
                    store_e = influxd.url(f"bench_e{members}")
                    rates[members] = shared_rate(url, publisher_url, store_e, single, members, workdir)
                    assert stored_points(store_e) == len(single), f"(e) {members}: lost or duplicated readings"
                    print(f"(e) {members} ingester process(es) on one shared subscription: "
                          f"{rates[members]:10,.0f} readings/s   /plain = {rates[members] / rates[0]:.2f}")
                print(f"(e) 2 ingesters / 1 ingester = {rates[2] / rates[1]:.2f}")
        finally:
            broker.stop()
            influxd.stop()


if __name__ == "__main__":
    main()
