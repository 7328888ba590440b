"""Regenerate the README's screenshots from a running demo: the farmer's overview and the customer's phone.

  ./run demo --dashboard-port 8083        (in another terminal)
  .venv/bin/python docs/screenshots.py --url http://127.0.0.1:8083

Drives Debian's Chromium (/usr/bin/chromium) through Playwright; nothing is downloaded.
Writes docs/img/farmer-overview.png (1366x900) and docs/img/customer-phone.png (390x844, 2x).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

IMAGES = Path(__file__).parent / "img"
CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORDS = {"farmer": "orchard-farmer", "customer": "orchard-customer"}  # orchard/demo_orchard.py


def log_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.fill("#login-username", username)
    page.fill("#login-password", password)
    page.click("#login-submit")
    page.wait_for_url(lambda url: "/login" not in url)


def farmer_overview(browser, url: str, username: str, password: str, lang: str) -> Path:
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale=lang, base_url=url)
    try:
        page = context.new_page()
        log_in(page, username, password)
        page.goto("/farm")
        page.locator(".orchard-tile").first.wait_for(timeout=30_000)
        page.wait_for_timeout(1500)  # conditions and devices draw after their callbacks answer
        path = IMAGES / "farmer-overview.png"
        page.screenshot(path=str(path))
        return path
    finally:
        context.close()


def customer_phone(browser, url: str, username: str, password: str, lang: str) -> Path:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale=lang, base_url=url)
    try:
        page = context.new_page()
        log_in(page, username, password)
        page.goto("/my-tree")
        page.wait_for_function(
            "() => { const i = document.querySelector('#my-tree-camera img'); return i && i.naturalWidth > 0; }",
            timeout=30_000)
        page.locator("#my-tree-soil .js-plotly-plot").wait_for(timeout=30_000)
        page.wait_for_timeout(1500)
        path = IMAGES / "customer-phone.png"
        page.screenshot(path=str(path))
        return path
    finally:
        context.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--url", required=True, help="the demo dashboard, e.g. http://127.0.0.1:8083")
    parser.add_argument("--farmer", default="farmer")
    parser.add_argument("--customer", default="customer")
    parser.add_argument("--lang", default="en-GB", help="the browser's language (zh-CN for Chinese)")
    args = parser.parse_args(argv)
    IMAGES.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-gpu"])
        try:
            for path in (farmer_overview(browser, args.url, args.farmer, DEMO_PASSWORDS["farmer"], args.lang),
                         customer_phone(browser, args.url, args.customer, DEMO_PASSWORDS["customer"], args.lang)):
                print(f"wrote {path}")
        finally:
            browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
