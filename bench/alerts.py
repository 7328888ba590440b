"""Alerts benchmark: one evaluation cycle at orchard scale, and what the alerts service costs the ingester.

  (1) one cycle for 500 trees (a device and a camera each) × 10 rules, against 90 minutes of
      1-minute readings of 8 metrics, on SQLite and on a local influxd: the first cycle (reads
      every standing, writes the pending states) and the steady cycle (median and slowest),
      each as a share of the 30 s interval, in wall seconds and in CPU seconds (ours plus
      influxd's). Every cycle also learns one metric's spacing. Baseline: the same store
      queries alone, without evaluation.
  (2) ingester throughput into InfluxDB with `python -m alerts` evaluating that orchard every
      `--alerts-interval` s (default 30, as deployed) in its own process, against the same run
      without it; runs alternate, medians compared.

Run: python -m bench.alerts [--trees 500] [--messages 20000]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path

import psutil
from sqlalchemy.orm import Session, sessionmaker

from alerts.cycle import Cycle
from alerts.observations import Observer
from alerts.presence import Presence
from alerts.readings import StoreReadings
from bench.ingest import ingester_rate, single_reading_messages
from orchard.readings import Reading
from orchard.registry.alerting import Aggregate, AlertRule, Condition
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Camera, Device, Farm, Plot, Tree
from orchard.store import open_store
from orchard.times import to_ms
from tests.services import Influxd, Mosquitto

FARM = "bench"
METRICS = {"air_temp_c": 6.0, "air_humidity_pct": 70.0, "soil_moisture_pct": 28.0, "soil_temp_c": 9.0,
           "wind_speed_ms": 3.0, "rain_mm": 0.1, "battery_v": 3.9, "leaf_wetness_pct": 40.0}
MINUTES = 90
NOW = datetime(2026, 4, 2, 3, 0, tzinfo=UTC)
INTERVAL_S = 30.0
REPO = Path(__file__).resolve().parent.parent


def orchard_registry(url: str, trees: int) -> sessionmaker[Session]:
    """A farm of `trees` trees in 10 plots, a device and a camera at each, and one rule of the farm's own."""
    upgrade(url)
    sessions = session_factory(url)
    with sessions() as session:
        session.add(Farm(id=FARM, name="Bench"))
        plots = [Plot(farm_id=FARM, name=f"plot {i}") for i in range(10)]
        session.add_all(plots)
        session.flush()
        rows = [Tree(farm_id=FARM, plot_id=plots[i % 10].id, label=f"T{i:03d}") for i in range(trees)]
        session.add_all(rows)
        session.flush()
        session.add_all(Device(id=f"node-{i:03d}", farm_id=FARM, tree_id=tree.id) for i, tree in enumerate(rows))
        session.flush()
        session.add_all(Camera(id=f"cam-{i:03d}", device_id=f"node-{i:03d}") for i in range(trees))
        # The tenth rule: wet leaves for two hours (scab weather), a farmer's own.
        session.add(AlertRule(farm_id=FARM, key="leaf_wet", kind="threshold", metric="leaf_wetness_pct",
                              condition=Condition.ABOVE, threshold=90.0, clear_threshold=80.0, duration_s=7200,
                              aggregate=Aggregate.MEAN, window_s=1800))
        session.commit()
    return sessions


def orchard_readings(store_url: str, trees: int) -> int:
    """MINUTES of 1-minute readings of every metric for every device; one tree in ten is cold."""
    count = 0
    with open_store(store_url) as store:
        end_ms = to_ms(NOW)
        for i in range(trees):
            tags = {"farm": FARM, "device": f"node-{i:03d}"}
            batch = [Reading(metric, (1.0 if metric == "air_temp_c" and i % 10 == 0 else value) + (m % 7) * 0.01,
                             end_ms - (MINUTES - m) * 60_000, tags)
                     for m in range(MINUTES) for metric, value in METRICS.items()]
            store.write(batch)
            count += len(batch)
    return count


class Meter:
    """Wall seconds, and CPU seconds of this process plus the store's server (influxd) if any.

    On a shared machine the wall time follows everyone's load; the CPU seconds are what one
    cycle costs, and what it would take on a machine of its own."""

    def __init__(self, server_pid: int | None) -> None:
        self.server = psutil.Process(server_pid) if server_pid else None

    def _cpu(self) -> float:
        own = os.times()
        server = self.server.cpu_times() if self.server is not None else None
        return own.user + own.system + (server.user + server.system if server is not None else 0.0)

    def measure(self, work: Callable[[], object]) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), self._cpu()
        work()
        return time.perf_counter() - wall, self._cpu() - cpu


def queries_alone(store_url: str, meter: Meter) -> tuple[float, float]:
    """Baseline: median (wall, CPU) seconds of the store queries a steady cycle makes, without evaluation."""
    end_ms = to_ms(NOW) + 1
    costs = []
    with open_store(store_url) as store:
        for metric in list(METRICS)[:3]:
            def queries(metric: str = metric) -> None:
                store.latest()
                for window_metric, window_s in (("rain_mm", 3600), ("wind_speed_ms", 600),
                                                ("leaf_wetness_pct", 1800)):
                    store.summarize(window_metric, end_ms - window_s * 1000, end_ms)
                store.summarize(metric, end_ms - 3_600_000, end_ms)  # learning one metric's spacing
            costs.append(meter.measure(queries))
    return statistics.median(c[0] for c in costs), statistics.median(c[1] for c in costs)


def cycle_costs(store_url: str, sessions: sessionmaker[Session], cycles: int, meter: Meter
                ) -> tuple[tuple[float, float], list[tuple[float, float]], int]:
    """(wall, CPU) seconds of the first cycle and of each steady cycle; standings judged per cycle."""
    with open_store(store_url) as store:
        cycle = Cycle(sessions, Observer(StoreReadings(store), Presence(lambda: NOW), device_interval_s=60,
                                         camera_idle_s=300))
        outcome = cycle.run(NOW)
        first = meter.measure(lambda: cycle.run(NOW))
        steady = [meter.measure(partial(cycle.run, NOW + timedelta(seconds=n))) for n in range(1, cycles + 1)]
    return first, steady, outcome.evaluated


def ingest_with_and_without_alerts(broker: Mosquitto, store_url: str, db_url: str, messages: int,
                                   workdir: Path, interval_s: float, rounds: int = 2) -> tuple[float, float]:
    """Median msg/s of the ingester without, then with, the alerts service running; alternated."""
    url, publisher_url = broker.url("orchard-ingest"), broker.url("orchard-simulator")
    single = single_reading_messages(messages)
    without, with_alerts = [], []
    environ = {key: value for key, value in os.environ.items() if not key.startswith("ORCHARD_")}
    environ.update(PYTHONPATH=str(REPO), ORCHARD_MQTT_URL=broker.url("orchard-alerts"), ORCHARD_STORE_URL=store_url,
                   ORCHARD_DB_URL=db_url, ORCHARD_DATA_DIR=str(workdir / "alerts"),
                   ORCHARD_ALERTS_INTERVAL_S=str(interval_s), ORCHARD_LOG_LEVEL="WARNING")
    for _ in range(rounds):
        without.append(ingester_rate(url, publisher_url, store_url, single, len(single), workdir))
        service = subprocess.Popen([sys.executable, "-m", "alerts"], env=environ, cwd=workdir)
        try:
            heartbeat = workdir / "alerts" / "alerts-heartbeat"  # touched after each completed cycle
            heartbeat.unlink(missing_ok=True)
            deadline = time.monotonic() + 120
            while not heartbeat.exists():  # started, migrated, its first cycle (reads every standing) done
                if service.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the alerts service did not complete a cycle ({service.poll()})")
                time.sleep(0.2)
            with_alerts.append(ingester_rate(url, publisher_url, store_url, single, len(single), workdir))
            if service.poll() is not None:
                raise RuntimeError(f"the alerts service exited with {service.returncode} during the run")
        finally:
            service.terminate()
            service.wait(timeout=30)
    return statistics.median(without), statistics.median(with_alerts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trees", type=int, default=500)
    parser.add_argument("--cycles", type=int, default=8, help="steady cycles timed per backend (one per metric)")
    parser.add_argument("--messages", type=int, default=60_000, help="messages per ingest run; 0 skips (2)")
    parser.add_argument("--alerts-interval", type=float, default=30.0, help="ORCHARD_ALERTS_INTERVAL_S for (2)")
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
            print(f"alerts benchmark: {args.trees} trees × 10 rules, {MINUTES} min of {len(METRICS)} metrics each")
            stores = {"SQLite": f"sqlite:///{workdir / 'readings.db'}", "InfluxDB": influxd.url("bench_alerts")}
            for name, store_url in stores.items():
                db_url = f"sqlite:///{workdir / f'registry-{name}.db'}"
                sessions = orchard_registry(db_url, args.trees)
                points = orchard_readings(store_url, args.trees)
                meter = Meter(influxd.process.pid if name == "InfluxDB" and influxd.process else None)
                first, steady, judged = cycle_costs(store_url, sessions, args.cycles, meter)
                alone = queries_alone(store_url, meter)
                print(f"(1) {name:8s} {points:,} readings, {judged:,} standings judged a cycle "
                      f"(load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs); wall s, CPU s:")
                median = (statistics.median(c[0] for c in steady), statistics.median(c[1] for c in steady))
                slowest = max(steady)
                for label, (wall, cpu) in (("store queries alone", alone), ("first cycle", first),
                                           ("steady cycle (median)", median), ("slowest steady cycle", slowest)):
                    print(f"      {label:22s} {wall:6.2f} s wall = {wall / INTERVAL_S:6.1%} of 30 s;"
                          f" {cpu:6.2f} s CPU = {cpu / INTERVAL_S:6.1%}")
                print(f"      steady cycle / its queries alone: {median[0] / alone[0]:.2f} wall, "
                      f"{median[1] / alone[1]:.2f} CPU")
            if not args.messages:
                return
            without, with_alerts = ingest_with_and_without_alerts(
                broker, stores["InfluxDB"], f"sqlite:///{workdir / 'registry-InfluxDB.db'}", args.messages, workdir,
                args.alerts_interval)
            print(f"(2) ingester into InfluxDB: {without:8,.0f} msg/s alone, {with_alerts:8,.0f} msg/s with the "
                  f"alerts service evaluating every {args.alerts_interval:g} s: ratio {with_alerts / without:.2f}")
        finally:
            broker.stop()
            influxd.stop()


if __name__ == "__main__":
    main()
