"""Invitations from the shop's webhook, password resets, one customer per tree, and share links, over HTTP."""

from __future__ import annotations

import json

import httpx

from tests.api.conftest import signed
from tests.world import PASSWORD

ORDER = {"order_id": "SHOP-INV-1", "customer": {"username": "Gus@example.com", "display_name": "Gus"},
         "farm": "valley", "tree": "5", "start": "2031-03-01", "end": "2031-10-31"}


def post_order(server, order: dict) -> httpx.Response:
    body = json.dumps(order).encode()
    return httpx.post(f"{server.url}/api/claims/orders", content=body, headers=signed(body))


def set_password(server, url: str, password: str, purpose: str = "invite") -> httpx.Response:
    token = url.rsplit("/", 1)[1]
    return httpx.post(f"{server.url}/api/password-links",
                      json={"token": token, "purpose": purpose, "password": password})


def test_a_new_customer_sets_a_password_with_the_webhooks_invitation_once(start_api):
    server = start_api(public_url="https://orchard.example.coop")
    made = post_order(server, ORDER)
    assert made.status_code == 201, made.text
    url = made.json()["invitation_url"]
    assert url.startswith("https://orchard.example.coop/invite/") and len(url.rsplit("/", 1)[1]) >= 43
    assert set_password(server, url, "short").status_code == 422
    assert set_password(server, url, "gus's own password").status_code == 204
    login = httpx.post(f"{server.url}/api/login", json={"username": "gus@example.com",
                                                        "password": "gus's own password"})
    assert login.status_code == 200, login.text
    again = set_password(server, url, "someone else's password")
    assert again.status_code == 410 and "already used" in again.json()["detail"]
    # With a password set, a replayed order brings no invitation.
    assert post_order(server, ORDER).json()["invitation_url"] is None


def test_an_order_for_a_tree_another_customer_holds_is_409_naming_them(api):
    order = {**ORDER, "order_id": "SHOP-TAKEN-1", "farm": "hill", "tree": "17",
             "start": api.world.now.date().isoformat(), "end": api.world.now.date().isoformat()}
    response = post_order(api, order)
    assert response.status_code == 409, response.text
    detail = response.json()["detail"]
    assert "'17'" in detail and "'A-1'" in detail  # which tree, and the order holding it
    assert not [c for c in api.client("admin").get("/api/claims").json() if c["order_ref"] == "SHOP-TAKEN-1"]
    users = [u["username"] for u in api.client("admin").get("/api/users").json()]
    assert "gus@example.com" not in users  # the refused order made no customer either


def test_a_reset_link_from_the_farmer_ends_the_customers_sessions(start_api):
    server = start_api()
    ana = server.client("customer_active")
    farmer = server.client("farmer_this_farm")
    made = farmer.post(f"/api/users/{server.world.users['customer_active']}/password-link")
    assert made.status_code == 201 and made.json()["purpose"] == "reset", made.text
    assert made.json()["url"].startswith("/reset/")  # no ORCHARD_PUBLIC_URL: a path
    assert set_password(server, made.json()["url"], "ana's new password", purpose="invite").status_code == 404
    assert set_password(server, made.json()["url"], "ana's new password", purpose="reset").status_code == 204
    assert ana.get("/api/me").status_code == 401  # the old session ended with the old password
    assert httpx.post(f"{server.url}/api/login", json={"username": "ana", "password": PASSWORD}).status_code == 401


def test_guessing_links_is_throttled(start_api):
    """Wrong links count as failed logins from the address: at the latest the 51st guess waits (per address)."""
    server = start_api()
    statuses = []
    for n in range(51):
        statuses.append(httpx.post(f"{server.url}/api/password-links", json={
            "token": f"guess-{n}", "purpose": "reset", "password": "whatever long"}).status_code)
        if statuses[-1] == 429:
            break
    assert statuses[:5] == [404] * 5 and statuses[-1] == 429, statuses


def test_a_share_link_shows_the_tree_without_the_customer_and_dies_when_revoked(start_api):
    server = start_api()
    ana = server.client("customer_active")
    claim_id = server.ids()["claim_ana"]
    made = ana.post(f"/api/claims/{claim_id}/shares", json={"days": 30, "frame_hour": 8})
    assert made.status_code == 201, made.text
    share = made.json()
    assert share["url"].startswith("/share/") and share["frame_hour"] == 8
    listed = ana.get(f"/api/claims/{claim_id}/shares").json()
    assert [s["id"] for s in listed] == [share["id"]] and listed[0]["url"] is None  # the token is not kept
    token = share["url"].rsplit("/", 1)[1]
    shown = httpx.get(f"{server.url}/api/shared/{token}")
    assert shown.status_code == 200, shown.text
    assert shown.json()["tree_label"] == "17" and shown.json()["farm_name"] == "Hillside Orchard"
    for private in ("ana", "A-1", "latitude", "user"):
        assert private not in shown.text
    assert ana.delete(f"/api/shares/{share['id']}").status_code == 204
    assert httpx.get(f"{server.url}/api/shared/{token}").status_code == 410


def test_a_farm_that_shares_trees_cannot_stop_while_customers_share_one(start_api):
    server = start_api()
    admin = server.client("admin")
    assert admin.patch("/api/farms/hill", json={"shared_trees": True}).json()["shared_trees"] is True
    order = {**ORDER, "order_id": "SHOP-SHARED-1", "farm": "hill", "tree": "17",
             "start": server.world.now.date().isoformat(), "end": server.world.now.date().isoformat()}
    assert post_order(server, order).status_code == 201  # shares tree 17 with ana's A-1
    refused = admin.patch("/api/farms/hill", json={"shared_trees": False})
    assert refused.status_code == 409 and "'A-1'" in refused.json()["detail"], refused.text
    assert admin.get("/api/farms/hill").json()["shared_trees"] is True
