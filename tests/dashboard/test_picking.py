"""Cloud picking and visits in a real Chromium: a customer requests picking on a phone, the farmer adds a
photo, marks it picked and shipped, and the customer sees the timeline with the photo; a customer books a
visit and the farmer's day list shows it. Screenshots at 390x844 and 1366x900 in zh-CN and English."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from orchard.registry import picking_requests, visit_bookings
from orchard.registry.db import session_factory
from orchard.registry.picking_requests import farm_today
from tests.dashboard.conftest import DESKTOP, PHONE, build_orchard, log_in, screenshot
from tests.picking_world import fruit_jpeg

LANGS = {"en": "en-GB", "zh-CN": "zh-CN"}


@pytest.fixture(scope="module")
def orchard(sqlite_template, tmp_path_factory):
    """The dashboard tests' orchard with picking open on farm hill and a visit time next week."""
    workdir = tmp_path_factory.mktemp("dash-picking")
    built = build_orchard(workdir, sqlite_template, f"sqlite:///{workdir / 'readings.db'}")
    sessions = session_factory(built.db_url)
    with sessions.begin() as session:
        today = farm_today("Asia/Shanghai")
        picking_requests.create_window(session, "hill", today - timedelta(days=2), today + timedelta(days=14))
        visit_bookings.create_slot(session, "hill", today + timedelta(days=6), time(9, 30), time(11), 6,
                                   "Meet at the gate")
    sessions.kw["bind"].dispose()
    return built


def no_overflow(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_request_picked_with_a_photo_shipped_and_seen_on_the_timeline(open_page, tmp_path, dashboard):
    customer = open_page(viewport=PHONE, locale="zh-CN")
    log_in(customer, "ana")
    customer.goto("/my-tree")
    form = customer.locator(".picking-form")
    form.get_by_label("数量(公斤)").fill("2.5")
    form.get_by_label("收件人").fill("王小明")
    form.get_by_label("手机号").fill("138 0000 0001")
    form.get_by_label("省份").fill("浙江省")
    form.get_by_label("城市").fill("杭州市")
    form.get_by_label("详细地址").fill("西湖区文三路 1 号 3 单元 501")
    form.get_by_role("button", name="申请采摘").click()
    customer.locator('.picking-request[data-status="requested"]').wait_for()
    assert no_overflow(customer)
    screenshot(customer, "picking-customer-requested-phone-zh-CN")

    farmer = open_page(viewport=DESKTOP, locale="en-GB")
    log_in(farmer, "farmer-hill")
    farmer.goto("/picking")
    card = farmer.locator(".picking-card").filter(has_text="ana")
    card.wait_for()
    assert "王小明" in card.inner_text() and "138 0000 0001" in card.inner_text()
    photo = tmp_path / "apple.jpg"
    photo.write_bytes(fruit_jpeg())
    with farmer.expect_file_chooser() as chooser:
        card.locator(".picking-upload").click()
    chooser.value.set_files(str(photo))
    card.locator(".picking-photo img").wait_for()
    card.get_by_label("Weight (kg)").fill("2.4")
    card.get_by_role("button", name="Mark picked").click()
    card.locator('.picking-step--done[data-step="picked"]').wait_for()
    card.get_by_label("Courier").fill("SF Express")
    card.get_by_label("Tracking number").fill("SF1234567890")
    card.get_by_role("button", name="Mark shipped").click()
    card.locator('.picking-step--done[data-step="shipped"]').wait_for()
    assert "callback failed" not in dashboard.log_tail()
    screenshot(farmer, "picking-farmer-queue-desktop-en")

    customer.reload()
    shipped = customer.locator('.picking-request[data-status="shipped"]')
    shipped.wait_for()
    image = shipped.locator(".picking-photo img")
    image.wait_for()
    customer.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=image.element_handle())
    assert "SF1234567890" in shipped.inner_text() and "2.4 公斤" in shipped.inner_text()
    assert [step.get_attribute("data-step") for step in shipped.locator(".picking-step--done").all()] == \
        ["requested", "picked", "shipped"]
    shipped.scroll_into_view_if_needed()
    screenshot(customer, "picking-customer-timeline-phone-zh-CN")


def test_another_customer_never_sees_the_photo_or_the_address(open_page, dashboard):
    page = open_page(viewport=PHONE)
    log_in(page, "cy")
    page.goto("/my-tree")
    page.locator(".picking-mine").wait_for()
    assert "王小明" not in page.content()
    for photo_id in range(1, 4):
        assert page.request.get(f"/picking-photo/{photo_id}").status == 404
    assert dashboard.client().get("/picking-photo/1").status_code == 401


def test_a_customer_books_a_visit_and_the_farmer_sees_the_day_list(open_page):
    customer = open_page(viewport=PHONE, locale="en-GB")
    log_in(customer, "cy")
    customer.goto("/my-tree")
    row = customer.locator(".visits-mine .visit-row").first
    row.get_by_role("button", name="Book").click()
    customer.locator(".visit-row--mine").wait_for()
    assert "Booked for 1 people" in customer.locator(".visits-mine").inner_text()
    farmer = open_page(viewport=PHONE, locale="zh-CN")
    log_in(farmer, "farmer-hill")
    farmer.goto("/visits")
    day_list = farmer.locator(".visits-slot").first
    day_list.wait_for()
    assert "cy" in day_list.inner_text() and "已约 1/6" in day_list.inner_text()
    assert no_overflow(farmer)


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_screens(open_page, lang, size):
    """The pages in both languages and sizes, for a person to look at (test-output/screenshots/)."""
    viewport = PHONE if size == "phone" else DESKTOP
    customer = open_page(viewport=viewport, locale=LANGS[lang])
    log_in(customer, "ana")
    customer.goto("/my-tree")
    customer.locator(".picking-mine").wait_for()
    customer.locator(".visits-mine").wait_for()
    assert no_overflow(customer)
    customer.locator(".picking-mine").scroll_into_view_if_needed()
    screenshot(customer, f"picking-customer-{size}-{lang}")
    farmer = open_page(viewport=viewport, locale=LANGS[lang])
    log_in(farmer, "farmer-hill")
    for path in ("/picking", "/visits"):
        farmer.goto(path)
        farmer.locator(".orchard-page").wait_for()
        assert no_overflow(farmer), path
        screenshot(farmer, f"picking-farmer{path.replace('/', '-')}-{size}-{lang}")
