"""Dashboard benchmark: the chart callback over 30 days and the overview of a big farm, against the API.

  (1) 30 days of 1-minute readings of one tree (3 metrics), on SQLite and on InfluxDB:
      the chart callback (POST /_dash-update-component, range "30 days") - time and figure
      JSON bytes - against GET /api/trees/{id}/readings for the same range, measured in the
      same run on the same store (the baseline). Targets: <= 300 ms, <= 300 KB.
  (2) the overview of a farm with 500 trees and 100 devices (SQLite): the overview callback
      against GET /api/trees?farm= listing the same 500 trees. Target: <= 1 s.

The dashboard and the API run as `python -m dashboard` / `python -m api` on free ports.
Run: python -m bench.dashboard [--repeat N]
"""

from __future__ import annotations

import argparse
import gzip
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from orchard.readings import Reading
from orchard.registry import orchards, people
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.store import open_store
from tests.services import REPO, Influxd, free_port, wait_for_port

SECRET = "bench-dashboard-secret-" + "b" * 32
PASSWORD = "bench password"
METRICS = {"air_temp_c": 18.0, "soil_moisture_pct": 31.0, "soil_temp_c": 14.0}
DAY_MS = 86_400_000


def registry(workdir: Path, trees: int, devices: int) -> tuple[str, list[int]]:
    """A migrated registry with farm "bench": `trees` trees in plots of 50, `devices` devices at the first trees."""
    db_url = f"sqlite:///{workdir / 'registry.db'}"
    upgrade(db_url)
    sessions = session_factory(db_url)
    with sessions.begin() as s:
        orchards.create_farm(s, "bench", "Bench Orchard", timezone="Asia/Shanghai")
        plots = [orchards.create_plot(s, "bench", f"plot-{i:02d}").id for i in range((trees + 49) // 50)]
        ids = [orchards.create_tree(s, "bench", str(i + 1), plot_id=plots[i // 50], variety="Fuji").id
               for i in range(trees)]
        for i in range(devices):
            orchards.create_device(s, f"unit-{i:03d}", "bench", tree_id=ids[i])
        people.create_user(s, "farmer", "farmer", password=PASSWORD, farm_ids=["bench"])
    sessions.kw["bind"].dispose()
    return db_url, ids


def fill_month(store_url: str, tree_id: int, now_ms: int) -> int:
    """30 days of 1-minute readings of 3 metrics at one tree; returns how many."""
    tags = {"farm": "bench", "device": "unit-000", "tree": str(tree_id), "plot": "1"}
    start = now_ms - 30 * DAY_MS
    written = 0
    with open_store(store_url) as store:
        batch = []
        for ts in range(start, now_ms, 60_000):
            for metric, base in METRICS.items():
                batch.append(Reading(metric, base + ((ts // 60_000) % 1440) / 144.0, ts, tags))
            if len(batch) >= 15_000:
                store.write(batch)
                written += len(batch)
                batch = []
        store.write(batch)
        written += len(batch)
    return written


def fill_latest(store_url: str, trees: list[int], devices: int, now_ms: int) -> None:
    """Two hours at 5 minutes of six metrics per device, so every tile and plot has current values."""
    with open_store(store_url) as store:
        batch = []
        for i in range(devices):
            tags = {"farm": "bench", "device": f"unit-{i:03d}", "tree": str(trees[i]), "plot": str(1 + i // 50)}
            for ts in range(now_ms - 2 * 3_600_000, now_ms, 300_000):
                for metric, value in (*METRICS.items(), ("air_humidity_pct", 60.0), ("battery_v", 3.9),
                                      ("rssi_dbm", -70.0)):
                    batch.append(Reading(metric, value, ts, tags))
        store.write(batch)


class Service:
    """`python -m <package> --port N` with the bench's settings."""

    def __init__(self, package: str, env: dict[str, str], workdir: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log = open(workdir / f"{package}.log", "ab")
        self.process = subprocess.Popen([sys.executable, "-m", package, "--port", str(self.port)], cwd=REPO,
                                        env=env, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        try:
            wait_for_port(self.port, timeout=60, process=self.process)
        except RuntimeError:
            print((workdir / f"{package}.log").read_text()[-3000:], file=sys.stderr)
            raise

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)


def environment(workdir: Path, db_url: str, store_url: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
            "ORCHARD_DB_URL": db_url, "ORCHARD_STORE_URL": store_url, "ORCHARD_SECRET_KEY": SECRET,
            "ORCHARD_DATA_DIR": str(workdir), "ORCHARD_LOG_LEVEL": "WARNING",
            "ORCHARD_MQTT_URL": f"mqtt://127.0.0.1:{free_port()}"}  # no broker: devices judged by readings


def logged_in(dashboard: Service, api: Service) -> tuple[httpx.Client, httpx.Client]:
    board = httpx.Client(base_url=dashboard.url, timeout=60)
    answer = board.post("/auth/login", data={"username": "farmer", "password": PASSWORD, "next": "/"})
    if answer.status_code != 303 or "orchard_session" not in board.cookies:
        raise RuntimeError(f"the dashboard refused the bench's login: {answer.status_code}")
    client = httpx.Client(base_url=api.url, timeout=60)
    client.post("/api/login", json={"username": "farmer", "password": PASSWORD}).raise_for_status()
    return board, client


def timed(call, repeat: int) -> tuple[float, httpx.Response]:
    """Median milliseconds of `repeat` calls (after one warm-up), and the last response."""
    response = call()
    response.raise_for_status()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = call()
        times.append((time.perf_counter() - started) * 1000)
        response.raise_for_status()
    return statistics.median(times), response


def callback(client: httpx.Client, output: str, outputs: list[dict], inputs: list[dict[str, Any]],
             state: list[dict[str, Any]] | None = None) -> httpx.Response:
    return client.post("/_dash-update-component", json={
        "output": output, "outputs": outputs, "inputs": inputs, "state": state or [],
        "changedPropIds": [f"{inputs[0]['id']}.{inputs[0]['property']}"]})


def bench_chart(kind: str, store_url: str, repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
        workdir = Path(folder)
        db_url, trees = registry(workdir, trees=1, devices=1)
        now_ms = int(time.time() * 1000)
        count = fill_month(store_url, trees[0], now_ms)
        env = environment(workdir, db_url, store_url)
        dashboard, api = Service("dashboard", env, workdir), Service("api", env, workdir)
        try:
            board, client = logged_in(dashboard, api)
            inputs: list[dict[str, Any]] = [{"id": "chart-subject", "property": "value", "value": f"tree:{trees[0]}"},
                      {"id": "chart-metrics", "property": "value", "value": list(METRICS)},
                      {"id": "chart-range", "property": "value", "value": "30d"},
                      {"id": "chart-custom", "property": "value", "value": None},
                      {"id": "chart-graph", "property": "relayoutData", "value": None}]
            outputs = [{"id": "chart-graph", "property": "figure"}, {"id": "chart-state", "property": "data"}]
            chart_ms, chart = timed(lambda: callback(board, "..chart-graph.figure...chart-state.data..", outputs,
                                                     inputs), repeat)
            start = now_ms - 30 * DAY_MS
            api_ms, readings = timed(lambda: client.get(f"/api/trees/{trees[0]}/readings",
                                                        params={"start": str(start), "end": str(now_ms)}), repeat)
        finally:
            dashboard.stop()
            api.stop()
    figure = chart.content
    bucket = chart.json()["response"]["chart-state"]["data"]["bucket_ms"]
    raw_json = count * len(b'{"ts":1790000000000,"value":18.123},')
    print(f"(1) chart, 30 days x 3 metrics of 1-minute data on {kind} "
          f"({count:,} readings, {bucket // 60_000} min buckets)")
    print(f"    chart callback   {chart_ms:7.1f} ms   {len(figure) / 1024:7.1f} KB JSON  "
          f"{len(gzip.compress(figure)) / 1024:6.1f} KB gzip   (targets: 300 ms, 300 KB)")
    print(f"    API readings     {api_ms:7.1f} ms   {len(readings.content) / 1024:7.1f} KB JSON  "
          f"{len(gzip.compress(readings.content)) / 1024:6.1f} KB gzip   (baseline)")
    print(f"    ratio chart/API  time x{chart_ms / api_ms:.2f}   bytes x{len(figure) / len(readings.content):.2f}"
          f"   (raw points as JSON would be ~{raw_json / 1e6:.1f} MB)")


def bench_overview(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="bench-dashboard-") as folder:
        workdir = Path(folder)
        db_url, trees = registry(workdir, trees=500, devices=100)
        store_url = f"sqlite:///{workdir / 'readings.db'}"
        fill_latest(store_url, trees, 100, int(time.time() * 1000))
        env = environment(workdir, db_url, store_url)
        dashboard, api = Service("dashboard", env, workdir), Service("api", env, workdir)
        try:
            board, client = logged_in(dashboard, api)
            outputs = [{"id": i, "property": "children"} for i in
                       ("overview-conditions", "overview-tiles", "overview-devices", "overview-updated")]
            outputs.append({"id": "overview-shown", "property": "data"})
            # No digest of a page already shown: every call builds and sends the whole overview.
            state = [{"id": "overview-shown", "property": "data", "value": None}]
            inputs: list[dict[str, Any]] = [{"id": "overview-farm", "property": "value", "value": "bench"},
                      {"id": "overview-refresh", "property": "n_intervals", "value": 1}]
            output = "..overview-conditions.children...overview-tiles.children...overview-devices.children..." \
                     "overview-updated.children...overview-shown.data.."
            overview_ms, overview = timed(lambda: callback(board, output, outputs, inputs, state), repeat)
            api_ms, listing = timed(lambda: client.get("/api/trees", params={"farm": "bench"}), repeat)
        finally:
            dashboard.stop()
            api.stop()
    tiles = overview.text.count('"data-claimed"')
    print(f"(2) overview, 500 trees and 100 devices on SQLite ({tiles} tiles)")
    print(f"    overview callback {overview_ms:7.1f} ms   {len(overview.content) / 1024:7.1f} KB JSON  "
          f"{len(gzip.compress(overview.content)) / 1024:6.1f} KB gzip   (target: 1000 ms)")
    print(f"    API tree list     {api_ms:7.1f} ms   {len(listing.content) / 1024:7.1f} KB JSON   (baseline)")
    print(f"    ratio overview/API x{overview_ms / api_ms:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed calls per figure (median reported)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="sqlite-") as folder:
        bench_chart("SQLite", f"sqlite:///{Path(folder) / 'readings.db'}", args.repeat)
    with tempfile.TemporaryDirectory(prefix="influxd-") as folder:
        influxd = Influxd(Path(folder))
        influxd.start()
        try:
            bench_chart("InfluxDB", influxd.url(f"bench_{uuid.uuid4().hex[:8]}"), args.repeat)
        finally:
            influxd.stop()
    bench_overview(args.repeat)


if __name__ == "__main__":
    main()
