"""Logging in and out, the session cookie, throttled guessing, and API tokens, as a client meets them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy import delete

from orchard.auth import AuthError
from orchard.auth.policy import Policy
from orchard.auth.sessions import SESSION_COOKIE, SESSION_TTL_S, mint_session
from orchard.registry.models import LoginFailure
from tests.api.conftest import SECRET, signed
from tests.services import REPO, free_port, wait_for_port
from tests.world import PASSWORD


def _set_cookie(response: httpx.Response) -> str:
    return next(v for k, v in response.headers.multi_items() if k == "set-cookie" and v.startswith(SESSION_COOKIE))


def test_login_sets_a_safe_session_cookie_and_returns_the_user(api):
    with httpx.Client(base_url=api.url) as client:
        response = client.post("/api/login", json={"username": "Ana", "password": PASSWORD})
        assert response.status_code == 200
        user = response.json()
        assert user["username"] == "ana" and user["role"] == "customer"
        assert not {key for key in user if "password" in key or "hash" in key}
        cookie = _set_cookie(response).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and f"max-age={SESSION_TTL_S}" in cookie
        assert "secure" not in cookie.replace("samesite", "")  # plain http: a Secure cookie would never come back
        assert client.get("/api/me").json()["username"] == "ana"


def test_the_cookie_is_secure_behind_a_trusted_https_proxy(start_api):
    server = start_api(trusted_proxies="127.0.0.1")
    response = httpx.post(f"{server.url}/api/login", json={"username": "ana", "password": PASSWORD},
                          headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "; secure" in _set_cookie(response).lower()


def test_the_cookie_is_secure_when_the_public_url_is_https_even_if_the_proxy_speaks_http(start_api):
    server = start_api(public_url="https://orchard.example.coop")
    with httpx.Client(base_url=server.url) as client:
        response = client.post("/api/login", json={"username": "ana", "password": PASSWORD})
        assert response.status_code == 200
        assert "; secure" in _set_cookie(response).lower()
        cookie = response.cookies[SESSION_COOKIE]
        logout = client.post("/api/logout", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"})
        assert logout.status_code == 204 and "; secure" in _set_cookie(logout).lower()


def test_logout_deletes_the_cookie(api):
    client = api.client("customer_active")
    response = client.post("/api/logout")
    assert response.status_code == 204
    assert 'max-age=0' in _set_cookie(response).lower()
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/me").status_code == 401


def test_logout_ends_a_copy_of_the_cookie_and_the_users_camera_tokens(start_api):
    server = start_api()
    client = server.client("admin")
    copy = client.cookies[SESSION_COOKIE]
    camera = client.post("/api/cameras/cam-17/token").json()["token"]
    policy = Policy(server.sessions, SECRET, cache_s=0)
    policy.from_camera_token(camera)
    assert client.post("/api/logout").status_code == 204
    assert httpx.get(f"{server.url}/api/me", headers={"Cookie": f"{SESSION_COOKIE}={copy}"}).status_code == 401
    with pytest.raises(AuthError):
        policy.from_camera_token(camera)


@pytest.mark.parametrize("ending", [{"password": "a whole new one"}, {"active": False}])
def test_a_new_password_or_deactivation_revokes_api_tokens_and_camera_tokens(start_api, ending):
    server = start_api()
    ana, admin = server.client("customer_active"), server.client("admin")
    token = ana.post("/api/tokens", json={"name": "script"}).json()["token"]
    camera = ana.post("/api/cameras/cam-17/token").json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/me", headers=bearer).status_code == 200
    user = f"/api/users/{server.world.users['customer_active']}"
    assert admin.patch(user, json=ending).status_code == 200
    if "active" in ending:
        assert admin.patch(user, json={"active": True}).status_code == 200  # coming back revives nothing
    assert httpx.get(f"{server.url}/api/me", headers=bearer).status_code == 401
    assert ana.get("/api/me").status_code == 401
    with pytest.raises(AuthError):
        Policy(server.sessions, SECRET, cache_s=0).from_camera_token(camera)


def test_a_deleted_users_tokens_never_work_for_the_next_user(start_api):
    server = start_api()
    admin = server.client("admin")
    made = admin.post("/api/users", json={"username": "temp", "role": "admin", "password": "temporary one"})
    with httpx.Client(base_url=server.url) as temp:
        assert temp.post("/api/login", json={"username": "temp", "password": "temporary one"}).status_code == 200
        camera = temp.post("/api/cameras/cam-17/token").json()["token"]
        cookie = temp.cookies[SESSION_COOKIE]
    assert admin.delete(f"/api/users/{made.json()['id']}").status_code == 204
    successor = admin.post("/api/users", json={"username": "successor", "role": "admin", "password": "another one!"})
    assert successor.json()["id"] != made.json()["id"]
    assert httpx.get(f"{server.url}/api/me", headers={"Cookie": f"{SESSION_COOKIE}={cookie}"}).status_code == 401
    with pytest.raises(AuthError):
        Policy(server.sessions, SECRET, cache_s=0).from_camera_token(camera)


@pytest.mark.parametrize("spelling", [" bo", "bo ", "BO", "\tbo\n", "ｂｏ", "ＢＯ", "bo\u3000", "\u00a0bo"])
def test_after_five_failures_every_spelling_of_the_name_is_throttled(start_api, spelling):
    server = start_api()
    for _ in range(5):
        assert httpx.post(f"{server.url}/api/login", json={"username": "bo", "password": "guess"}).status_code == 401
    response = httpx.post(f"{server.url}/api/login", json={"username": spelling, "password": PASSWORD})
    assert response.status_code == 429 and int(response.headers["Retry-After"]) > 0


def _guess_then_try(server, guesses_from: str, then_from: str) -> int:
    for _ in range(5):
        response = httpx.post(f"{server.url}/api/login", json={"username": "bo", "password": "guess"},
                              headers={"X-Forwarded-For": guesses_from})
        assert response.status_code == 401
    return httpx.post(f"{server.url}/api/login", json={"username": "bo", "password": PASSWORD},
                      headers={"X-Forwarded-For": then_from}).status_code


def test_x_forwarded_for_is_ignored_unless_the_proxy_is_trusted(start_api):
    assert _guess_then_try(start_api(), "198.51.100.1", "198.51.100.2") == 429  # both are really 127.0.0.1
    assert _guess_then_try(start_api(trusted_proxies="127.0.0.1"), "198.51.100.1", "198.51.100.2") == 200


def test_a_login_flood_is_answered_429_at_once_beyond_the_hashing_slots(start_api):
    server = start_api(trusted_proxies="127.0.0.1")
    me = server.client("customer_active")
    statuses, retry_after = [], []

    def guess(n: int) -> None:
        response = httpx.post(f"{server.url}/api/login", json={"username": f"random-{n}", "password": "guess"},
                              headers={"X-Forwarded-For": f"203.0.113.{n}"}, timeout=60)
        statuses.append(response.status_code)
        if response.status_code == 429:
            assert "at once" in response.json()["detail"]
            retry_after.append(response.headers.get("Retry-After"))

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    assert me.get("/api/me").status_code == 200  # a logged-in person is served meanwhile
    for thread in threads:
        thread.join()
    assert set(statuses) <= {401, 429} and statuses.count(429) > 0, statuses
    assert retry_after and all(value == "1" for value in retry_after)


def test_without_a_valid_session_or_token_every_route_says_401(api):
    assert httpx.get(f"{api.url}/api/trees").status_code == 401
    forged = mint_session("another-secret-" + "x" * 32, api.world.users["admin"], 0)
    response = httpx.get(f"{api.url}/api/trees", headers={"Cookie": f"{SESSION_COOKIE}={forged}"})
    assert response.status_code == 401 and response.headers["WWW-Authenticate"].startswith("Bearer")
    assert httpx.get(f"{api.url}/api/trees", headers={"Authorization": "Bearer not-a-token"}).status_code == 401
    wrong = httpx.post(f"{api.url}/api/login", json={"username": "ana", "password": "wrong"})
    assert wrong.status_code == 401 and wrong.json() == {"detail": "wrong username or password"}


def test_a_session_from_before_a_password_change_no_longer_works(start_api):
    server = start_api()
    ana, admin = server.client("customer_active"), server.client("admin")
    response = admin.patch(f"/api/users/{server.world.users['customer_active']}", json={"password": "a whole new one"})
    assert response.status_code == 200
    assert ana.get("/api/me").status_code == 401
    login = {"username": "ana", "password": "a whole new one"}
    assert httpx.post(f"{server.url}/api/login", json=login).status_code == 200


def test_guessing_passwords_is_throttled_with_retry_after(start_api):
    server = start_api()
    for _ in range(5):
        assert httpx.post(f"{server.url}/api/login", json={"username": "bo", "password": "guess"}).status_code == 401
    response = httpx.post(f"{server.url}/api/login", json={"username": "bo", "password": PASSWORD})
    assert response.status_code == 429  # even the right password waits now
    assert int(response.headers["Retry-After"]) > 0
    assert "try again" in response.json()["detail"]
    assert httpx.post(f"{server.url}/api/login", json={"username": "ana", "password": PASSWORD}).status_code == 200


def test_api_tokens_are_shown_once_and_act_as_their_owner_until_revoked(api):
    farmer = api.client("farmer_this_farm")
    made = farmer.post("/api/tokens", json={"name": "backup script"})
    assert made.status_code == 201
    token = made.json()["token"]
    assert token.startswith("orl_")
    listed = farmer.get("/api/tokens").json()
    assert [t["name"] for t in listed] == ["backup script"]
    assert not any("token" in key or "hash" in key for t in listed for key in t)

    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/api/me", headers=bearer).json()["username"] == "farmer-hill"
    trees = httpx.get(f"{api.url}/api/trees", headers=bearer).json()
    assert {tree["label"] for tree in trees} == {"17", "18"}

    assert api.client("admin").delete(f"/api/tokens/{made.json()['id']}").status_code == 404  # not the admin's
    assert farmer.delete(f"/api/tokens/{made.json()['id']}").status_code == 204
    assert httpx.get(f"{api.url}/api/me", headers=bearer).status_code == 401
    assert farmer.get("/api/tokens").json()[0]["revoked_at"] is not None


def test_an_expired_token_is_refused_and_a_past_expiry_is_422(api):
    client = api.client("customer_active")
    past = (datetime.now(UTC) - timedelta(minutes=1)).isoformat()
    response = client.post("/api/tokens", json={"name": "old", "expires_at": past})
    assert response.status_code == 422 and "expires_at" in response.text
    soon = (datetime.now(UTC) + timedelta(seconds=2)).isoformat()
    token = client.post("/api/tokens", json={"name": "brief", "expires_at": soon}).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{api.url}/api/me", headers=bearer).status_code == 200
    time.sleep(2.2)
    assert httpx.get(f"{api.url}/api/me", headers=bearer).status_code == 401


@pytest.mark.parametrize("spelling, answer", [("\u3000ＡＮＡ ", 201), ("a na", 422)])
def test_the_shop_webhook_finds_customers_by_the_one_form_of_their_name(start_api, spelling, answer):
    server = start_api()
    order = {"order_id": f"SHOP-{len(spelling)}", "customer": {"username": spelling}, "farm": "hill", "tree": "18",
             "start": "2025-03-01", "end": "2025-10-31"}
    body = json.dumps(order).encode()
    response = httpx.post(f"{server.url}/api/claims/orders", content=body, headers=signed(body))
    assert response.status_code == answer, response.text
    if answer == 201:  # ana's claim, not a new customer's
        assert response.json()["username"] == "ana"
        assert response.json()["user_id"] == server.world.users["customer_active"]
    else:
        assert "username" in response.text


def test_orchard_api_believes_x_forwarded_for_only_from_trusted_proxies(start_api, tmp_path):
    # A registry with the test world, served by `python -m api` itself, as an operator starts it.
    server = start_api()
    db_url = str(server.sessions.kw["bind"].url)
    for trusted, expected in (("", 429), ("127.0.0.1", 200)):
        port = free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
               "ORCHARD_DATA_DIR": str(tmp_path), "ORCHARD_DB_URL": db_url, "ORCHARD_SECRET_KEY": SECRET,
               "ORCHARD_TRUSTED_PROXIES": trusted}
        process = subprocess.Popen([sys.executable, "-m", "api", "--port", str(port)], cwd=REPO, env=env,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_for_port(port, timeout=60, process=process)
            with server.sessions.begin() as session:  # each run starts with a clean slate
                session.execute(delete(LoginFailure))
            running = SimpleNamespace(url=f"http://127.0.0.1:{port}")
            assert _guess_then_try(running, "198.51.100.1", "198.51.100.2") == expected, trusted
        finally:
            process.terminate()
            process.wait(timeout=30)
