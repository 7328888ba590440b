"""Refusals tell nobody what they may not see: another farm's name, another person's role."""

from __future__ import annotations

import pytest

START, END = "2033-01-01T00:00:00Z", "2033-02-01T00:00:00Z"


@pytest.mark.parametrize("persona", ["farmer_this_farm", "customer_active", "customer_other_tree"])
def test_a_claim_on_a_tree_of_a_farm_the_asker_cannot_see_does_not_name_that_farm(api, persona):
    ids = api.ids()
    response = api.client(persona).post("/api/claims", json={
        "user_id": ids["customer_active"], "tree_id": ids["t5"], "starts_at": START, "ends_at": END})
    assert response.status_code == 403, response.text
    assert "valley" not in response.text


@pytest.mark.parametrize("persona", ["farmer_this_farm", "customer_active"])
def test_a_camera_on_a_device_of_another_farm_does_not_name_that_farm(api, persona):
    response = api.client(persona).post("/api/cameras", json={"id": "cam-probe", "device_id": "valley-1"})
    assert response.status_code == 403, response.text
    assert "valley" not in response.text


@pytest.mark.parametrize("target", ["admin", "farmer_other_farm"])
def test_a_farmer_giving_a_claim_to_a_non_customer_learns_no_role_or_name(api, target):
    ids = api.ids()
    response = api.client("farmer_this_farm").post("/api/claims", json={
        "user_id": ids[target], "tree_id": ids["t17"], "starts_at": START, "ends_at": END})
    assert response.status_code == 422, response.text
    detail = response.json()["detail"].lower()
    assert "admin" not in detail and "farmer" not in detail and "valley" not in detail, detail
    assert response.json()["detail"] == f"user_id: there is no customer {ids[target]}"
