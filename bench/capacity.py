"""Capacity benchmark: what one core of each service does, measured as CPU time, for docs/capacity.md.

Wall-clock rates on a shared machine say more about the neighbours than about us; the CPU
seconds a process spends on a known amount of work do not. Each figure is a rate per CPU
second of the process doing the work (= per core, fully used), with its baseline from the
same run:

  (1) ingest: N device messages (14 metrics each, as a Pi sends once a minute) drained from
      the broker into InfluxDB and into SQLite: messages per ingester CPU-second, and points
      per influxd CPU-second. Baseline: a bare paho subscriber draining the same backlog.
  (2) relay: V MJPEG viewers of one camera at the live rate (2 fps, ~100 KB frames): viewers
      per relay CPU-second (one core). Baseline: the same camera streaming with no viewer.
  (3) dashboard: the 30-day chart callback on SQLite: callbacks per dashboard CPU-second.
      Baseline: the API's readings of the same range, per API CPU-second.
  (4) storage: bytes per stored reading on disk, SQLite and InfluxDB (after a full compaction).
  (5) broker: Mosquitto's memory per connected device (idle, keepalive 60 s), C connections.
      Baseline: the broker's memory with no client.

Run: python -m bench.capacity [--messages N --viewers V --seconds S]
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson
import paho.mqtt.client as paho
import psutil
from paho.mqtt.enums import CallbackAPIVersion

from bench import dashboard as board_bench
from bench import ingest as ingest_bench
from bench import streams as stream_bench
from ingest.service import Ingester
from orchard.auth import mint_camera_token
from orchard.mqtt import BrokerAddress
from orchard.store import open_store
from tests.services import Influxd, Mosquitto, free_port, wait_for_port

# A Pi's once-a-minute message: the fourteen metrics of the vocabulary a full field unit reads.
FULL_UNIT = {"air_temp_c": 12.5, "air_humidity_pct": 71.0, "air_pressure_hpa": 1008.2, "soil_moisture_pct": 31.5,
             "soil_temp_c": 11.0, "soil_ec_ms_cm": 1.2, "soil_ph": 6.4, "rain_mm": 0.0, "wind_speed_ms": 2.1,
             "wind_dir_deg": 140.0, "light_lux": 12000.0, "leaf_wetness_pct": 8.0, "battery_v": 3.9,
             "rssi_dbm": -71.0}
BASE_TS = 1_790_000_000_000


class CompactingInfluxd(Influxd):
    """influxd that writes its cache to TSM files and compacts them within seconds, so its disk use is final."""

    def __init__(self, workdir: Path) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        super().__init__(workdir)
        self.conf.write_text(self.conf.read_text().replace(
            "[data]\n", '[data]\n  cache-snapshot-write-cold-duration = "1s"\n'
                        '  compact-full-write-cold-duration = "3s"\n', 1))


def cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def unit_messages(count: int, devices: int = 10) -> list[tuple[str, bytes]]:
    """Messages as field units send them: values wander a little, so storage compresses as it would in a field."""
    rng = random.Random(7)
    out = []
    for i in range(count):
        values = {metric: round(max(0.0, base + rng.uniform(-1, 1) * (0.02 * abs(base) + 0.1)) if base >= 0
                                else base + rng.uniform(-1, 1), 2)
                  for metric, base in FULL_UNIT.items()}
        out.append((f"orchard/bench/unit-{i % devices:03d}/telemetry",
                    orjson.dumps({"ts": BASE_TS + (i // devices) * 60_000, "values": values})))
    return out


def bare_cpu(url: str, publisher_url: str, messages: list[tuple[str, bytes]]) -> float:
    """CPU seconds of this process while a bare paho subscriber drains the backlog (the baseline)."""
    client_id = f"bare-{uuid.uuid4().hex[:6]}"
    session = ingest_bench.connected(url, client_id, persistent=True)
    subscribed = threading.Event()
    session.on_subscribe = lambda *a: subscribed.set()
    session.subscribe("orchard/+/+/telemetry", qos=1)
    subscribed.wait(10)
    session.disconnect()
    session.loop_stop()
    ingest_bench.preload(publisher_url, messages)
    seen, finished = [0], threading.Event()

    def on_message(client, userdata, message) -> None:
        seen[0] += 1
        if seen[0] == len(messages):
            finished.set()

    address = BrokerAddress.parse(url)  # stock paho, as a bare subscriber is written
    client = paho.Client(CallbackAPIVersion.VERSION2, client_id=client_id, clean_session=False,
                         protocol=paho.MQTTv311)
    client.username_pw_set(address.username, address.password)
    client.on_message = on_message
    me = psutil.Process()
    before = cpu_seconds(me)
    client.connect(address.host, address.port)
    client.loop_start()
    if not finished.wait(600):
        raise RuntimeError(f"the bare subscriber got {seen[0]} of {len(messages)}")
    used = cpu_seconds(me) - before
    client.disconnect()
    client.loop_stop()
    return used


def ingester_cpu(url: str, publisher_url: str, store_url: str, messages: list[tuple[str, bytes]], workdir: Path,
                 influxd: psutil.Process | None) -> tuple[float, float, float]:
    """(this process's CPU seconds, influxd's CPU seconds, wall seconds) to drain `messages` into the store."""
    client_id = f"capacity-{uuid.uuid4().hex[:6]}"
    warm = Ingester(url, open_store(store_url), workdir / f"{client_id}-0.db", client_id=client_id)
    warm.start()
    deadline = time.monotonic() + 10
    while not warm.subscriber.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.3)
    warm.stop()
    ingest_bench.preload(publisher_url, messages)
    readings = len(messages) * len(FULL_UNIT)
    ingester = Ingester(url, open_store(store_url), workdir / f"{client_id}.db", client_id=client_id)
    me = psutil.Process()
    mine, theirs, started = cpu_seconds(me), cpu_seconds(influxd) if influxd else 0.0, time.perf_counter()
    ingester.start()
    while ingester.stats.value("orchard_ingest_readings_stored_total") < readings:
        if time.perf_counter() - started > 900:
            raise RuntimeError("the ingester did not store every reading in 15 minutes")
        time.sleep(0.05)
    wall = time.perf_counter() - started
    used = cpu_seconds(me) - mine
    influx_used = (cpu_seconds(influxd) - theirs) if influxd else 0.0
    ingester.stop()
    return used, influx_used, wall


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def bench_ingest(count: int, workdir: Path) -> dict[str, float]:
    (workdir / "mosquitto").mkdir()
    broker = Mosquitto(workdir / "mosquitto")
    broker.start()
    influxd = CompactingInfluxd(workdir / "influxd")
    influxd.start()
    found: dict[str, float] = {}
    try:
        url, publisher = broker.url("orchard-ingest"), broker.url("orchard-simulator")
        messages = unit_messages(count)
        readings = count * len(FULL_UNIT)
        assert broker.process is not None
        mosquitto = psutil.Process(broker.process.pid)
        broker_before = cpu_seconds(mosquitto)
        bare = bare_cpu(url, publisher, messages)
        broker_used = cpu_seconds(mosquitto) - broker_before  # takes in and hands out each message once
        influx_url = influxd.url(f"capacity_{uuid.uuid4().hex[:6]}")
        assert influxd.process is not None
        ingest_influx, influx_cpu, wall = ingester_cpu(url, publisher, influx_url, messages, workdir,
                                                       psutil.Process(influxd.process.pid))
        sqlite_path = workdir / "readings.db"
        ingest_sqlite, _, sqlite_wall = ingester_cpu(url, publisher, f"sqlite:///{sqlite_path}", messages, workdir,
                                                     None)
        found.update(bare=count / bare, influx=count / ingest_influx, sqlite=count / ingest_sqlite,
                     influxd=readings / influx_cpu, influx_wall=count / wall, sqlite_wall=count / sqlite_wall,
                     sqlite_bytes=sqlite_path.stat().st_size / readings)
        print(f"(1) ingest, {count:,} messages of {len(FULL_UNIT)} metrics ({readings:,} readings)")
        print(f"    bare paho subscriber    {found['bare']:9,.0f} msg per CPU-second (baseline)")
        for name, label in (("influx", "InfluxDB"), ("sqlite", "SQLite")):
            ratio = found[name] / found["bare"]
            print(f"    ingester -> {label:10} {found[name]:9,.0f} msg per CPU-second  x{ratio:.2f}"
                  f"   ({found[name + '_wall']:,.0f} msg/s wall)")
        print(f"    influxd                 {found['influxd']:9,.0f} points per CPU-second")
        found["broker"] = count / broker_used
        print(f"    Mosquitto               {found['broker']:9,.0f} msg in and out per CPU-second (QoS 1, persistent)")
        data, wal = workdir / "influxd" / "data", workdir / "influxd" / "wal"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:  # until the cold shard's cache is written out to TSM files and compacted
            time.sleep(5)
            tsm = sum(f.stat().st_size for f in data.rglob("*.tsm"))
            if tsm and disk_bytes(wal) < tsm / 20:
                break
        time.sleep(10)
        found["influx_bytes"] = sum(f.stat().st_size for f in data.rglob("*.tsm")) / readings
        fixed = sum(f.stat().st_size for f in data.rglob("*") if f.is_file() and f.suffix != ".tsm")
        print(f"(4) storage: SQLite {found['sqlite_bytes']:.1f} bytes per reading; InfluxDB "
              f"{found['influx_bytes']:.1f} bytes per reading in compacted TSM files, plus "
              f"{fixed / 2**20:.0f} MB of series file and index per database")
    finally:
        influxd.stop()
        broker.stop()
    return found


def bench_relay(viewers: int, seconds: float, workdir: Path) -> dict[str, float]:
    (workdir / "relay-broker").mkdir()
    broker = Mosquitto(workdir / "relay-broker")
    broker.start()
    port = free_port()
    db_url = f"sqlite:///{workdir / 'relay-registry.db'}"
    stream_bench.make_customer_registry(db_url)
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker.url("orchard-streams"), "ORCHARD_SECRET_KEY": stream_bench.SECRET,
           "ORCHARD_DATA_DIR": str(workdir / "relay-data"), "ORCHARD_LOG_LEVEL": "WARNING", "ORCHARD_DB_URL": db_url}
    relay = subprocess.Popen([sys.executable, "-m", "streams", "--host", "127.0.0.1", "--port", str(port)], env=env)
    fps = 2.0
    try:
        wait_for_port(port, timeout=30, process=relay)
        publisher = broker.url("orchard-simulator")
        *frames, primer = stream_bench.make_frames(int(fps * (2 * seconds + 20)) + 1)
        stream_bench.publish_frames(publisher, [primer], 1.0, {}, threading.Event())
        process = psutil.Process(relay.pid)

        def relay_cpu(with_viewers: int) -> float:
            stop = threading.Event()
            pub = threading.Thread(target=stream_bench.publish_frames,
                                   args=(publisher, frames, fps, {}, stop), daemon=True)
            watchers = None
            if with_viewers:
                token = mint_camera_token(stream_bench.SECRET, [stream_bench.CAMERA], 3600)
                watchers = subprocess.Popen([sys.executable, "-c",
                                             "from pathlib import Path; from bench.streams import run_viewers; "
                                             f"run_viewers({port}, {token!r}, {with_viewers}, {seconds + 60}, "
                                             f"Path({str(workdir / 'arrivals.txt')!r}))"])
                deadline = time.monotonic() + 60
                while httpx.get(f"http://127.0.0.1:{port}/healthz").json()["viewers"] < with_viewers:
                    if time.monotonic() > deadline:
                        raise RuntimeError("the viewers did not all connect within a minute")
                    time.sleep(0.2)
            pub.start()
            time.sleep(1)
            before = cpu_seconds(process)
            time.sleep(seconds)
            used = cpu_seconds(process) - before
            stop.set()
            pub.join()
            if watchers:
                watchers.kill()
                watchers.wait(timeout=60)
            return used / seconds

        idle = relay_cpu(0)
        busy = relay_cpu(viewers)
        per_viewer = max(busy - idle, 1e-9) / viewers
        print(f"(2) relay, one camera at {fps:g} fps, ~{sum(map(len, frames)) / len(frames) / 1024:.0f} KB frames")
        print(f"    no viewer       {idle * 100:5.1f}% of a core (baseline: intake only)")
        print(f"    {viewers} viewers     {busy * 100:5.1f}% of a core -> {1 / per_viewer:,.0f} viewers per core")
        return {"relay_idle": idle, "relay_busy": busy, "viewers_per_core": 1 / per_viewer}
    finally:
        relay.terminate()
        relay.wait(timeout=20)
        broker.stop()


def bench_dashboard(workdir: Path, calls: int) -> dict[str, float]:
    folder = workdir / "dashboard"
    folder.mkdir()
    db_url, trees = board_bench.registry(folder, trees=1, devices=1)
    store_url = f"sqlite:///{folder / 'readings.db'}"
    now_ms = int(time.time() * 1000)
    board_bench.fill_month(store_url, trees[0], now_ms)
    env = board_bench.environment(folder, db_url, store_url)
    dashboard, api = board_bench.Service("dashboard", env, folder), board_bench.Service("api", env, folder)
    try:
        board, client = board_bench.logged_in(dashboard, api)
        inputs: list[dict[str, Any]] = [
            {"id": "chart-subject", "property": "value", "value": f"tree:{trees[0]}"},
            {"id": "chart-metrics", "property": "value", "value": list(board_bench.METRICS)},
            {"id": "chart-range", "property": "value", "value": "30d"},
            {"id": "chart-custom", "property": "value", "value": None},
            {"id": "chart-graph", "property": "relayoutData", "value": None}]
        outputs = [{"id": "chart-graph", "property": "figure"}, {"id": "chart-state", "property": "data"}]

        def chart() -> httpx.Response:
            return board_bench.callback(board, "..chart-graph.figure...chart-state.data..", outputs, inputs)

        def readings() -> httpx.Response:
            return client.get(f"/api/trees/{trees[0]}/readings",
                              params={"start": str(now_ms - 30 * board_bench.DAY_MS), "end": str(now_ms)})

        def per_cpu_second(call, service) -> float:
            call().raise_for_status()
            process = psutil.Process(service.process.pid)
            before = cpu_seconds(process)
            for _ in range(calls):
                call().raise_for_status()
            return calls / (cpu_seconds(process) - before)

        chart_rate, api_rate = per_cpu_second(chart, dashboard), per_cpu_second(readings, api)
    finally:
        dashboard.stop()
        api.stop()
    print("(3) 30-day chart of one tree (3 metrics, 1-minute data, SQLite)")
    print(f"    API readings      {api_rate:7.1f} per API CPU-second (baseline)")
    print(f"    chart callback    {chart_rate:7.1f} per dashboard CPU-second  x{chart_rate / api_rate:.2f}")
    return {"chart_per_core": chart_rate, "api_per_core": api_rate}


def _utf8(text: str) -> bytes:
    raw = text.encode()
    return len(raw).to_bytes(2, "big") + raw


def connect_packet(client_id: str, username: str, password: str) -> bytes:
    """An MQTT 3.1.1 CONNECT with a clean session, user name and password, keepalive 60 s."""
    body = _utf8("MQTT") + bytes([4, 0xC2]) + (60).to_bytes(2, "big")
    body += _utf8(client_id) + _utf8(username) + _utf8(password)
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (0x80 if length else 0)])
        if not length:
            return b"\x10" + encoded + body


def bench_broker(connections: int, workdir: Path) -> dict[str, float]:
    import asyncio
    (workdir / "conn-broker").mkdir()
    broker = Mosquitto(workdir / "conn-broker")
    broker.start()
    try:
        assert broker.process is not None
        process = psutil.Process(broker.process.pid)
        time.sleep(1)
        idle = process.memory_info().rss
        address = BrokerAddress.parse(broker.url("orchard-simulator"))

        async def hold() -> int:
            async def one(i: int):
                reader, writer = await asyncio.open_connection(address.host, address.port)
                writer.write(connect_packet(f"unit-{i:06d}", address.username or "", address.password or ""))
                await writer.drain()
                if await reader.readexactly(4) != b"\x20\x02\x00\x00":
                    raise RuntimeError("the broker refused a connection")
                return writer
            writers = []
            for start in range(0, connections, 200):
                writers += await asyncio.gather(*(one(i) for i in range(start, min(start + 200, connections))))
            await asyncio.sleep(2)
            used = process.memory_info().rss
            for writer in writers:
                writer.close()
            return used

        busy = asyncio.run(hold())
    finally:
        broker.stop()
    per = (busy - idle) / connections
    print(f"(5) broker: {connections:,} idle device connections: Mosquitto {idle / 2**20:.1f} MB -> "
          f"{busy / 2**20:.1f} MB, {per / 1024:.1f} KB per connection")
    return {"broker_kb_per_connection": per / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--viewers", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--calls", type=int, default=30)
    parser.add_argument("--connections", type=int, default=5000)
    args = parser.parse_args()
    print(f"capacity benchmark on {psutil.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    with tempfile.TemporaryDirectory(prefix="orchard-capacity-") as tmp:
        workdir = Path(tmp)
        bench_ingest(args.messages, workdir)
        bench_relay(args.viewers, args.seconds, workdir)
        bench_dashboard(workdir, args.calls)
        bench_broker(args.connections, workdir)
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
