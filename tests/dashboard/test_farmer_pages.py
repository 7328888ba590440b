"""The farmer's other pages in Chromium: devices, the camera wall with images that load, claims."""

from __future__ import annotations

import time

from tests.dashboard.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.streams.conftest import make_jpeg


def test_device_health_table(open_page, devices):
    devices.online("hill", "hill-1")
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/devices")
    row = page.locator("tr[data-health]").first
    row.wait_for()
    rows = {r.locator("td").first.inner_text(): r for r in page.locator("tr[data-health]").all()}
    assert set(rows) == {"hill-1", "hill-2"}  # not the valley's device
    deadline = time.monotonic() + 40
    while rows["hill-1"].get_attribute("data-health") != "online" and time.monotonic() < deadline:
        time.sleep(2)
        page.reload()
        page.locator("tr[data-health]").first.wait_for()
        rows = {r.locator("td").first.inner_text(): r for r in page.locator("tr[data-health]").all()}
    assert rows["hill-1"].get_attribute("data-health") == "online"
    text = rows["hill-1"].inner_text()
    assert " V" in text and "dBm" in text and "min ago" in text or "just now" in text
    screenshot(page, "farmer-devices-desktop-en")


def wait_for_images(page, count: int, timeout_s: float = 30) -> list[int]:
    deadline = time.monotonic() + timeout_s
    widths: list[int] = []
    while time.monotonic() < deadline:
        widths = page.evaluate("[...document.querySelectorAll('img.orchard-wall-img')].map(i => i.naturalWidth)")
        if len(widths) == count and all(w > 0 for w in widths):
            return widths
        time.sleep(0.5)
    raise AssertionError(f"camera images did not load: natural widths {widths}")


def test_camera_wall_images_load_and_open_live(open_page, devices, relay):
    devices.frame("hill", "hill-1", "cam-17", make_jpeg(17, 640, 360))
    devices.frame("hill", "hill-2", "cam-18", make_jpeg(18, 640, 360))
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/camera-wall")
    page.locator("img.orchard-wall-img").first.wait_for()
    assert wait_for_images(page, 2) == [640, 640]
    cameras = page.evaluate("[...document.querySelectorAll('img.orchard-wall-img')].map(i => i.dataset.camera)")
    assert cameras == ["cam-17", "cam-18"]  # the valley's cam-v is not on this farmer's wall
    screenshot(page, "farmer-cameras-desktop-en")
    page.locator(".orchard-wall-card").first.click()
    live = page.locator("#camera-live-image")
    live.wait_for()
    deadline = time.monotonic() + 20
    while page.evaluate("document.getElementById('camera-live-image').naturalWidth") == 0:
        assert time.monotonic() < deadline, "the live view never showed a frame"
        time.sleep(0.3)
    assert "watch=1" in page.evaluate("document.getElementById('camera-live-image').dataset.liveSrc || ''") or \
        "watch=1" in live.get_attribute("src")


def test_camera_wall_on_a_phone(open_page, devices):
    devices.frame("hill", "hill-1", "cam-17", make_jpeg(27, 640, 360))
    page = open_page(viewport=PHONE, locale="zh-CN")
    log_in(page, "farmer-hill")
    page.goto("/camera-wall")
    page.locator("img.orchard-wall-img").first.wait_for()
    wait_for_images(page, 2)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-cameras-phone-zh")


def test_claims_list_who_and_how_long(open_page):
    page = open_page(viewport=PHONE)
    log_in(page, "farmer-hill")
    page.goto("/claims")
    page.locator("tr[data-claim]").first.wait_for()
    text = page.locator("#claims-table").inner_text()
    assert "ana" in text and "cy" in text and "bo" in text  # bo's claim has ended: listed as ended
    assert "ENDED" in text.upper() and "60 days" in text
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-claims-phone-en")


def test_the_wall_shows_each_pictures_age_and_marks_old_ones(open_page, devices, relay):
    """As behind the production proxy (one origin, or the relay's CORS): the wall reads Last-Modified."""
    from email.utils import formatdate

    devices.frame("hill", "hill-1", "cam-17", make_jpeg(37, 640, 360))
    devices.frame("hill", "hill-2", "cam-18", make_jpeg(38, 640, 360))
    page = open_page(viewport=DESKTOP)

    def as_behind_the_proxy(route):
        response = route.fetch()
        headers = {**response.headers, "access-control-allow-origin": "*"}
        if "/cam-18/" in route.request.url:  # cam-18's camera went quiet 20 minutes ago
            headers["last-modified"] = formatdate(time.time() - 20 * 60, usegmt=True)
        route.fulfill(response=response, headers=headers)

    page.route(f"{relay.url}/cameras/**", as_behind_the_proxy)
    log_in(page, "farmer-hill")
    page.goto("/camera-wall")
    wait_for_images(page, 2)
    page.wait_for_function("() => document.querySelectorAll('.orchard-wall-age:not(:empty)').length === 2",
                           timeout=20_000)
    ages = page.evaluate("[...document.querySelectorAll('.orchard-wall-card')].map(c => "
                         "[c.querySelector('.orchard-wall-age').textContent, c.classList.contains('stale')])")
    assert ages[0] == ["just now", False]
    assert ages[1][1] is True and ages[1][0].startswith("20 min ago")
