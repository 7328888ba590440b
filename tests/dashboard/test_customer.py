"""My tree in a real Chromium on a phone: camera, charts from the claim's dates only, no overflow, languages,
another tree never shown (URL or forged callback POSTs), a claim ending while the page is open, and the
camera going back to idle when the page is hidden or closed (on the device's cmd topic, real Mosquitto).

The dashboard and the relay sit behind one origin (tests/dashboard/front.py), as in production.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from tests.dashboard.conftest import DESKTOP, PHONE, RunningDashboard, log_in, screenshot
from tests.dashboard.customer_site import (
    FARM_TZ,
    Customers,
    add_customers,
    archive_middays,
    dash_post,
    end_claim,
)
from tests.dashboard.front import Front
from tests.mqtt_helpers import Collector, wait_until
from tests.streams.conftest import make_jpeg

CMD = "orchard/hill/hill-1/cmd"  # cam-17 is on device hill-1


@pytest.fixture(scope="module")
def customers(orchard) -> Customers:
    return add_customers(orchard)


@pytest.fixture(scope="module")
def site(orchard, customers, dash_broker, relay, devices) -> Iterator[Front]:
    """The dashboard (cameras at /cameras, as behind the proxy) and the relay on one origin, with frames."""
    dashboard = RunningDashboard(orchard, dash_broker.url("orchard-streams"), "/cameras").start()
    front = Front(dashboard.url, relay.url).start()
    for device, camera in (("hill-1", "cam-17"), ("hill-2", "cam-18")):
        devices.frame("hill", device, camera, make_jpeg(17 if camera == "cam-17" else 18, 640, 480))
    wait_until(lambda: relay.get("/healthz").json()["cameras"] >= 2, message="relay has both cameras' frames")
    for camera in ("cam-17", "cam-18"):
        archive_middays(orchard.workdir / "relay", camera, customers.now)
    yield front
    front.stop()
    dashboard.stop()


@pytest.fixture
def phone(chromium, site) -> Iterator:
    contexts = []

    def open_(locale: str = "en-GB", viewport: dict = PHONE):
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=site.url, is_mobile=True,
                                       has_touch=True) if viewport is PHONE else \
            chromium.new_context(viewport=viewport, locale=locale, base_url=site.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def camera_loaded(page) -> None:
    page.wait_for_function(
        "() => { const i = document.querySelector('#my-tree-camera img'); return i && i.naturalWidth > 0; }")


def overflowing(page) -> list[str]:
    """Every element whose box reaches past the screen's width (inside scrolling strips excepted)."""
    return page.evaluate("""() => {
        const width = document.documentElement.clientWidth;
        const scrolls = el => { for (let p = el.parentElement; p; p = p.parentElement) {
            const o = getComputedStyle(p).overflowX;
            if (o === 'auto' || o === 'scroll' || o === 'hidden') return true; }
            return false; };
        const out = [];
        for (const el of document.querySelectorAll('body *')) {
            const r = el.getBoundingClientRect();
            if (r.width === 0 || r.height === 0) continue;
            if (r.right <= 0) continue;  // parked off-screen on the left on purpose (Plotly's text measurer)
            if ((r.right > width + 0.5 || r.left < -0.5) && !scrolls(el))
                out.push(`${el.tagName}#${el.id}.${el.className} ${Math.round(r.left)}..${Math.round(r.right)}`);
        }
        if (document.documentElement.scrollWidth > width) out.push(`page ${document.documentElement.scrollWidth}`);
        return out; }""")


def chart_times(page, graph_id: str) -> list[float]:
    """The x values of every trace of a dcc.Graph, as the browser holds them."""
    return page.evaluate("""id => { const plot = document.querySelector('#' + id + ' .js-plotly-plot');
        return plot ? plot._fullData.flatMap(t => Array.from(t.x || [])).map(Number) : null; }""", graph_id)


def local(moment: datetime) -> float:
    """Epoch ms on the farm's wall clock, as the charts' x values are (dashboard/figures.py)."""
    offset = moment.astimezone(ZoneInfo(FARM_TZ)).utcoffset().total_seconds()
    return (moment.timestamp() + offset) * 1000


def test_a_customer_on_a_phone_sees_camera_charts_from_the_claim_and_nothing_overflows(phone, customers):
    page = phone()
    log_in(page, "eve")
    page.goto("/my-tree")
    camera_loaded(page)
    page.locator("#my-tree-soil .js-plotly-plot").wait_for()
    times = chart_times(page, "my-tree-soil") + chart_times(page, "my-tree-temp")
    assert times, "the charts hold no readings"
    # Readings go back 72 h; eve's claim on tree 18 began 24 h ago: not one point from before.
    assert min(times) >= local(customers.eve_start), (min(times), local(customers.eve_start))
    assert "Tree 18" in page.locator("#my-tree-card").inner_text()
    today = page.locator("#my-tree-today").inner_text()
    assert "°C" in today and "soil is" in today.lower(), today
    assert page.locator("#my-tree-days-left").inner_text() == "90 days left"
    # Several claims: switch to the one that has not started, and to the one that ended.
    chips = page.locator(".my-tree__chip")
    assert chips.count() == 3
    assert overflowing(page) == []
    screenshot(page, "customer-phone-en")
    page.locator(f"#my-tree-switch-{customers.claims['eve-19']}").click()
    page.locator("#my-tree-message[data-state=not_started]").wait_for()
    assert "10 days" in page.locator("#my-tree-message").inner_text()
    assert page.locator("#my-tree-camera").count() == 0
    page.locator(f"#my-tree-switch-{customers.claims['eve-17']}").click()
    page.locator("#my-tree-message[data-state=ended]").wait_for()
    assert overflowing(page) == []
    screenshot(page, "customer-phone-ended-en")


def test_a_chinese_phone_gets_chinese_and_the_switch_gives_english(phone):
    page = phone(locale="zh-CN")
    log_in(page, "ana")
    page.goto("/my-tree")
    camera_loaded(page)
    page.locator("#my-tree-soil .js-plotly-plot").wait_for()
    assert page.locator("#my-tree-card h2").inner_text() == "17 号树"
    assert "°C" in page.locator("#my-tree-today").inner_text()
    assert "实时画面" in page.inner_text("body")
    page.locator(".orchard-gallery img").first.wait_for()
    assert overflowing(page) == []
    screenshot(page, "customer-phone-zh-CN")
    page.click("#lang-en")
    page.locator("#my-tree-card h2", has_text="Tree 17").wait_for()
    assert "Live camera" in page.inner_text("body") and "实时画面" not in page.inner_text("body")


@pytest.mark.parametrize("locale, name", [("zh-CN", "customer-desktop-zh-CN"), ("en-GB", "customer-desktop-en")])
def test_desktop_screenshots(phone, locale, name):
    page = phone(locale=locale, viewport=DESKTOP)
    log_in(page, "ana")
    page.goto("/my-tree")
    camera_loaded(page)
    page.locator("#my-tree-temp .js-plotly-plot").wait_for()
    page.wait_for_function("() => document.querySelectorAll('.orchard-gallery img').length > 0")
    page.wait_for_function(
        "() => [...document.querySelectorAll('.orchard-gallery img')].every(i => i.naturalWidth > 0)")
    assert overflowing(page) == []
    screenshot(page, name)


def test_a_tree_that_has_sent_nothing_yet_gets_a_friendly_sentence_not_an_empty_chart(phone):
    page = phone(locale="zh-CN")
    log_in(page, "hal")
    page.goto("/my-tree")
    page.locator("#my-tree-message[data-state=no_data]").wait_for()
    assert "19 号树" in page.locator("#my-tree-message").inner_text()
    assert page.locator("#my-tree-card").count() == 1
    assert page.locator(".js-plotly-plot").count() == 0 and page.locator("#my-tree-camera").count() == 0
    assert overflowing(page) == []
    screenshot(page, "customer-phone-no-data-zh-CN")


def test_the_gallery_and_timelapse_hold_only_the_claims_dates(phone, customers):
    page = phone()
    log_in(page, "eve")
    page.goto("/my-tree")
    page.wait_for_function("() => document.querySelector('.orchard-gallery[data-count]')")
    shots = page.evaluate("() => [...document.querySelectorAll('.orchard-gallery img')].map(i => i.src)")
    start_ms = int(customers.eve_start.timestamp() * 1000)
    ids = [int(src.split("/snapshots/")[1].split(".jpg")[0]) for src in shots]
    assert ids and all(ms >= start_ms for ms in ids) and all("/cam-18/" in src for src in shots), shots
    video = page.locator("#my-tree-timelapse").get_attribute("src")
    answer = page.evaluate("src => fetch(src).then(r => [r.status, r.headers.get('content-type')])", video)
    assert answer == [200, "video/mp4"], answer


def test_another_customers_tree_is_not_shown_by_url(phone, customers):
    page = phone()
    log_in(page, "ana")
    page.goto(f"/my-tree?claim={customers.claims['cy']}")
    camera_loaded(page)
    page.locator("#my-tree-card").wait_for()
    assert "Tree 17" in page.locator("#my-tree-card").inner_text()
    html = page.content()
    assert "cam-18" not in html and "Tree 18" not in html


def test_forged_callback_posts_get_nothing_of_another_tree(site, customers, orchard):
    import httpx

    from tests.world import PASSWORD

    client = httpx.Client(base_url=site.url, timeout=30)
    assert client.post("/auth/login", data={"username": "ana", "password": PASSWORD, "next": "/"}).status_code == 303
    theirs = {"claim": customers.claims["cy"], "state": "in_force"}
    status, body = dash_post(client, [("my-tree-body", "children"), ("my-tree-claim", "data")],
                             [("my-tree-watch", "n_intervals", 1)], [("my-tree-claim", "data", theirs)])
    assert status == 200 and "cam-18" not in body and "Tree 18" not in body
    assert "ended_or_missing" in body  # the friendly "not one of your trees" state
    status, body = dash_post(client, [("my-tree-camera", "data-mjpeg"), ("my-tree-camera", "data-latest")],
                             [("my-tree-camera-tick", "n_intervals", 1)], [("my-tree-claim", "data", theirs)])
    assert status == 204 and "cam-18" not in body
    readings = [("my-tree-soil", "extendData"), ("my-tree-temp", "extendData"), ("my-tree-today", "children"),
                ("my-tree-days-left", "children"), ("my-tree-cursor", "data")]
    status, body = dash_post(client, readings, [("my-tree-tick", "n_intervals", 1)],
                             [("my-tree-claim", "data", theirs),
                              ("my-tree-cursor", "data", {"until": 0, "bucket": 60000})])
    assert status == 204, body
    # Eve's own claim (began 24 h ago, readings go back 72 h) with a cursor at the epoch: nothing from before.
    eve = httpx.Client(base_url=site.url, timeout=30)
    assert eve.post("/auth/login", data={"username": "eve", "password": PASSWORD, "next": "/"}).status_code == 303
    hers = {"claim": customers.claims["eve-18"], "state": "in_force"}
    status, body = dash_post(eve, readings, [("my-tree-tick", "n_intervals", 1)],
                             [("my-tree-claim", "data", hers),
                              ("my-tree-cursor", "data", {"until": 0, "bucket": 3_600_000})])
    assert status == 200, body
    soil = json.loads(body)["response"]["my-tree-soil"]["extendData"]
    assert soil and min(x for xs in soil[0]["x"] for x in xs) >= local(customers.eve_start)
    # Pattern-matching ids naming another tree, on outputs no callback has: refused, nothing of tree 18.
    for forged in ({"type": "tree-tile", "tree": orchard.trees["18"]},
                   {"type": "my-tree", "claim": customers.claims["cy"]}):
        status, body = dash_post(client, [(forged, "children")], [(forged, "n_clicks", 1)])
        assert status >= 400 and "cam-18" not in body and "Hillside" not in body, (status, body[:200])


def test_a_claim_that_ends_while_the_page_is_open_shows_the_ended_state(phone, customers, orchard):
    page = phone()
    log_in(page, "fay")
    page.goto("/my-tree")
    camera_loaded(page)
    end_claim(orchard, customers.claims["fay"])
    page.locator("#my-tree-message[data-state=ended]").wait_for(timeout=70_000)
    assert page.locator("#my-tree-camera").count() == 0
    assert page.locator("#my-tree-soil").count() == 0


def live_modes(collector: Collector, quiet_s: float = 0.5) -> list[str]:
    return [json.loads(payload)["mode"] for _, payload in collector.drain(quiet_s)]


def wait_for_mode(collector: Collector, mode: str, timeout: float = 20.0) -> None:
    seen: list[str] = []

    def told() -> bool:
        seen.extend(live_modes(collector, 0.2))
        return mode in seen

    try:
        wait_until(told, timeout=timeout, message=f"the device to be told {mode!r}")
    except AssertionError as error:
        raise AssertionError(f"{error}; it was told {seen}") from None


def hide(page, hidden: bool) -> None:
    """The phone locks or the customer switches apps: the page is hidden (and shown again)."""
    page.evaluate("""hidden => {
        Object.defineProperty(document, 'visibilityState',
                              {configurable: true, get: () => hidden ? 'hidden' : 'visible'});
        Object.defineProperty(document, 'hidden', {configurable: true, get: () => hidden});
        document.dispatchEvent(new Event('visibilitychange')); }""", hidden)


@pytest.mark.parametrize("mode", ["mjpeg", "poll"])
def test_hiding_or_closing_the_page_sends_the_camera_back_to_idle(phone, dash_broker, mode):
    collector = Collector(dash_broker.url("orchard-simulator"), CMD)
    try:
        page = phone()
        log_in(page, "ana")
        page.goto(f"/my-tree?camera={mode}")
        camera_loaded(page)
        assert page.locator("#my-tree-camera").get_attribute("data-mode") == mode
        wait_for_mode(collector, "live")
        hide(page, True)
        wait_for_mode(collector, "idle", timeout=30)
        assert page.locator("#my-tree-camera").get_attribute("data-state") == "paused"
        hide(page, False)
        wait_for_mode(collector, "live")
        page.close()
        wait_for_mode(collector, "idle", timeout=30)
    finally:
        collector.close()


def test_the_first_page_a_fresh_dashboard_serves_carries_the_scripts_and_styles(orchard, dash_broker):
    """A customer's link opened first after a restart: without assets/camera.js there would be no camera."""
    import httpx

    fresh = RunningDashboard(orchard, dash_broker.url("orchard-streams"), "/cameras").start()
    try:
        page = httpx.get(f"{fresh.url}/my-tree", timeout=30)
        assert page.status_code == 200
        for asset in ("camera.js", "gallery.js", "customer.css"):
            assert f"/assets/{asset}" in page.text, asset
    finally:
        fresh.stop()


TOKEN_TTL_S = 900  # dashboard/README.md: camera tokens live 15 minutes


def _links_with_tokens(page) -> list[str]:
    """Every attribute value on the page that carries a camera token (URLs, and the gallery's data-token)."""
    return page.evaluate("""() => [...document.querySelectorAll('*')].flatMap(el => [...el.attributes]
        .filter(a => a.value.includes('token=') || a.name === 'data-token')
        .map(a => a.name === 'data-token' ? 'data-token?token=' + a.value : a.value))""")


def _expiries(links: list[str]) -> dict[str, float]:
    """Seconds until each link's token expires, checked with the dashboard's secret."""
    import re

    import jwt

    from orchard.auth.camera_tokens import CAMERA_AUDIENCE
    from tests.dashboard.conftest import SECRET

    left = {}
    for link in links:
        for token in re.findall(r"token=([A-Za-z0-9_.\-]+)", link):
            claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience=CAMERA_AUDIENCE)
            left[link] = claims["exp"] - time.time()
    return left


def test_every_camera_link_on_my_tree_expires_within_15_minutes_and_is_refreshed(phone, customers):
    """The live camera, the timelapse and the gallery share one 15-minute token, renewed while the page is open."""
    page = phone()
    log_in(page, "eve")
    page.clock.install()  # lets the test move the page's timers on by five minutes
    page.goto("/my-tree")
    page.wait_for_function("() => document.querySelector('.orchard-gallery[data-count]')")
    links = _links_with_tokens(page)
    for kind in ("timelapse.mp4", "/snapshots?", "data-token", "latest.jpg"):
        assert any(kind in link for link in links), (kind, links)
    left = _expiries(links)
    assert left and max(left.values()) <= TOKEN_TTL_S + 5, left
    before = (page.get_attribute("#my-tree-timelapse", "data-src"),
              page.get_attribute("#my-tree-gallery", "data-token"))
    time.sleep(1.1)  # a token minted in another second differs from the first
    page.clock.run_for(301_000)  # the camera tick: fresh links for the camera, the video and the gallery
    page.wait_for_function("""([src, token]) => document.querySelector('#my-tree-timelapse').dataset.src !== src
        && document.querySelector('#my-tree-gallery').dataset.token !== token""", arg=list(before))
    page.wait_for_function("""() => { const g = document.querySelector('#my-tree-gallery');
        const imgs = [...g.querySelectorAll('img')];
        return imgs.length > 0 && imgs.every(i => i.naturalWidth > 0)
            && [...g.querySelectorAll('a')].every(a => a.href.includes(g.dataset.token)); }""")
    video = page.get_attribute("#my-tree-timelapse", "src")
    assert video == page.get_attribute("#my-tree-timelapse", "data-src") and video != before[0]
    answer = page.evaluate("src => fetch(src).then(r => [r.status, r.headers.get('content-type')])", video)
    assert answer == [200, "video/mp4"], answer
    fresh = _expiries(_links_with_tokens(page))
    assert max(fresh.values()) <= TOKEN_TTL_S + 5, fresh
