"""The customer's first load of "My tree" on a phone, in Chromium on loopback.

Figures, each against a baseline measured in the same run through the same server:
  (1) bytes transferred (as sent, i.e. compressed) until the page has settled, the live
      stream counted up to its first painted frame;
  (2) time from navigation to the camera image painted (naturalWidth > 0 in an animation frame).
Baseline: a bare HTML page holding one <img> of the same camera's latest.jpg, served by the
same front (dashboard and relay on one origin, as behind the production proxy).

Run: python -m bench.dashboard_first_load [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from starlette.responses import HTMLResponse

from bench.streams import make_frames
from orchard.auth import mint_camera_token
from orchard.settings import Settings
from tests.dashboard.conftest import PHONE, RunningDashboard, build_orchard
from tests.dashboard.customer_site import archive_middays
from tests.dashboard.front import Front
from tests.mqtt_helpers import wait_until
from tests.services import Mosquitto
from tests.streams.conftest import RunningRelay
from tests.world import PASSWORD

SECRET = "dashboard-test-secret-" + "d" * 32  # the secret tests/dashboard/conftest.py's dashboard signs with
CHROMIUM = "/usr/bin/chromium"
BASELINE = "/bench-baseline"

# Painted: the image has pixels in an animation frame; ms since navigation start.
PAINT_WATCH = """
(() => { const started = performance.now(); window.__painted = null;
  const look = () => { const img = document.querySelector(%r);
    if (img && img.naturalWidth > 0) { window.__painted = performance.now(); return; }
    requestAnimationFrame(look); };
  requestAnimationFrame(look); })();
"""


def registry_template(workdir: Path) -> Path:
    from orchard.registry.migrate import upgrade

    path = workdir / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


class Transfer:
    """Bytes on the wire per request, from Chromium's own network events (CDP)."""

    def __init__(self, cdp) -> None:
        self.received: dict[str, int] = {}
        self.finished: dict[str, int] = {}
        self.urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: self.urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.dataReceived", lambda e: self.received.__setitem__(
            e["requestId"], self.received.get(e["requestId"], 0) + e["encodedDataLength"]))
        cdp.on("Network.loadingFinished", lambda e: self.finished.__setitem__(e["requestId"], e["encodedDataLength"]))
        cdp.send("Network.enable")

    def sizes(self, first_paint_bytes: int) -> dict[str, int]:
        """Bytes per URL; the endless live stream only as far as its first painted frame."""
        found = {}
        for request_id, address in self.urls.items():
            size = max(self.finished.get(request_id, 0), self.received.get(request_id, 0))
            # Chromium reports a multipart image's bytes late or not at all: count what its first paint needs.
            found[address] = first_paint_bytes if "stream.mjpg" in address else size
        return found


def load(context, path: str, image: str, settle_s: float, detail: bool, first_paint_bytes: int) -> tuple[int, float]:
    """(bytes, ms to the camera painted) for one load of `path` in `context` (its cache as it is)."""
    page = context.new_page()
    try:
        page.add_init_script(PAINT_WATCH % image)
        transfer = Transfer(context.new_cdp_session(page))
        page.goto(path, wait_until="commit")
        page.wait_for_function("() => window.__painted !== null", timeout=60_000)
        painted = page.evaluate("() => window.__painted")
        # Charts, gallery and the rest arrive meanwhile. Playwright's sync API hands over CDP events only
        # while it waits, so wait through it, not time.sleep.
        page.wait_for_timeout(settle_s * 1000)
        sizes = transfer.sizes(first_paint_bytes)
        if detail:
            for address, size in sorted(sizes.items(), key=lambda item: -item[1])[:10]:
                print(f"    {size / 1024:7.1f} KB  {address.split('?')[0][-70:]}")
        return sum(sizes.values()), painted
    finally:
        page.close()


def measure(browser, url: str, path: str, image: str, frame_bytes: int, settle_s: float = 1.5,
            detail: bool = False) -> tuple[tuple[int, float], tuple[int, float]]:
    """A logged-in phone's first visit (empty cache) and its second (scripts cached): (bytes, ms) each."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, base_url=url, locale="zh-CN")
    try:
        answer = context.request.post("/auth/login", form={"username": "ana", "password": PASSWORD, "next": "/"},
                                      max_redirects=0)
        assert answer.status == 303, answer.status
        # The relay sends a stream's first frame twice (Chromium paints a part when the next begins).
        first_paint_bytes = 2 * (frame_bytes + 200)
        return (load(context, path, image, settle_s, detail, first_paint_bytes),
                load(context, path, image, settle_s, False, first_paint_bytes))
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--detail", action="store_true", help="print the largest transfers of one load")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="orchard-bench-dash-") as tmp:
        workdir = Path(tmp)
        orchard = build_orchard(workdir, registry_template(workdir), f"sqlite:///{workdir / 'readings.db'}",
                                stale_device=None)
        broker = Mosquitto(workdir / "mosquitto")
        broker.start()
        relay = dashboard = front = None
        try:
            settings = Settings.load({"ORCHARD_MQTT_URL": broker.url("orchard-streams"), "ORCHARD_SECRET_KEY": SECRET,
                                      "ORCHARD_DATA_DIR": str(workdir / "relay"), "ORCHARD_DB_URL": orchard.db_url})
            relay = RunningRelay(settings).start()
            dashboard = RunningDashboard(orchard, broker.url("orchard-streams"), "/cameras").start()
            front = Front(dashboard.url, relay.url)
            front.add_page(BASELINE, lambda request: HTMLResponse(
                '<!doctype html><meta name="viewport" content="width=device-width">'
                f'<img id="still" src="/cameras/cam-17/latest.jpg?token={request.query_params["token"]}">'))
            front.start()
            from tests.dashboard.conftest import Devices

            devices = Devices(broker)
            frame = make_frames(1, target_kb=80)[0]  # a camera's frame as the streams bench makes them
            devices.frame("hill", "hill-1", "cam-17", frame)
            wait_until(lambda: relay.get("/healthz").json()["cameras"] >= 1, message="a frame at the relay")
            archive_middays(workdir / "relay", "cam-17", orchard.world.now)
            token = mint_camera_token(SECRET, ["cam-17"], 3600)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
                # The first load warms both servers up (and prints the largest transfers with --detail).
                measure(browser, front.url, "/my-tree", "#my-tree-camera img", len(frame), detail=args.detail)
                page_runs = [measure(browser, front.url, "/my-tree", "#my-tree-camera img", len(frame))
                             for _ in range(args.runs)]
                base_runs = [measure(browser, front.url, f"{BASELINE}?token={token}", "#still", len(frame))
                             for _ in range(args.runs)]
                browser.close()
        finally:
            for server in (front, dashboard, relay):
                if server is not None:
                    server.stop()
            broker.stop()
    print(f"customer page load, phone 390x844, Chromium, loopback, median of {args.runs}; "
          f"camera frame {len(frame) / 1024:.0f} KB (1280x720)")
    for visit, name in ((0, "first visit (empty cache)"), (1, "second visit (scripts cached)")):
        page_bytes = statistics.median(run[visit][0] for run in page_runs)
        base_bytes = statistics.median(run[visit][0] for run in base_runs)
        page_ms = statistics.median(run[visit][1] for run in page_runs)
        base_ms = statistics.median(run[visit][1] for run in base_runs)
        print(f"  {name}:")
        print(f"    (1) bytes transferred: {page_bytes / 1024:.0f} KB vs baseline {base_bytes / 1024:.0f} KB "
              f"= {page_bytes / base_bytes:.1f}x")
        print(f"    (2) camera painted after: {page_ms:.0f} ms vs baseline {base_ms:.0f} ms = {page_ms / base_ms:.1f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
