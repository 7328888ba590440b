"""中文 and English: the browser's language first, then the switch, which is remembered."""

from __future__ import annotations

from tests.dashboard.conftest import PHONE, log_in, screenshot


def heading(page) -> str:
    page.locator("h2").first.wait_for()
    return page.locator("h2").first.inner_text()


def test_a_chinese_browser_gets_chinese_first(open_page):
    page = open_page(viewport=PHONE, locale="zh-CN")
    page.goto("/login")
    assert heading(page) == "登录"
    screenshot(page, "login-phone-zh")


def test_the_switch_changes_the_words_and_is_remembered(open_page):
    page = open_page(locale="en-US")
    log_in(page, "farmer-hill")
    page.goto("/farm")
    assert heading(page) == "Overview"
    page.click("#lang-zh-CN")
    page.wait_for_url("**/farm")
    assert heading(page) == "总览"
    assert page.locator("#nav-devices").inner_text() == "设备"
    page.goto("/devices")
    assert heading(page) == "设备"  # remembered on the next page
    page.click("#lang-en")
    page.wait_for_url("**/devices")
    assert heading(page) == "Devices"


def test_a_chinese_browser_may_choose_english(open_page):
    page = open_page(locale="zh-CN")
    page.goto("/login")
    assert heading(page) == "登录"
    page.click("#lang-en")
    page.wait_for_url("**/login")
    assert heading(page) == "Log in"
    page.reload()
    assert heading(page) == "Log in"


def test_an_unknown_language_changes_nothing(dashboard):
    client = dashboard.client()
    assert client.get("/lang/xx").status_code == 404
    response = client.get("/lang/zh-Hans", headers={"Referer": "https://evil.example/x"})
    assert response.status_code == 303 and response.headers["location"] == "/"  # never back to another site
    assert response.cookies["orchard_lang"] == "zh-CN"
