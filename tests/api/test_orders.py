"""The shop's order webhook: signed, idempotent, and clear about what is wrong with an order."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import datetime

import httpx
import pytest

from tests.api.conftest import SHOP_SECRET, signed

ORDER = {"order_id": "SHOP-1001", "customer": {"username": "Dee@example.com", "display_name": "Dee"},
         "farm": "hill", "tree": "17", "start": "2025-03-01", "end": "2025-10-31"}


def post(api, order: dict | bytes, headers: dict | None = None) -> httpx.Response:
    body = order if isinstance(order, bytes) else json.dumps(order).encode()
    return httpx.post(f"{api.url}/api/claims/orders", content=body,
                      headers=signed(body) if headers is None else headers)


def test_an_order_makes_a_customer_and_an_active_claim_and_a_replay_returns_it(api):
    first = post(api, ORDER)
    assert first.status_code == 201, first.text
    claim = first.json()
    assert claim["status"] == "active" and claim["username"] == "dee@example.com"
    assert claim["tree_id"] == api.world.trees["17"] and claim["order_ref"] == "SHOP-1001"
    # Dates are days on the farm (hill keeps Asia/Shanghai time); the end day is included.
    assert datetime.fromisoformat(claim["starts_at"]) == datetime.fromisoformat("2025-03-01T00:00:00+08:00")
    assert datetime.fromisoformat(claim["ends_at"]) == datetime.fromisoformat("2025-11-01T00:00:00+08:00")

    again = post(api, ORDER)
    # A replay answers the same claim, with a fresh invitation while the customer has no password.
    assert again.status_code == 200 and {**again.json(), "invitation_url": None} == {**claim, "invitation_url": None}
    assert claim["invitation_url"].startswith("/invite/") and again.json()["invitation_url"].startswith("/invite/")
    admin = api.client("admin")
    assert [c["id"] for c in admin.get("/api/claims").json() if c["order_ref"] == "SHOP-1001"] == [claim["id"]]
    dee = [u for u in admin.get("/api/users").json() if u["username"] == "dee@example.com"]
    assert dee and dee[0]["role"] == "customer" and dee[0]["display_name"] == "Dee"
    # Made without a password: nobody can log in as her until one is set.
    login = httpx.post(f"{api.url}/api/login", json={"username": "dee@example.com", "password": ""})
    assert login.status_code == 422


@pytest.mark.parametrize("headers", [
    {},
    {"X-Orchard-Signature": "sha256=" + "0" * 64},
    {"X-Orchard-Signature": "md5=abc"},
    signed(b'{"order_id": "another body"}'),
    signed(json.dumps(ORDER).encode(), secret="not the shop's secret"),
], ids=["missing", "wrong", "not sha256", "other body", "other secret"])
def test_a_bad_or_missing_signature_is_401_and_changes_nothing(api, headers):
    order = {**ORDER, "order_id": "SHOP-FORGED"}
    response = post(api, order, headers={"Content-Type": "application/json", **headers})
    assert response.status_code == 401
    claims = api.client("admin").get("/api/claims").json()
    assert not [c for c in claims if c["order_ref"] == "SHOP-FORGED"]


@pytest.mark.parametrize("change, field", [
    (lambda o: o["customer"].pop("username"), "customer.username"),
    (lambda o: o.pop("order_id"), "order_id"),
    (lambda o: o.update(start="1st of March"), "start"),
    (lambda o: o.update(end="2024-01-01"), "end"),
    (lambda o: o.update(farm="nowhere"), "farm"),
    (lambda o: o.update(tree="999"), "tree"),
    (lambda o: o.update(customer={"username": "admin"}), "customer.username"),
])
def test_a_malformed_order_is_422_naming_the_field(api, change, field):
    order = json.loads(json.dumps(ORDER))
    order["order_id"] = f"SHOP-BAD-{field}"
    change(order)
    response = post(api, order)
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith(f"{field}:"), response.json()


def test_a_body_that_is_not_json_is_422(api):
    response = post(api, b"order=1")
    assert response.status_code == 422 and "JSON" in response.json()["detail"]


def test_without_a_shop_secret_the_webhook_is_503(start_api):
    server = start_api(shop_secret=None)
    body = json.dumps(ORDER).encode()
    response = httpx.post(f"{server.url}/api/claims/orders", content=body, headers=signed(body))
    assert response.status_code == 503 and "ORCHARD_SHOP_SECRET" in response.json()["detail"]


def order(order_id: str, **changes) -> dict:
    return {**json.loads(json.dumps(ORDER)), "order_id": order_id, **changes}


def test_a_farmer_cannot_squat_a_future_order_id_and_the_real_order_makes_its_claim(api):
    ids = api.ids()
    farmer = api.client("farmer_this_farm")
    squat = farmer.post("/api/claims", json={"user_id": ids["customer_active"], "tree_id": ids["t17"],
                                             "starts_at": "2033-01-01T00:00:00Z", "ends_at": "2033-02-01T00:00:00Z",
                                             "order_ref": "SHOP-FUTURE-1"})
    assert squat.status_code == 403, squat.text
    assert "order_ref" in squat.json()["detail"]
    real = post(api, order("SHOP-FUTURE-1", farm="valley", tree="5", customer={"username": "buyer@example.com"}))
    assert real.status_code == 201, real.text
    assert real.json()["username"] == "buyer@example.com" and real.json()["farm_id"] == "valley"
    # Admins still may set it, e.g. to record an order taken by phone.
    admin = api.client("admin")
    by_admin = admin.post("/api/claims", json={"user_id": ids["customer_active"], "tree_id": ids["t17"],
                                               "starts_at": "2033-01-01T00:00:00Z",
                                               "ends_at": "2033-02-01T00:00:00Z", "order_ref": "PHONE-1"})
    assert by_admin.status_code == 201 and by_admin.json()["order_ref"] == "PHONE-1"


@pytest.mark.parametrize("changes", [
    {"farm": "valley", "tree": "5"},
    {"tree": "18"},
    {"customer": {"username": "someone-else@example.com"}},
    {"start": "2025-04-01"},
    {"end": "2025-12-31"},
], ids=["farm", "tree", "customer", "start", "end"])
def test_a_replay_that_differs_from_the_original_order_is_409(api, changes):
    order_id = f"SHOP-REPLAY-{'-'.join(changes)}"
    # A season of its own for each order: one customer per tree at a time.
    year = 2040 + sorted(["farm", "tree", "customer", "start", "end"]).index(next(iter(changes)))
    season = {"start": f"{year}-03-01", "end": f"{year}-10-31"}
    first = post(api, order(order_id, **season))
    assert first.status_code == 201, first.text
    replay = post(api, order(order_id, **{**season, **changes}))
    assert replay.status_code == 409, replay.text
    assert "order_id" in replay.json()["detail"]
    same = post(api, {**order(order_id, **season), "customer": {"username": " DEE@example.com "}})
    assert same.status_code == 200 and same.json()["id"] == first.json()["id"]
    assert {**same.json(), "invitation_url": None} == {**first.json(), "invitation_url": None}


@pytest.mark.parametrize("age_s", [-3600, 301, 86_400 * 30], ids=["future", "six-minutes-old", "a-month-old"])
def test_an_order_signed_outside_the_freshness_window_is_401(api, age_s):
    body = json.dumps(order(f"SHOP-OLD-{age_s}")).encode()
    response = post(api, body, headers=signed(body, at=time.time() - age_s))
    assert response.status_code == 401, response.text
    assert "X-Orchard-Timestamp" in response.json()["detail"]
    assert not [c for c in api.client("admin").get("/api/claims").json() if c["order_ref"] == f"SHOP-OLD-{age_s}"]


def test_the_timestamp_is_signed_with_the_body(api):
    body = json.dumps(order("SHOP-STAMP-1")).encode()
    headers = signed(body, at=time.time() - 120)
    headers["X-Orchard-Timestamp"] = str(int(time.time()))  # a fresh stamp on an old signature
    assert post(api, body, headers=headers).status_code == 401
    old_scheme = hmac.new(SHOP_SECRET.encode(), body, hashlib.sha256).hexdigest()  # before: the body alone
    response = post(api, body, headers={"X-Orchard-Signature": f"sha256={old_scheme}",
                                        "Content-Type": "application/json"})
    assert response.status_code == 401 and "X-Orchard-Timestamp" in response.json()["detail"]
    for stamp in ("١٧٠٠٠٠٠٠٠٠".encode(), "9" * 400, "-5"):  # other scripts' digits, a huge number, a sign
        response = post(api, body, headers={**signed(body), "X-Orchard-Timestamp": stamp})
        assert response.status_code == 401, (stamp, response.text)


@pytest.mark.parametrize("start, end", [("0001-01-01", "2025-10-31"), ("2025-03-01", "9999-12-31"),
                                        ("2025-03-01T00:00:00", "9999-12-31T23:59:59")],
                         ids=["year-1", "year-9999", "year-9999-datetime"])
def test_absurd_dates_are_422_not_500(api, start, end):
    response = post(api, order(f"SHOP-YEAR-{start}-{end}", start=start, end=end))
    assert response.status_code == 422, response.text
    assert "year" in response.json()["detail"]


def test_an_order_for_a_staff_username_does_not_say_what_the_account_is(api):
    response = post(api, order("SHOP-STAFF-1", customer={"username": "farmer-valley"}))
    assert response.status_code == 422, response.text
    detail = response.json()["detail"]
    assert detail.startswith("customer.username:") and "farmer" not in detail.replace("farmer-valley", "")
    assert "admin" not in post(api, order("SHOP-STAFF-2", customer={"username": "admin"})).json()["detail"].replace(
        "'admin'", "")
