"""API benchmark on this machine: `python -m api` under uvicorn in its own process, local clients.

  (1) `/api/me` latency (p50, p90) for a logged-in user, quiet, then while 40 concurrent
      wrong logins with random names (and random client addresses, through a trusted
      proxy header) hammer `/api/login`; the ratio flood/quiet, target p90 <= 3x.
      Also the server's resident memory before and after the flood.
  (2) login time for an unknown name, a wrong password, a deactivated account and an
      account without a password: the ratios to a wrong password, target ~1
      (timing must not tell them apart).

Run: python -m bench.api [--seconds 15 --flood 40]
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import multiprocessing.queues
import os
import random
import statistics
import string
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import httpx
import psutil

from orchard.registry import people
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.settings import Settings
from tests.services import free_port, wait_for_port

SECRET = "bench-secret-" + "x" * 40
PASSWORD = "bench password, long enough"


def build_registry(db_url: str) -> None:
    upgrade(db_url)
    sessions = session_factory(db_url)
    with sessions.begin() as session:
        people.create_user(session, "watcher", "customer", password=PASSWORD)
        people.create_user(session, "wrongpw", "customer", password=PASSWORD)
        people.create_user(session, "gone", "customer", password=PASSWORD).active = False
        people.create_user(session, "nopass", "customer")
    sessions.kw["bind"].dispose()


def start_api(workdir: Path) -> tuple[subprocess.Popen, str]:
    db_url = f"sqlite:///{workdir / 'registry.db'}"
    build_registry(db_url)
    port = free_port()
    env = {**os.environ, "ORCHARD_DATA_DIR": str(workdir), "ORCHARD_DB_URL": db_url,
           "ORCHARD_SECRET_KEY": SECRET, "ORCHARD_LOG_LEVEL": "WARNING"}
    if "trusted_proxies" in Settings.model_fields:  # the bench plays the proxy, so each guess has its own address
        env["ORCHARD_TRUSTED_PROXIES"] = "127.0.0.1"
    process = subprocess.Popen([sys.executable, "-m", "api", "--port", str(port)], env=env, cwd=workdir)
    wait_for_port(port, timeout=30)
    return process, f"http://127.0.0.1:{port}"


def random_address() -> str:
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


def sample_me(client: httpx.Client, seconds: float, most: int) -> list[float]:
    """Latencies (s) of sequential GET /api/me for `seconds` or `most` requests."""
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and len(latencies) < most:
        started = time.perf_counter()
        response = client.get("/api/me")
        latencies.append(time.perf_counter() - started)
        assert response.status_code == 200, response.text
    return latencies


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1] if len(values) > 1 else values[0]


class Flood:
    """`workers` tasks posting wrong logins with random names as fast as answers come back.

    In a process of its own, so that its client work does not hold this process's GIL while /api/me is timed.
    """

    def __init__(self, url: str, workers: int) -> None:
        self.url, self.workers = url, workers
        self.statuses: Counter[int | str] = Counter()
        context = multiprocessing.get_context("spawn")
        self.stop = context.Event()
        self.results: multiprocessing.queues.Queue = context.Queue()
        self.process = context.Process(target=_flood, args=(url, workers, self.stop, self.results), daemon=True)

    def __enter__(self) -> Flood:
        self.process.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        self.statuses.update(self.results.get(timeout=120))
        self.process.join(timeout=30)


def _flood(url: str, workers: int, stop, results) -> None:
    statuses: Counter[int | str] = Counter()

    async def guess(client: httpx.AsyncClient) -> None:
        while not stop.is_set():
            name = "".join(random.choices(string.ascii_lowercase, k=10))
            try:
                response = await client.post("/api/login", json={"username": name, "password": "guess"},
                                             headers={"X-Forwarded-For": random_address()})
                statuses[response.status_code] += 1
            except httpx.HTTPError as exc:
                statuses[type(exc).__name__] += 1

    async def run() -> None:
        limits = httpx.Limits(max_connections=workers)
        async with httpx.AsyncClient(base_url=url, timeout=60, limits=limits) as client:
            await asyncio.gather(*(guess(client) for _ in range(workers)))

    asyncio.run(run())
    results.put(dict(statuses))


def login_times(url: str, kinds: dict[str, tuple[str, str]], rounds: int) -> dict[str, float]:
    """Median seconds of a login attempt per kind, interleaved so the machine's load drifts alike for all.

    Each attempt comes from a new address, so the throttle stays out of it.
    """
    spent: dict[str, list[float]] = {kind: [] for kind in kinds}
    with httpx.Client(base_url=url, timeout=60) as client:
        for _ in range(rounds):
            for kind, (username, password) in kinds.items():
                started = time.perf_counter()
                client.post("/api/login", json={"username": username, "password": password},
                            headers={"X-Forwarded-For": random_address()})
                spent[kind].append(time.perf_counter() - started)
    return {kind: statistics.median(times) for kind, times in spent.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=15.0, help="how long each /api/me sample runs")
    parser.add_argument("--flood", type=int, default=40, help="concurrent wrong logins")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-api-") as tmp:
        process, url = start_api(Path(tmp))
        server = psutil.Process(process.pid)
        try:
            with httpx.Client(base_url=url, timeout=120) as client:
                assert client.post("/api/login", json={"username": "watcher", "password": PASSWORD}).status_code == 200
                sample_me(client, 2, 50)  # warm up
                quiet = sample_me(client, args.seconds, 300)
                rss_before = server.memory_info().rss
                cpu_before = sum(server.cpu_times()[:2])
                with Flood(url, args.flood) as flood:
                    time.sleep(5)  # the flood process starts, then builds up
                    loud = sample_me(client, args.seconds, 300)
                    rss_peak = server.memory_info().rss
                    cpu_spent = sum(server.cpu_times()[:2]) - cpu_before
                rss_after = server.memory_info().rss
            print(f"(1) /api/me, logged in: quiet p50 {quantile(quiet, .5) * 1e3:.1f} ms "
                  f"p90 {quantile(quiet, .9) * 1e3:.1f} ms ({len(quiet)} requests)")
            print(f"    with {args.flood} concurrent wrong logins: p50 {quantile(loud, .5) * 1e3:.1f} ms "
                  f"p90 {quantile(loud, .9) * 1e3:.1f} ms ({len(loud)} requests)")
            print(f"    ratio flood/quiet: p50 {quantile(loud, .5) / quantile(quiet, .5):.2f}x, "
                  f"p90 {quantile(loud, .9) / quantile(quiet, .9):.2f}x (target p90 <= 3x)")
            print(f"    login answers during the flood: {dict(sorted(flood.statuses.items(), key=str))}")
            print(f"    server CPU while /api/me was timed under the flood: {cpu_spent:.1f} s "
                  "(password checks, refusals and /api/me together)")
            print(f"    server memory: {rss_before / 2**20:.0f} MB before, {rss_peak / 2**20:.0f} MB during, "
                  f"{rss_after / 2**20:.0f} MB after")
            time.sleep(2)
            times = login_times(url, {"wrong password": ("wrongpw", "not it"), "unknown name": ("nobody-here", "x"),
                                      "deactivated": ("gone", PASSWORD), "no password": ("nopass", "x")}, 15)
            base = times.pop("wrong password")
            print(f"(2) login, wrong password: {base * 1e3:.1f} ms (baseline)")
            for label, spent in times.items():
                print(f"    {label}: {spent * 1e3:.1f} ms, ratio {spent / base:.2f} (target ~1)")
        finally:
            process.terminate()
            process.wait(timeout=30)


if __name__ == "__main__":
    main()
