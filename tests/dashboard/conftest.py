"""A running dashboard over a real registry, store, broker and camera relay, and a real Chromium.

The orchard is tests/world.py's (farm "hill": trees 17 and 18 with devices hill-1 and
hill-2 and cameras cam-17 and cam-18; farm "valley": tree 5) plus a free tree 19 on
"hill". The dashboard runs as its own process (`python -m dashboard`: Dash keeps
callbacks in global registries, one app per process); the relay (streams/) runs in
this process, as its own tests run it. Screenshots go to test-output/screenshots/.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from orchard.mqtt import make_client
from orchard.readings import Reading
from orchard.registry import orchards
from orchard.registry.db import session_factory
from orchard.settings import Settings
from orchard.store import open_store
from tests.conftest import running
from tests.dashboard.care_site import add_care_log
from tests.orchard.registry.conftest import sqlite_template  # noqa: F401  (fixture)
from tests.services import REPO, Mosquitto, free_port, require, wait_for_port
from tests.world import PASSWORD, World, build_world

SECRET = "dashboard-test-secret-" + "d" * 32
SCREENSHOTS = REPO / "test-output" / "screenshots"
CHROMIUM = "/usr/bin/chromium"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1366, "height": 900}
# What the test orchard's readings look like: (metric, base value) per device.
METRICS = {"air_temp_c": 18.0, "air_humidity_pct": 65.0, "soil_moisture_pct": 31.0, "soil_temp_c": 14.0,
           "battery_v": 3.9, "rssi_dbm": -71.0}
HISTORY_H = 72
STEP_MS = 300_000


@dataclass
class Orchard:
    """The registry and store a dashboard serves, with the ids of what is in them."""

    workdir: Path
    db_url: str
    store_url: str
    world: World
    trees: dict[str, int] = field(default_factory=dict)   # label -> id, the free tree 19 included
    now_ms: int = 0
    care: dict[str, int] = field(default_factory=dict)    # care-log entries by name (tests/dashboard/care_site.py)


def build_orchard(workdir: Path, template: Path, store_url: str, *, stale_device: str | None = "hill-2") -> Orchard:
    """tests/world.py's cooperative plus a free tree, and HISTORY_H hours of readings per device."""
    shutil.copyfile(template, workdir / "registry.db")
    db_url = f"sqlite:///{workdir / 'registry.db'}"
    sessions = session_factory(db_url)
    world = build_world(sessions)
    with sessions.begin() as s:
        plot = orchards.find_tree(s, "hill", "17").plot_id
        free = orchards.create_tree(s, "hill", "19", plot_id=plot, variety="Honeycrisp")
        s.flush()
        trees = {**world.trees, "19": free.id}
    care = add_care_log(sessions, trees)
    sessions.kw["bind"].dispose()
    orchard = Orchard(workdir, db_url, store_url, world, trees, now_ms=int(time.time() * 1000), care=care)
    write_history(orchard, stale_device=stale_device)
    return orchard


def write_history(orchard: Orchard, *, stale_device: str | None) -> None:
    """Readings every 5 minutes for HISTORY_H hours; the stale device stopped sending 3 hours ago."""
    places = {"hill-1": ("hill", "17"), "hill-2": ("hill", "18"), "valley-1": ("valley", "5")}
    readings = []
    with open_store(orchard.store_url) as store:
        for device, (farm, label) in places.items():
            tags = {"farm": farm, "device": device, "tree": str(orchard.trees[label])}
            if label != "5":
                tags["plot"] = str(_plot_of(orchard, label))
            end = orchard.now_ms - (3 * 3_600_000 if device == stale_device else 60_000)
            for ts in range(orchard.now_ms - HISTORY_H * 3_600_000, end, STEP_MS):
                phase = (ts // STEP_MS) % 288 / 288
                for metric, base in METRICS.items():
                    readings.append(Reading(metric, round(base + 0.15 * abs(base) * _wave(phase), 3), ts, tags))
            store.write(readings)
            readings = []


def _wave(phase: float) -> float:
    import math

    return math.sin(2 * math.pi * phase)


def _plot_of(orchard: Orchard, label: str) -> int:
    sessions = session_factory(orchard.db_url)
    try:
        with sessions() as s:
            return orchards.find_tree(s, "hill", label).plot_id
    finally:
        sessions.kw["bind"].dispose()


class RunningDashboard:
    """`python -m dashboard` on a free port, over an orchard."""

    def __init__(self, orchard: Orchard, mqtt_url: str, cameras_url: str) -> None:
        self.orchard = orchard
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
            "ORCHARD_DB_URL": orchard.db_url,
            "ORCHARD_STORE_URL": orchard.store_url,
            "ORCHARD_SECRET_KEY": SECRET,
            "ORCHARD_DATA_DIR": str(orchard.workdir / "data"),
            "ORCHARD_MQTT_URL": mqtt_url,
            "ORCHARD_CAMERAS_URL": cameras_url,
            "ORCHARD_LOG_LEVEL": "WARNING",
        }
        self.process: subprocess.Popen | None = None
        self.log = orchard.workdir / "dashboard.log"

    def start(self) -> RunningDashboard:
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "dashboard", "--port", str(self.port)],
                                            cwd=REPO, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        wait_for_port(self.port, timeout=60, process=self.process)
        return self

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:]) if self.log.exists() else ""

    def client(self, username: str | None = None) -> httpx.Client:
        """An HTTP client, logged in through the dashboard's own login form when `username` is given."""
        client = httpx.Client(base_url=self.url, timeout=30)
        if username:
            response = client.post("/auth/login", data={"username": username, "password": PASSWORD, "next": "/"})
            assert response.status_code == 303 and "orchard_session" in client.cookies, response.text
        return client


@pytest.fixture(scope="module")
def dash_broker(tmp_path_factory) -> Iterator[Mosquitto]:
    """Mosquitto for a module's dashboard: device statuses and camera frames go through it."""
    yield from running(Mosquitto(tmp_path_factory.mktemp("dash-mosquitto")))


@pytest.fixture(scope="module")
def orchard(sqlite_template, tmp_path_factory) -> Orchard:
    """The test orchard with its readings in an SQLite store."""
    workdir = tmp_path_factory.mktemp("dash-orchard")
    return build_orchard(workdir, sqlite_template, f"sqlite:///{workdir / 'readings.db'}")


@pytest.fixture(scope="module")
def relay(orchard, dash_broker) -> Iterator:
    """The camera relay (streams/) over the same registry and secret, as behind the production proxy."""
    from tests.streams.conftest import RunningRelay

    settings = Settings.load({"ORCHARD_MQTT_URL": dash_broker.url("orchard-streams"), "ORCHARD_SECRET_KEY": SECRET,
                              "ORCHARD_DATA_DIR": str(orchard.workdir / "relay"), "ORCHARD_DB_URL": orchard.db_url})
    relay = RunningRelay(settings).start()
    yield relay
    relay.stop()


@pytest.fixture(scope="module")
def dashboard(orchard, dash_broker, relay) -> Iterator[RunningDashboard]:
    require("chromium")
    server = RunningDashboard(orchard, dash_broker.url("orchard-dashboard"), f"{relay.url}/cameras").start()
    yield server
    server.stop()


class Devices:
    """Field units as the broker sees them: retained status, a last will, camera frames."""

    def __init__(self, broker: Mosquitto) -> None:
        self.broker = broker
        self.clients = {}

    def online(self, farm: str, device: str) -> None:
        """A unit that connects with its last will set and says it is online."""
        topic = f"orchard/{farm}/{device}/status"
        client, address = make_client(self.broker.url("orchard-simulator"), f"test-{device}")
        client.will_set(topic, b'{"state": "offline"}', qos=1, retain=True)
        client.connect(address.host, address.port, keepalive=2)
        client.loop_start()
        client.publish(topic, b'{"state": "online", "agent": "0.1.0"}', qos=1, retain=True).wait_for_publish(10)
        self.clients[device] = client

    def pull_the_plug(self, device: str) -> None:
        """The unit loses power: its socket closes without a goodbye, so the broker sends its will."""
        client = self.clients.pop(device)
        client.loop_stop()
        client.socket().close()

    def frame(self, farm: str, device: str, camera: str, jpeg: bytes) -> None:
        client, address = make_client(self.broker.url("orchard-simulator"))
        client.connect(address.host, address.port)
        client.loop_start()
        client.publish(f"orchard/{farm}/{device}/camera/{camera}/jpeg", jpeg, qos=1).wait_for_publish(10)
        client.disconnect()
        client.loop_stop()

    def close(self) -> None:
        for client in self.clients.values():
            client.disconnect()
            client.loop_stop()


@pytest.fixture(scope="module")
def devices(dash_broker) -> Iterator[Devices]:
    units = Devices(dash_broker)
    yield units
    units.close()


# Package scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is started, and later packages' asyncio.run() calls fail beside it.
@pytest.fixture(scope="package")
def chromium() -> Iterator:
    """Debian's Chromium driven by Playwright (no browser is downloaded)."""
    require("chromium")
    from playwright.sync_api import sync_playwright

    playwright = sync_playwright().start()
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
    yield browser
    browser.close()
    playwright.stop()


@pytest.fixture
def open_page(chromium, dashboard) -> Iterator:
    """Open a fresh browser context (viewport, locale) on the dashboard: `open_page(viewport=PHONE, locale=...)`."""
    contexts = []

    def open_(viewport: dict = DESKTOP, locale: str = "en-GB"):
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=dashboard.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def log_in(page, username: str, password: str = PASSWORD, *, here: bool = False) -> None:
    """Log in through the login page as a person would (`here`: the page already shows it), and wait."""
    if not here:
        page.goto("/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def screenshot(page, name: str) -> Path:
    """Save what the page shows now under test-output/screenshots/<name>.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def call_callback(client: httpx.Client, outputs: list[tuple], inputs: list[tuple], state: list[tuple] = (),
                  changed: list[str] | None = None) -> httpx.Response:
    """POST one callback as the Dash renderer does: outputs/inputs/state as (id, property[, value]).

    The callback's output key comes from /_dash-dependencies (it carries an @hash for
    outputs that several callbacks share).
    """
    wanted = [f"{_key(c)}.{p}" for c, p in outputs]
    output = next((dep["output"] for dep in client.get("/_dash-dependencies").json()
                   if _strip_hashes(dep["output"]) == _strip_hashes("...".join(wanted))
                   or _strip_hashes(dep["output"]) == _strip_hashes(f"..{'...'.join(wanted)}..")), None)
    assert output is not None, f"no callback has the outputs {wanted}"
    body = {
        "output": output,
        "outputs": [{"id": c, "property": p} for c, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": c, "property": p, "value": v} for c, p, v in inputs],
        "state": [{"id": c, "property": p, "value": v} for c, p, v in state],
        "changedPropIds": changed if changed is not None else [f"{_key(c)}.{p}" for c, p, _ in inputs[:1]],
    }
    return client.post("/_dash-update-component", json=body)


def _key(component) -> str:
    import json

    return json.dumps(component, sort_keys=True, separators=(",", ":")) if isinstance(component, dict) else component


def _strip_hashes(output: str) -> str:
    import re

    return re.sub(r"@[0-9a-f]+", "", output)
