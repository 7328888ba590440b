"""One login for the product: the dashboard's login form sets the API's session cookie; logging out ends it."""

from __future__ import annotations

from urllib.parse import urlsplit

from tests.dashboard.conftest import DESKTOP, PHONE, log_in, screenshot


def test_farmer_logs_in_and_sees_the_overview(open_page, dashboard):
    page = open_page(viewport=DESKTOP)
    hosts = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
    page.goto("/farm")
    page.wait_for_url("**/login**")
    screenshot(page, "login-desktop-en")
    log_in(page, "farmer-hill", here=True)
    assert urlsplit(page.url).path == "/farm"
    page.get_by_role("heading", name="Overview").wait_for()
    assert page.locator("#shell-user").inner_text() == "farmer-hill"
    screenshot(page, "farmer-empty-desktop-en")
    assert hosts == {urlsplit(dashboard.url).netloc}, f"the page fetched from other hosts: {hosts}"


def test_logging_in_leads_to_ones_own_start_page(open_page):
    page = open_page(viewport=PHONE)
    log_in(page, "farmer-hill")
    page.wait_for_url("**/farm")
    page.goto("/")
    page.wait_for_url("**/farm")  # the start page sends a farmer on to the overview
    page.locator(".orchard-tile").first.wait_for()


def test_wrong_password_is_told_and_sets_no_cookie(open_page):
    page = open_page(viewport=PHONE)
    log_in_page = page.goto("/login")
    assert log_in_page.status == 200
    page.fill("#login-username", "farmer-hill")
    page.fill("#login-password", "not the password")
    page.click("#login-submit")
    page.locator("#login-error").wait_for()
    assert not [c for c in page.context.cookies() if c["name"] == "orchard_session"]


def test_logout_ends_the_session(open_page):
    page = open_page()
    log_in(page, "farmer-hill")
    page.click("#shell-logout")
    page.wait_for_url("**/login")
    assert not [c for c in page.context.cookies() if c["name"] == "orchard_session"]
    page.goto("/farm")
    page.wait_for_url("**/login**")


def test_the_dashboard_cookie_is_the_apis(dashboard):
    """The cookie the login form sets is the one api/ and streams/ read (same name, signer and flags)."""
    from orchard.auth.sessions import read_session
    from tests.dashboard.conftest import SECRET

    client = dashboard.client("farmer-hill")
    user_id, _ = read_session(SECRET, client.cookies["orchard_session"])
    assert user_id == dashboard.orchard.world.users["farmer_this_farm"]


def test_unknown_paths_answer_404(dashboard):
    client = dashboard.client()
    for path in ("/api/nope", "/api/trees/1/readings", "/cameras/cam-17/latest.jpg", "/nope", "/tree/x/y/z",
                 "/_dash-nope"):
        assert client.get(path).status_code == 404, path
    assert client.post("/nope").status_code == 404
    for path in ("/", "/login", "/farm"):
        assert client.get(path).status_code == 200, path


def test_dashs_websocket_needs_a_session(dashboard):
    """Dash's websocket transport asks the same guard on connect: no session, no socket."""
    from websockets.exceptions import ConnectionClosed, InvalidStatus
    from websockets.sync.client import connect

    url = dashboard.url.replace("http://", "ws://") + "/_dash-ws-callback"
    origin = dashboard.url
    try:
        with connect(url, origin=origin, open_timeout=10) as socket:
            socket.recv(timeout=10)
        refused = None
    except ConnectionClosed as closed:
        refused = closed.rcvd.code if closed.rcvd else None
    except InvalidStatus as status:
        refused = status.response.status_code
    assert refused in (4001, 403), refused
    cookie = dashboard.client("farmer-hill").cookies["orchard_session"]
    with connect(url, origin=origin, open_timeout=10, additional_headers={"Cookie": f"orchard_session={cookie}"}) as ws:
        ws.send('{"type": "heartbeat"}')
        assert "heartbeat_ack" in ws.recv(timeout=10)


def test_a_page_left_open_after_its_session_ended_goes_to_the_login_page(dashboard):
    from tests.dashboard.conftest import call_callback

    client = dashboard.client()  # no cookie: the session ended (logged out elsewhere, or expired)

    def watch(pathname):
        return call_callback(client, [("shell-session-redirect", "href")], [("shell-session-watch", "n_intervals", 3)],
                             [("_pages_location", "pathname", pathname)])

    assert watch("/farm").json()["response"]["shell-session-redirect"]["href"] == "/login?next=/farm"

    def moved(response) -> bool:
        return response.status_code == 200 and "shell-session-redirect" in response.json().get("response", {})

    assert not moved(watch("/login"))  # already there
    logged_in = dashboard.client("farmer-hill")
    assert not moved(call_callback(logged_in, [("shell-session-redirect", "href")],
                                   [("shell-session-watch", "n_intervals", 3)],
                                   [("_pages_location", "pathname", "/farm")]))


THREADED = r"""
import os, threading, time, httpx, uvicorn
from orchard.settings import Settings
from dashboard.app import create_app
from tests.services import free_port
port = free_port()
server = uvicorn.Server(uvicorn.Config(create_app(Settings.load(dict(os.environ))), port=port, log_config=None))
threading.Thread(target=server.run, daemon=True).start()
while not server.started:
    time.sleep(0.05)
print(httpx.get(f"http://127.0.0.1:{port}/_dash-layout", timeout=30).status_code)
server.should_exit = True
"""


def test_a_dashboard_served_from_a_thread_builds_its_pages(orchard, tmp_path):
    """As `orchard demo` serves it: uvicorn in a thread, where Dash's callback context was never set."""
    import subprocess
    import sys

    from tests.dashboard.conftest import REPO, SECRET

    env = {"ORCHARD_DB_URL": orchard.db_url, "ORCHARD_STORE_URL": orchard.store_url, "ORCHARD_SECRET_KEY": SECRET,
           "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_MQTT_URL": "mqtt://127.0.0.1:1", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", THREADED], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.strip().splitlines()[-1:] == ["200"], done.stderr[-2000:]


def test_logging_out_ends_every_copy_of_the_session(dashboard):
    """As POST /api/logout does: a copy of the cookie (another phone, a stolen one) stops working too."""
    import httpx

    from tests.dashboard.conftest import call_callback

    phone = dashboard.client("cy")
    copy = httpx.Client(base_url=dashboard.url, cookies={"orchard_session": phone.cookies["orchard_session"]})

    assert "shell-user" in copy.get("/_dash-layout").text
    phone.post("/auth/logout")
    assert "shell-user" not in copy.get("/_dash-layout").text  # the copy no longer logs anyone in
    watch = call_callback(copy, [("shell-session-redirect", "href")], [("shell-session-watch", "n_intervals", 1)],
                          [("_pages_location", "pathname", "/farm")])
    assert watch.json()["response"]["shell-session-redirect"]["href"] == "/login?next=/farm"
    copy.close()
