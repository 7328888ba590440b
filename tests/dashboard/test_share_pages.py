"""Pages opened with a link, in a real Chromium: a shared tree without login (no personal data, dead once
revoked), and an invitation that sets a password the customer then logs in with, once.

The dashboard and the relay sit behind one origin (tests/dashboard/front.py), as in production.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from orchard.registry import invitations, people, shares
from orchard.registry.db import session_factory
from orchard.registry.models import Claim
from tests.dashboard.conftest import DESKTOP, PHONE, RunningDashboard, log_in, screenshot
from tests.dashboard.customer_site import Customers, add_customers, archive_middays
from tests.dashboard.front import Front
from tests.mqtt_helpers import wait_until
from tests.streams.conftest import make_jpeg

VIEWS = [("zh-CN", PHONE), ("en-GB", DESKTOP)]


@pytest.fixture(scope="module")
def customers(orchard) -> Customers:
    return add_customers(orchard)


@pytest.fixture(scope="module")
def site(orchard, customers, dash_broker, relay, devices) -> Iterator[Front]:
    dashboard = RunningDashboard(orchard, dash_broker.url("orchard-streams"), "/cameras").start()
    front = Front(dashboard.url, relay.url).start()
    devices.frame("hill", "hill-1", "cam-17", make_jpeg(17, 640, 480))
    wait_until(lambda: relay.get("/healthz").json()["cameras"] >= 1, message="relay has cam-17's frame")
    archive_middays(orchard.workdir / "relay", "cam-17", customers.now)
    yield front
    front.stop()
    dashboard.stop()


@pytest.fixture
def browser(chromium, site) -> Iterator:
    contexts = []

    def open_(locale: str, viewport: dict):
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=site.url)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(60_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def registry(orchard):
    return session_factory(orchard.db_url)


def test_a_share_link_opens_without_login_shows_no_personal_data_and_dies_when_revoked(orchard, customers,
                                                                                      browser):
    sessions = registry(orchard)
    with sessions.begin() as s:
        claim = s.get_one(Claim, customers.claims["ana"])
        claim.user.display_name = "Ana Lovelace"  # a name that must not reach a stranger
        link, token = shares.create_share(s, claim, frame_hour=12)
        link_id = link.id
    for locale, viewport in VIEWS:
        page = browser(locale, viewport)
        response = page.goto(f"/share/{token}")
        assert response.status == 200
        card = page.locator("#share-card").inner_text()
        assert "17" in card and "Fuji" in card and "Hillside Orchard" in card and "north" in card
        html = page.content()
        for private in ("Ana Lovelace", "A-1", "latitude"):
            assert private not in html, private
        assert not re.search(r"\bana\b", html, re.IGNORECASE)
        assert "/cameras/cam-17/latest.jpg" not in html and "stream.mjpg" not in html  # never the live camera
        # Open Graph: a link preview's picture, reachable without login, as a real JPEG from the archive.
        image = page.locator('meta[property="og:image"]').get_attribute("content")
        assert image.endswith(f"/share/{token}/picture.jpg")
        picture = page.request.get(image)
        assert picture.status == 200 and picture.headers["content-type"] == "image/jpeg"
        # The season's timelapse: the relay built it from the archive (one frame a day) for the page's link.
        video = page.request.get(f"/share/{token}/timelapse.mp4")
        assert video.status == 200 and video.headers["content-type"] == "video/mp4" and len(video.body()) > 1000
        page.wait_for_function("() => document.querySelector('#share-timelapse').readyState >= 1 || "
                               "document.querySelector('#share-timelapse').error !== null")
        screenshot(page, f"share-{locale}-{viewport['width']}")
    with sessions.begin() as s:
        shares.revoke_share(s, s.get_one(shares.ShareLink, link_id))
    page = browser("en-GB", PHONE)
    ended = page.goto(f"/share/{token}")
    assert ended.status == 410 and "This link has ended" in page.content()
    assert page.request.get(f"/share/{token}/timelapse.mp4", max_redirects=0).status == 410
    assert page.request.get(f"/share/{token}/picture.jpg", max_redirects=0).status == 410
    screenshot(page, "share-ended-en-390")
    sessions.kw["bind"].dispose()


def test_an_invitation_sets_a_password_the_customer_logs_in_with_and_works_once(orchard, browser):
    sessions = registry(orchard)
    with sessions.begin() as s:
        gus = people.create_user(s, "gus", "customer", display_name="Gus")
        _, token = invitations.issue_link(s, gus, "invite")
    sessions.kw["bind"].dispose()
    for locale, viewport in VIEWS:
        page = browser(locale, viewport)
        page.goto(f"/invite/{token}")
        screenshot(page, f"invite-{locale}-{viewport['width']}")
    page = browser("en-GB", PHONE)
    page.goto(f"/invite/{token}")
    page.fill("#password", "gus's garden 2026")
    page.fill("#again", "gus's garden 2025")
    page.click("button[type=submit]")
    assert "not the same" in page.content()
    page.fill("#password", "gus's garden 2026")
    page.fill("#again", "gus's garden 2026")
    page.click("button[type=submit]")
    page.wait_for_selector("#to-login")
    page.click("#to-login")
    log_in(page, "gus", "gus's garden 2026", here=True)
    assert "/login" not in page.url
    again = browser("zh-CN", PHONE)
    used = again.goto(f"/invite/{token}")
    assert used.status == 410 and "此链接无法使用" in again.content()
    screenshot(again, "invite-used-zh-CN-390")


def test_the_customer_makes_and_revokes_a_share_link_from_their_tree_page(orchard, customers, browser, chromium,
                                                                          site):
    page = browser("en-GB", PHONE)
    log_in(page, "ana")
    page.goto("/my-tree")
    page.wait_for_selector("#share-panel")
    page.click("#share-create")
    url = page.locator("#share-new-url").inner_text()
    assert "/share/" in url
    screenshot(page, "share-panel-en-390")
    stranger = chromium.new_context(base_url=site.url)
    try:
        shown = stranger.new_page()
        assert shown.goto(url).status == 200 and "Hillside Orchard" in shown.content()
        page.locator("#share-list button").first.click()
        page.wait_for_selector("text=The link no longer works.")
        assert shown.goto(url).status == 410
    finally:
        stranger.close()
