"""The care log in a real Chromium: a farmer records an entry on a phone and corrects it; the customer of
that tree sees the "changed" mark and the earlier text; a customer of another tree does not see it.

Screenshots (test-output/screenshots/care-*) at 390x844 and 1366x900, in zh-CN and English.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.dashboard.conftest import DESKTOP, PHONE, RunningDashboard, log_in, screenshot
from tests.dashboard.front import Front

FIRST = "Bark split on the south side, painted with lime"
SECOND = "Bark split on the north side, painted with lime"


@pytest.fixture(scope="module")
def site(orchard, dash_broker, relay) -> Iterator[Front]:
    """The dashboard and the relay on one origin, as behind the production proxy."""
    dashboard = RunningDashboard(orchard, dash_broker.url("orchard-dashboard"), "/cameras").start()
    front = Front(dashboard.url, relay.url).start()
    yield front
    front.stop()
    dashboard.stop()


@pytest.fixture
def browser_page(chromium, site) -> Iterator:
    contexts = []

    def open_(viewport: dict = PHONE, locale: str = "en-GB"):
        context = chromium.new_context(viewport=viewport, locale=locale, base_url=site.url,
                                       is_mobile=viewport is PHONE, has_touch=viewport is PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(20_000)
        return page

    yield open_
    for context in contexts:
        context.close()


def entry_with(page, text: str):
    return page.locator("article.care-entry", has_text=text)


def record_and_correct(page) -> None:
    """On /care, as a farmer: tree 17, inspection, notes; save; then correct the notes with a reason."""
    page.goto("/care")
    page.click("#care-place")
    page.get_by_role("option", name="Tree 17 (north)").click()
    page.locator(".care-kinds").get_by_text("Inspection", exact=True).click()
    page.fill("#care-notes", FIRST)
    page.click("#care-save")
    page.wait_for_selector(".care-done")
    card = entry_with(page, FIRST)
    card.wait_for()
    card.get_by_role("button", name="Correct").click()
    page.wait_for_selector("#care-banner:visible")
    assert page.input_value("#care-notes") == FIRST
    page.fill("#care-notes", SECOND)
    page.fill("#care-reason", "It was the north side")
    page.click("#care-save")
    page.get_by_text("Correction saved").wait_for()
    corrected = entry_with(page, SECOND)
    corrected.wait_for()
    assert corrected.locator(".care-changed").count() == 1


def test_a_farmer_corrects_an_entry_and_the_customer_sees_the_revision(browser_page):
    farmer = browser_page(PHONE)
    log_in(farmer, "farmer-hill")
    record_and_correct(farmer)
    screenshot(farmer, "care-farmer-phone-en")

    ana = browser_page(PHONE)
    log_in(ana, "ana")
    ana.goto("/my-tree")
    entry = entry_with(ana, SECOND)
    entry.wait_for()
    assert entry.locator(".care-changed").inner_text().strip().lower() == "changed"
    assert entry.get_by_text("Reason: It was the north side").is_visible()
    assert not entry.get_by_text(FIRST).is_visible()  # the earlier text is folded away ...
    entry.locator("summary").click()
    assert entry.get_by_text(FIRST).is_visible()  # ... and there to read
    assert ana.locator("[data-promise=kept]").is_visible()
    screenshot(ana, "care-customer-phone-en")

    cy = browser_page(PHONE)
    log_in(cy, "cy")
    cy.goto("/my-tree")
    cy.locator("#my-tree-care").wait_for()
    assert cy.get_by_text("drip, two hours").count() == 1  # her plot's entry, yes
    content = cy.content()
    assert SECOND not in content and FIRST not in content and "care-note-17" not in content


def test_the_care_pages_in_chinese_and_on_a_desktop(browser_page):
    for viewport, size in ((PHONE, "phone"), (DESKTOP, "desktop")):
        farmer = browser_page(viewport, "zh-CN")
        log_in(farmer, "farmer-hill")
        farmer.goto("/care")
        farmer.get_by_text("农事记录").first.wait_for()
        farmer.locator(".care-kinds").get_by_text("病虫害防治", exact=True).click()
        farmer.locator("#care-pest").wait_for(state="visible")
        screenshot(farmer, f"care-farmer-{size}-zh")
        ana = browser_page(viewport, "zh-CN")
        log_in(ana, "ana")
        ana.goto("/my-tree")
        ana.locator("#my-tree-promise").wait_for()
        assert "本季这个地块没有使用化学合成农药的记录" in ana.locator("#my-tree-promise").inner_text()
        for summary in ana.locator("#my-tree-care summary").all():
            summary.click()
        screenshot(ana, f"care-customer-{size}-zh")
    desk = browser_page(DESKTOP)
    log_in(desk, "ana")
    desk.goto("/my-tree")
    desk.locator("#my-tree-care").wait_for()
    screenshot(desk, "care-customer-desktop-en")
