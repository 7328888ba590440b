"""/api/docs works with no network beyond this machine, and every answer carries the security headers."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.services import free_port, require


def offline_chromium(chromium: str, url: str, profile) -> subprocess.CompletedProcess:
    """Chromium's DOM of `url` after scripts ran, with everything but loopback unreachable."""
    dead_proxy = f"127.0.0.1:{free_port()}"  # nothing listens: any non-loopback request fails
    return subprocess.run(
        [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--proxy-server=http://{dead_proxy}", "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
         "--enable-logging=stderr", "--v=0", f"--user-data-dir={profile}", "--virtual-time-budget=20000",
         "--dump-dom", url],
        capture_output=True, text=True, timeout=120)


def test_swagger_ui_renders_in_chromium_without_the_internet(api, tmp_path):
    chromium = require("chromium")
    shown = offline_chromium(chromium, f"{api.url}/api/docs", tmp_path / "profile")
    dom = shown.stdout
    # Swagger UI drew the operations from our schema: it loaded its script and the schema, all locally.
    assert 'class="swagger-ui' in dom, dom[:2000]
    assert "/api/claims/orders" in dom and "opblock" in dom, dom[:2000]
    violations = [line for line in shown.stderr.splitlines() if "Content Security Policy" in line]
    assert not violations, violations


def test_the_docs_page_names_no_other_host(api):
    page = httpx.get(f"{api.url}/api/docs")
    assert page.status_code == 200
    assert not re.findall(r"""(?:src|href)=["'](?:https?:)?//""", page.text), page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'none'" in policy and "http" not in policy
    for asset in re.findall(r"""(?:src|href)=["']([^"']+)""", page.text):
        assert httpx.get(f"{api.url}{asset}").status_code == 200, asset


def test_every_answer_carries_the_security_headers(api):
    for response in (httpx.get(f"{api.url}/api/me"), api.client("customer_active").get("/api/me"),
                     httpx.get(f"{api.url}/api/openapi.json"), httpx.get(f"{api.url}/api/nowhere")):
        headers = response.headers
        assert headers["x-content-type-options"] == "nosniff", response.url
        assert "frame-ancestors 'none'" in headers["content-security-policy"], response.url
        assert "default-src 'none'" in headers["content-security-policy"], response.url
        assert headers["referrer-policy"] == "no-referrer", response.url
