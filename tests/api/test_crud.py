"""Create, read, update, delete through the API, as the people who do it."""

from __future__ import annotations

from datetime import timedelta

import pytest

from orchard.registry import orchards
from orchard.registry.passwords import verify_mqtt_password

SECRET_WORDS = ("password_hash", "mqtt_password_hash", "token_hash")


@pytest.fixture
def server(start_api):
    return start_api()


def test_a_new_device_gets_its_mqtt_password_once(server):
    admin = server.client("admin")
    made = admin.post("/api/devices", json={"id": "hill-9", "farm_id": "hill", "tree_id": server.world.trees["18"],
                                            "sensors": "bme280"})
    assert made.status_code == 201, made.text
    device = made.json()
    assert device["mqtt_username"] == "hill-9" and len(device["mqtt_password"]) >= 32
    with server.sessions() as session:
        stored = orchards.get_device(session, "hill-9").mqtt_password_hash
    assert verify_mqtt_password(stored, device["mqtt_password"])

    again = admin.get("/api/devices/hill-9").json()
    assert "mqtt_password" not in again and again["sensors"] == "bme280"
    assert not any(word in str(admin.get("/api/devices").json()) for word in ("mqtt_password", *SECRET_WORDS))

    reset = admin.post("/api/devices/hill-9/password").json()
    assert reset["mqtt_password"] != device["mqtt_password"]
    revoked = admin.patch("/api/devices/hill-9", json={"revoked": True}).json()
    assert revoked["revoked_at"] is not None


def test_no_answer_carries_a_hash(server):
    admin = server.client("admin")
    for path in ("/api/users", "/api/me", "/api/devices", "/api/tokens", "/api/claims", "/api/cameras"):
        text = admin.get(path).text
        assert not any(word in text for word in SECRET_WORDS), path


def test_a_farmer_plants_and_changes_trees_on_their_farm_only(server):
    farmer = server.client("farmer_this_farm")
    plot = farmer.post("/api/plots", json={"farm_id": "hill", "name": "south"}).json()
    tree = farmer.post("/api/trees", json={"farm_id": "hill", "label": "19", "plot_id": plot["id"],
                                           "variety": "Honeycrisp", "planted_on": "2019-04-01",
                                           "latitude": 30.1, "longitude": 120.2})
    assert tree.status_code == 201, tree.text
    assert tree.json()["plot_id"] == plot["id"] and tree.json()["planted_on"] == "2019-04-01"
    changed = farmer.patch(f"/api/trees/{tree.json()['id']}", json={"variety": "Fuji", "plot_id": None})
    assert changed.json()["variety"] == "Fuji" and changed.json()["plot_id"] is None
    assert farmer.post("/api/trees", json={"farm_id": "valley", "label": "6"}).status_code == 403
    assert farmer.delete(f"/api/trees/{tree.json()['id']}").status_code == 403
    # A plot of another farm is refused, naming the field.
    valley_plot = server.client("admin").post("/api/plots", json={"farm_id": "valley", "name": "east"}).json()
    wrong = farmer.patch(f"/api/trees/{tree.json()['id']}", json={"plot_id": valley_plot["id"]})
    assert wrong.status_code == 422 and wrong.json()["detail"].startswith("plot_id:")


def test_a_new_claim_shows_the_customer_the_tree_at_once(start_api):
    server = start_api(policy_cache_s=60)  # a write through the API must drop the policy's cached answers
    bo, farmer = server.client("customer_expired"), server.client("farmer_other_farm")
    tree5 = server.world.trees["5"]
    assert bo.get(f"/api/trees/{tree5}").status_code == 404
    claim = farmer.post("/api/claims", json={
        "user_id": server.world.users["customer_expired"], "tree_id": tree5, "status": "active",
        "starts_at": (server.world.now - timedelta(days=1)).isoformat(),
        "ends_at": (server.world.now + timedelta(days=90)).isoformat()})
    assert claim.status_code == 201, claim.text
    assert bo.get(f"/api/trees/{tree5}").status_code == 200
    assert [t["label"] for t in bo.get("/api/trees").json()] == ["5"]
    assert farmer.patch(f"/api/claims/{claim.json()['id']}", json={"status": "cancelled"}).status_code == 200
    assert bo.get(f"/api/trees/{tree5}").status_code == 404


def test_claims_must_end_after_they_start_and_belong_to_customers(server):
    admin = server.client("admin")
    body = {"user_id": server.world.users["customer_active"], "tree_id": server.world.trees["18"],
            "starts_at": "2030-02-01T00:00:00Z", "ends_at": "2030-01-01T00:00:00Z"}
    response = admin.post("/api/claims", json=body)
    assert response.status_code == 422 and "ends_at" in response.text
    farmer_claim = admin.post("/api/claims", json={**body, "user_id": server.world.users["farmer_this_farm"],
                                                   "ends_at": "2030-03-01T00:00:00Z"})
    assert farmer_claim.status_code == 422 and "customers" in farmer_claim.json()["detail"]


def test_conflicts_are_409_with_a_short_reason(server):
    admin = server.client("admin")
    duplicate = admin.post("/api/farms", json={"id": "hill", "name": "Again"})
    assert duplicate.status_code == 409 and "already exists" in duplicate.json()["detail"]
    assert "INSERT" not in duplicate.text and "UNIQUE" not in duplicate.text
    claimed = admin.delete(f"/api/trees/{server.world.trees['17']}")
    assert claimed.status_code == 409 and "depend" in claimed.json()["detail"]
    assert admin.get(f"/api/trees/{server.world.trees['17']}").status_code == 200
    with_claims = admin.delete(f"/api/users/{server.world.users['customer_active']}")
    assert with_claims.status_code == 409


def test_missing_rows_are_404_and_unknown_fields_422(server):
    admin = server.client("admin")
    assert admin.get("/api/trees/999999").status_code == 404
    assert admin.get("/api/farms/nowhere").json() == {"detail": "no farm 'nowhere'"}
    assert admin.post("/api/farms", json={"id": "x", "name": "X", "colour": "red"}).status_code == 422
    assert admin.post("/api/farms", json={"id": "Bad Id", "name": "X"}).status_code == 422
    assert admin.post("/api/farms", json={"id": "tz", "name": "X", "timezone": "Mars/Olympus"}).status_code == 422


def test_admins_manage_people_and_cameras(server):
    admin = server.client("admin")
    farmer = admin.post("/api/users", json={"username": "Farmer-New", "role": "farmer", "password": "long enough",
                                            "farm_ids": ["valley"]})
    assert farmer.status_code == 201 and farmer.json()["farm_ids"] == ["valley"]
    moved = admin.patch(f"/api/users/{farmer.json()['id']}", json={"farm_ids": ["hill", "valley"]})
    assert moved.json()["farm_ids"] == ["hill", "valley"]
    camera = admin.post("/api/cameras", json={"id": "cam-18b", "device_id": "hill-2",
                                              "tree_ids": [server.world.trees["18"]]})
    assert camera.status_code == 201 and camera.json()["farm_id"] == "hill"
    elsewhere = admin.patch("/api/cameras/cam-18b", json={"tree_ids": [server.world.trees["5"]]})
    assert elsewhere.status_code == 422
    assert server.client("customer_other_tree").get("/api/cameras/cam-18b").status_code == 200
    assert admin.delete("/api/cameras/cam-18b").status_code == 204
    assert admin.delete(f"/api/users/{farmer.json()['id']}").status_code == 204


def test_a_camera_token_names_the_user_and_camera_and_lasts_an_hour_at_most(server):
    from orchard.auth import read_camera_token
    from tests.api.conftest import SECRET
    ana = server.client("customer_active")
    answer = ana.post("/api/cameras/cam-17/token", params={"ttl_s": 600}).json()
    grant = read_camera_token(SECRET, answer["token"])
    assert grant.cameras == {"cam-17"} and grant.subject == str(server.world.users["customer_active"])
    assert ana.post("/api/cameras/cam-17/token", params={"ttl_s": 7200}).status_code == 422
