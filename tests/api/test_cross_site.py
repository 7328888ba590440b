"""A page on another site cannot use a logged-in farmer's or admin's cookie to change anything."""

from __future__ import annotations

import json

import httpx
import pytest

from tests.api.conftest import signed

EVIL = {"Origin": "https://evil.example"}
CSV = "farm,label,variety\nhill,csrf-{n},Fuji\n"


def test_a_cross_site_multipart_csv_import_with_the_cookie_is_refused(api):
    farmer = api.client("farmer_this_farm")
    files = {"file": ("trees.csv", CSV.format(n=1).encode(), "text/csv")}
    response = farmer.post("/api/trees/import", files=files, headers={**EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 403, response.text
    assert "another site" in response.json()["detail"] or "cross-site" in response.json()["detail"]
    labels = [tree["label"] for tree in farmer.get("/api/trees", params={"farm": "hill"}).json()]
    assert "csrf-1" not in labels


@pytest.mark.parametrize("headers", [EVIL, {"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                                     {"Origin": "null"}], ids=["origin", "fetch-site", "same-site", "null-origin"])
def test_a_cross_site_bodyless_device_password_reset_is_refused(api, headers):
    admin = api.client("admin")
    response = admin.post("/api/devices/hill-1/password", headers=headers)
    assert response.status_code == 403, response.text
    assert "mqtt_password" not in response.text


def test_the_same_origin_and_non_browser_clients_still_work(api):
    admin = api.client("admin")
    own = {"Origin": api.url, "Sec-Fetch-Site": "same-origin"}
    assert admin.post("/api/devices/hill-2/password", headers=own).status_code == 200
    assert admin.post("/api/devices/hill-2/password").status_code == 200  # curl, scripts: no Origin at all
    farmer = api.client("farmer_this_farm")
    files = {"file": ("trees.csv", CSV.format(n=2).encode(), "text/csv")}
    assert farmer.post("/api/trees/import", files=files, headers={"Origin": api.url}).status_code == 200


def test_a_bearer_token_and_the_signed_webhook_are_not_affected(api):
    admin = api.client("admin")
    token = admin.post("/api/tokens", json={"name": "script"}).json()["token"]
    response = httpx.post(f"{api.url}/api/devices/hill-2/password",
                          headers={**EVIL, "Sec-Fetch-Site": "cross-site", "Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.text
    body = json.dumps({"order_id": "CSRF-SHOP-1", "customer": {"username": "csrf@example.com"}, "farm": "hill",
                       "tree": "18", "start": "2032-03-01", "end": "2032-10-31"}).encode()
    response = httpx.post(f"{api.url}/api/claims/orders", content=body,
                          headers={**signed(body), **EVIL, "Sec-Fetch-Site": "cross-site"})
    assert response.status_code == 201, response.text


def test_reading_from_another_site_is_not_refused_here(api):
    # GETs change nothing; what they show is guarded by the cookie's SameSite and the policy.
    assert api.client("admin").get("/api/me", headers=EVIL).status_code == 200
