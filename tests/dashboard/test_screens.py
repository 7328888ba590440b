"""Every farmer page at phone and desktop size, in Chinese and English: nothing wider than the screen; screenshots."""

from __future__ import annotations

import pytest

from tests.dashboard.conftest import DESKTOP, PHONE, log_in, screenshot
from tests.streams.conftest import make_jpeg

PAGES = {"overview": ("/farm", ".orchard-tile"), "charts": ("/charts", "#chart-graph .main-svg"),
         "devices": ("/devices", "tr[data-health]"), "cameras": ("/camera-wall", "img.orchard-wall-img"),
         "claims": ("/claims", "tr[data-claim]"), "alerts": ("/alerts", "#alerts-list > *"),
         "alert-rules": ("/alert-rules", "tr[data-rule]")}


@pytest.mark.parametrize("size, viewport", [("phone", PHONE), ("desktop", DESKTOP)])
@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_every_farmer_page_fits_the_screen(open_page, devices, size, viewport, lang):
    devices.frame("hill", "hill-1", "cam-17", make_jpeg(7, 640, 360))
    page = open_page(viewport=viewport, locale=lang)
    log_in(page, "farmer-hill")
    too_wide = {}
    for name, (path, ready) in PAGES.items():
        page.goto(path)
        page.locator(ready).first.wait_for()
        page.wait_for_timeout(500)
        width = page.evaluate("document.documentElement.scrollWidth")
        if width > viewport["width"]:
            too_wide[name] = width
        screenshot(page, f"farmer-{name}-{size}-{lang.split('-')[0]}")
    assert too_wide == {}
