"""The shop's order webhook: signed, idempotent, and clear about what is wrong with an order."""

from __future__ import annotations

import json
from datetime import datetime

import httpx
import pytest

from tests.api.conftest import signed

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
    assert again.status_code == 200 and again.json() == claim
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
