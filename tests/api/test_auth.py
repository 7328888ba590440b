"""Logging in and out, the session cookie, throttled guessing, and API tokens, as a client meets them."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx

from orchard.auth.sessions import SESSION_COOKIE, SESSION_TTL_S, mint_session
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


def test_the_cookie_is_secure_behind_an_https_proxy(api):
    response = httpx.post(f"{api.url}/api/login", json={"username": "ana", "password": PASSWORD},
                          headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert "; secure" in _set_cookie(response).lower()


def test_logout_deletes_the_cookie(api):
    client = api.client("customer_active")
    response = client.post("/api/logout")
    assert response.status_code == 204
    assert 'max-age=0' in _set_cookie(response).lower()
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/me").status_code == 401


def test_without_a_valid_session_or_token_every_route_says_401(api):
    assert httpx.get(f"{api.url}/api/trees").status_code == 401
    forged = mint_session("another-secret-" + "x" * 32, api.world.users["admin"], None)
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
