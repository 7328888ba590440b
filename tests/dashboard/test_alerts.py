"""Alerts in Chromium: a farmer sees a frost, the tile is red, acknowledges it; a customer gets nothing of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from orchard.registry.alerting import AlertEvent, AlertIncident, EventKind
from orchard.registry.db import session_factory
from tests.alert_rows import fire
from tests.dashboard.conftest import DESKTOP, PHONE, call_callback, log_in, screenshot


@pytest.fixture(scope="module")
def made(orchard) -> dict[str, int]:
    """A frost at tree 17 (hill-1) now, a dry soil at tree 18 resolved yesterday, a frost in the valley."""
    sessions = session_factory(orchard.db_url)
    with sessions.begin() as s:
        ids = {"frost": fire(s, "hill-1", "frost", value=-2.5, ago=timedelta(minutes=40)).id,
               "drought": fire(s, "hill-2", "drought", value=11.0, ago=timedelta(days=2),
                               resolved_after=timedelta(hours=20)).id,
               "valley": fire(s, "valley-1", "frost", value=-1.0).id}
    sessions.kw["bind"].dispose()
    return ids


def incident(orchard, alert_id: int) -> AlertIncident:
    sessions = session_factory(orchard.db_url)
    try:
        with sessions() as s:
            return s.get(AlertIncident, alert_id)
    finally:
        sessions.kw["bind"].dispose()


def test_a_farmer_sees_the_frost_on_a_red_tile_and_in_the_header(open_page, dashboard, made):
    page = open_page(viewport=PHONE, locale="zh-CN")
    log_in(page, "farmer-hill")
    page.goto("/farm")
    page.locator(".orchard-tile").first.wait_for()
    alerting = {t.locator(".orchard-tile-label").inner_text(): t.get_attribute("data-alert")
                for t in page.locator(".orchard-tile").all()}
    assert alerting == {"17": "1", "18": "0", "19": "0"}  # the drought at 18 has resolved
    assert "霜冻" in page.locator(".orchard-tile.tile-alert").first.locator("a").get_attribute("title")
    red = page.evaluate("getComputedStyle(document.querySelector('.orchard-tile.tile-alert')).backgroundColor")
    assert red == "rgb(251, 213, 210)", red
    badge = page.locator("#shell-alert-badge [data-count]")
    assert badge.get_attribute("data-count") == "1"  # hill's one active alert, not the valley's
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-alert-tile-phone-zh")


def test_a_farmer_acknowledges_and_the_page_says_who(open_page, dashboard, made):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/alerts")
    firing = page.locator(".orchard-alert[data-state=firing]")
    firing.wait_for()
    text = firing.inner_text()
    assert "Frost" in text and "Tree 17" in text and "hill-1" in text and "-2.5 °C" in text
    assert "Valley" not in page.content() and "valley-1" not in page.content()
    resolved = page.locator(".orchard-alert[data-state=resolved]").inner_text()
    assert "Dry soil" in resolved and "Resolved" in resolved
    screenshot(page, "farmer-alerts-desktop-en")
    firing.get_by_role("button", name="Acknowledge").click()
    acknowledged = page.locator(".orchard-alert[data-state=acknowledged]")
    acknowledged.wait_for()
    assert "Acknowledged by farmer-hill" in acknowledged.inner_text()
    assert page.get_by_role("button", name="Acknowledge").count() == 0
    assert "Acknowledged." in page.locator("#alerts-note").inner_text()
    screenshot(page, "farmer-alerts-acknowledged-desktop-en")
    found = incident(dashboard.orchard, made["frost"])
    assert found.acknowledged_at is not None and found.acknowledged_by == dashboard.orchard.world.users[
        "farmer_this_farm"]
    sessions = session_factory(dashboard.orchard.db_url)
    with sessions() as s:
        kinds = [e.kind for e in s.scalars(select(AlertEvent).where(AlertEvent.incident_id == made["frost"]))]
    sessions.kw["bind"].dispose()
    assert kinds == [EventKind.ACKNOWLEDGED]


def test_alerts_and_rules_on_a_phone_in_chinese(open_page, made):
    page = open_page(viewport=PHONE, locale="zh-CN")
    log_in(page, "farmer-hill")
    page.goto("/alerts")
    page.locator(".orchard-alert").first.wait_for()
    assert "告警" in page.locator("h2").first.inner_text() and "霜冻" in page.content()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "farmer-alerts-phone-zh")
    page.goto("/alert-rules")
    frost = page.locator("tr[data-rule=frost]")
    frost.wait_for()
    assert "气温 ≤ 2 °C" in frost.inner_text() and "内置" in frost.inner_text()
    screenshot(page, "farmer-alert-rules-phone-zh")


def test_the_rules_on_a_desktop(open_page):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/alert-rules")
    page.locator("tr[data-rule=frost]").wait_for()
    text = page.locator("tr[data-rule=drought]").inner_text()
    assert "Soil moisture ≤ 15 %" in text and "2 h" in text and "4 h" in text
    assert "mean over 10 min" in page.locator("tr[data-rule=strong_wind]").inner_text()
    screenshot(page, "farmer-alert-rules-desktop-en")


def test_the_device_page_marks_the_alerting_device(open_page, made):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/devices")
    page.locator("tr[data-health]").first.wait_for()
    marked = {r.locator("td").first.inner_text(): r.get_attribute("data-alert")
              for r in page.locator("tr[data-health]").all()}
    assert marked == {"hill-1": "1", "hill-2": "0"}


def test_a_customer_gets_nothing_of_the_farms_alerts(open_page, dashboard, made):
    page = open_page(viewport=PHONE)
    log_in(page, "ana")  # her claim is on tree 17, where the frost is
    page.goto("/alerts")
    page.locator(".orchard-refusal").wait_for()
    assert page.locator("#shell-alert-badge").count() == 0 and page.locator("#nav-alerts").count() == 0
    assert "Frost" not in page.content() and "-2.5" not in page.content()
    client = dashboard.client("ana")
    listed = call_callback(client, [("alerts-list", "children")],
                           [("alerts-farm", "value", "hill"), ("alerts-refresh", "n_intervals", 1),
                            ("alerts-acked", "data", 0)])
    assert listed.status_code == 204, listed.text
    pressed = call_callback(client, [("alerts-note", "children"), ("alerts-acked", "data")],
                            [({"type": "alert-ack", "alert": made["valley"]}, "n_clicks", 1)],
                            [("alerts-acked", "data", 0)])
    assert pressed.status_code == 204, pressed.text
    badge = call_callback(client, [("shell-alert-badge", "children")],
                          [("shell-alert-badge-refresh", "n_intervals", 1)])
    assert badge.status_code == 204
    assert incident(dashboard.orchard, made["valley"]).acknowledged_at is None


def test_a_farmer_cannot_acknowledge_another_farms_alert_by_forging_the_button(dashboard, made):
    client = dashboard.client("farmer-hill")
    pressed = call_callback(client, [("alerts-note", "children"), ("alerts-acked", "data")],
                            [({"type": "alert-ack", "alert": made["valley"]}, "n_clicks", 1)],
                            [("alerts-acked", "data", 0)])
    assert pressed.status_code == 200 and "You may not acknowledge this alert" in pressed.text
    assert incident(dashboard.orchard, made["valley"]).acknowledged_at is None
    listed = call_callback(client, [("alerts-list", "children")],
                           [("alerts-farm", "value", "valley"), ("alerts-refresh", "n_intervals", 1),
                            ("alerts-acked", "data", 0)])
    assert listed.status_code == 200 and "valley-1" not in listed.text


def test_a_farmer_tunes_frost_for_the_farm_and_goes_back_to_built_in(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto("/alert-rules")
    page.locator("tr[data-rule=frost]").wait_for()
    page.locator("#alert-rules-edit-rule").click()
    page.get_by_role("option", name="Frost").click()
    threshold = page.locator("#alert-rules-edit-threshold")
    expect(threshold).to_have_value("2")  # the rule's threshold in force, filled in
    threshold.fill("4")  # above the clear threshold of 3: refused
    page.locator("#alert-rules-edit-save").click()
    page.get_by_text("Not saved: clear_threshold").wait_for()
    threshold.fill("-2")
    page.locator("#alert-rules-edit-clear").fill("-1")
    page.locator("#alert-rules-edit-save").click()
    page.get_by_text("Saved.").wait_for()
    assert page.locator("#shell-alert-badge").inner_text() in ("", "1")  # a count or nothing, never the address
    frost = page.locator("tr[data-rule=frost][data-source=farm]")
    frost.wait_for()
    assert "Air temperature ≤ -2 °C" in frost.inner_text() and "this farm" in frost.inner_text()
    screenshot(page, "farmer-alert-rules-tuned-desktop-en")
    page.locator("#alert-rules-edit-reset").click()
    page.locator("tr[data-rule=frost][data-source=default]").wait_for()


def test_nobody_else_tunes_the_farms_rules_by_forging_the_form(dashboard):
    values = [("alert-rules-farm", "value", "hill"), ("alert-rules-edit-rule", "value", "frost"),
              ("alert-rules-edit-threshold", "value", -30), ("alert-rules-edit-clear", "value", -29),
              ("alert-rules-edit-duration", "value", 0), ("alert-rules-edit-severity", "value", "info"),
              ("alert-rules-edit-repeat", "value", 0), ("alert-rules-edit", "data", 0)]
    outputs = [("alert-rules-edit-note", "children"), ("alert-rules-edit", "data")]
    inputs = [("alert-rules-edit-save", "n_clicks", 1), ("alert-rules-edit-reset", "n_clicks", None)]
    assert call_callback(dashboard.client("ana"), outputs, inputs, values).status_code == 204
    refused = call_callback(dashboard.client("farmer-valley"), outputs, inputs, values)
    assert refused.status_code == 200 and "You may not change this farm's alert rules" in refused.text
    shown = call_callback(dashboard.client("farmer-hill"), [("alert-rules-table", "children"),
                                                            ("alert-rules-edit-rule", "data")],
                          [("alert-rules-farm", "value", "hill"), ("alert-rules-edit", "data", 1)])
    assert shown.status_code == 200 and '"data-source": "default"' in shown.text.replace('":"', '": "')
    assert '"data-source": "farm"' not in shown.text.replace('":"', '": "')


@pytest.mark.parametrize(("viewport", "locale", "name"),
                         [(PHONE, "en-GB", "phone-en"), (DESKTOP, "zh-CN", "desktop-zh")])
def test_the_alerts_page_in_the_other_sizes_and_languages(open_page, made, viewport, locale, name):
    page = open_page(viewport=viewport, locale=locale)
    log_in(page, "farmer-hill")
    page.goto("/alerts")
    page.locator(".orchard-alert").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    screenshot(page, f"farmer-alerts-{name}")
    page.goto("/farm")
    page.locator(".orchard-tile.tile-alert").first.wait_for()
    screenshot(page, f"farmer-alert-tile-{name}")
