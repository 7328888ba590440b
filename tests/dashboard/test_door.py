"""The dashboard's door (orchard/web, as the API's): cross-site posts refused, bodies capped, security headers."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx

from tests.dashboard.conftest import DESKTOP, PASSWORD, log_in

EVIL = "https://evil.example"
PAGES = ("/", "/farm", "/charts", "/devices", "/camera-wall", "/claims")
VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation",
    e => window.__cspViolations.push(e.violatedDirective + " " + e.blockedURI));
"""


def test_a_cross_site_logout_is_refused_and_the_session_survives(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    cookie = next(c["value"] for c in page.context.cookies() if c["name"] == "orchard_session")
    with httpx.Client(base_url=dashboard.url, cookies={"orchard_session": cookie}) as client:
        for headers in ({"Origin": EVIL}, {"Origin": EVIL, "Sec-Fetch-Site": "cross-site"}):
            response = client.post("/auth/logout", headers=headers)
            assert response.status_code == 403, response.text
            assert "set-cookie" not in response.headers
    page.goto("/farm")
    page.get_by_role("heading", name="Overview").wait_for()  # still logged in: no way to the login page
    assert urlsplit(page.url).path == "/farm"


def test_a_cross_site_login_is_refused_and_sets_no_cookie(dashboard):
    """Login CSRF: another site must not log a visitor in as someone else."""
    with httpx.Client(base_url=dashboard.url) as client:
        response = client.post("/auth/login", headers={"Origin": EVIL},
                               data={"username": "farmer-hill", "password": PASSWORD, "next": "/"})
        assert response.status_code == 403, response.text
        assert "orchard_session" not in client.cookies
        same_site = client.post("/auth/login", headers={"Origin": dashboard.url},
                                data={"username": "farmer-hill", "password": PASSWORD, "next": "/"})
        assert same_site.status_code == 303 and "orchard_session" in client.cookies


def test_a_megabyte_callback_post_is_refused_before_dash_reads_it(dashboard):
    client = dashboard.client("farmer-hill")
    junk = b"{" + b"x" * (1024 * 1024)  # not JSON: parsing it would be a 400 or 500, not a 413
    declared = client.post("/_dash-update-component", content=junk, headers={"Content-Type": "application/json"})
    assert declared.status_code == 413, declared.text

    def chunks():
        for _ in range(16):
            yield b"x" * 65536

    streamed = client.post("/_dash-update-component", content=chunks(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413, streamed.text
    assert "Traceback" not in dashboard.log_tail(200)


def test_pages_carry_the_security_headers(dashboard):
    client = dashboard.client("farmer-hill")
    relay = urlsplit(dashboard.env["ORCHARD_CAMERAS_URL"])
    for path in ("/", "/login", "/farm", "/_dash-layout", "/_dash-dependencies"):
        headers = client.get(path).headers
        assert headers.get("x-content-type-options") == "nosniff", path
        policy = headers.get("content-security-policy", "")
        assert "frame-ancestors 'none'" in policy, (path, policy)
    policy = client.get("/farm").headers["content-security-policy"]
    assert client.get("/").headers["content-security-policy"] == policy  # Dash's own index route too
    assert f"{relay.scheme}://{relay.netloc}" in policy  # the relay's images may be on another origin


def test_pages_render_in_chromium_without_csp_violations(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    page.add_init_script(VIOLATIONS)
    console, callbacks = [], []
    page.on("console", lambda message: console.append(message.text))
    page.on("request", lambda request: callbacks.append(len(request.post_data_buffer or b""))
            if "/_dash-update-component" in request.url else None)
    log_in(page, "farmer-hill")
    for path in PAGES:
        page.goto(path)
        page.locator("#shell-user").wait_for()
        page.wait_for_timeout(1500)
        assert page.evaluate("window.__cspViolations") == [], path
    page.goto("/charts")
    page.locator(".js-plotly-plot").first.wait_for()  # plotly.js runs under the policy
    page.wait_for_timeout(1500)
    assert page.evaluate("window.__cspViolations") == []
    assert not [text for text in console if "Content Security Policy" in text], console
    print(f"largest callback body: {max(callbacks)} bytes over {len(callbacks)} callbacks")


def test_healthz_answers_without_a_login_and_names_nothing(dashboard):
    answer = httpx.get(f"{dashboard.url}/healthz", timeout=10)
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}
    assert answer.headers.get("x-content-type-options") == "nosniff"
