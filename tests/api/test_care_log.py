"""api/routes/care_log.py over a real server: record, correct, read back, and who sees which entries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests.api.care_world import add_care_log, jpeg


@pytest.fixture(scope="module")
def care(api):
    return {**api.ids(), **add_care_log(api)}


def iso(moment: datetime) -> str:
    return moment.isoformat()


def test_a_farmer_records_and_corrects_and_the_customer_reads_every_revision(api, care):
    farmer, ana = api.client("farmer_this_farm"), api.client("customer_active")
    made = farmer.post("/api/care-log", json={
        "farm_id": "hill", "scope": "tree", "tree_id": care["t17"], "kind": "fertilising",
        "event_at": iso(datetime.now(UTC) - timedelta(hours=2)), "notes": "compost", "material": "compost",
        "quantity": 5, "unit": "kg"})
    assert made.status_code == 201, made.text
    entry = made.json()
    assert entry["recorded_at"] >= entry["event_at"] and entry["camera_id"] == "cam-17"
    fixed = farmer.post(f"/api/care-log/{entry['id']}/revisions",
                        json={"notes": "compost", "material": "compost", "quantity": 8, "unit": "kg",
                              "reason": "two more bags"})
    assert fixed.status_code == 201, fixed.text
    seen = {e["id"]: e for e in ana.get("/api/care-log").json()}[entry["id"]]
    assert seen["changed"] is True
    assert [r["quantity"] for r in seen["revisions"]] == [5.0, 8.0]
    assert seen["revisions"][1]["reason"] == "two more bags"


def test_the_future_and_bad_products_are_refused_with_the_field_named(api, care):
    farmer = api.client("farmer_this_farm")
    body = {"farm_id": "hill", "scope": "tree", "tree_id": care["t17"], "kind": "watering",
            "event_at": iso(datetime.now(UTC) + timedelta(days=1)), "quantity": 10, "unit": "L"}
    future = farmer.post("/api/care-log", json=body)
    assert future.status_code == 422 and "in the future" in future.text
    spray = {**body, "kind": "pest_control", "event_at": iso(datetime.now(UTC)), "quantity": None,
             "method": "chemical", "inputs": [{"product": "X", "dose": 1, "dose_unit": "ml/L",
                                               "classification": "synthetic", "registration": "12345",
                                               "pre_harvest_days": 7}]}
    bad = farmer.post("/api/care-log", json=spray)
    assert bad.status_code == 422 and "registration" in bad.text


def test_customers_see_their_tree_its_plot_and_only_within_their_claim(api, care):
    notes = {persona: {e["revisions"][-1]["notes"] for e in api.client(persona).get("/api/care-log").json()}
             for persona in ("customer_active", "customer_expired", "customer_other_tree", "farmer_other_farm")}
    assert {"care-17", "care-north"} <= notes["customer_active"] and "care-old" not in notes["customer_active"]
    assert notes["customer_expired"] == set()  # bo's claim ended: nothing, not even what was in it
    assert "care-north" in notes["customer_other_tree"] and "care-17" not in notes["customer_other_tree"]
    assert notes["farmer_other_farm"] == {"care-5"}


def test_the_promise_panel_tells_of_a_synthetic_spray_on_the_plot(api, care):
    farmer = api.client("farmer_this_farm")
    assert api.client("customer_other_tree").get(f"/api/trees/{care['t18']}/promise").json()["kept"] is True
    sprayed = farmer.post("/api/care-log", json={
        "farm_id": "hill", "scope": "plot", "plot_id": care["plot_north"], "kind": "pest_control",
        "event_at": iso(datetime.now(UTC) - timedelta(hours=1)), "method": "chemical",
        "inputs": [{"product": "Abamectin 1.8% EC", "registration": "PD20080001", "dose": 0.5, "dose_unit": "ml/L",
                    "pre_harvest_days": 14, "classification": "synthetic"}]})
    assert sprayed.status_code == 201, sprayed.text
    promise = api.client("customer_other_tree").get(f"/api/trees/{care['t18']}/promise").json()
    assert promise["kept"] is False
    assert promise["synthetic"][0]["registration"] == "PD20080001"
    assert promise["synthetic"][0]["pre_harvest_days"] == 14


def test_a_photo_is_checked_kept_once_and_served_only_to_who_may_read_the_entry(api, care):
    farmer = api.client("farmer_this_farm")
    sent = jpeg(3)
    first = farmer.post("/api/care-log/photos", content=sent, headers={"Content-Type": "image/jpeg"})
    again = farmer.post("/api/care-log/photos", content=sent, headers={"Content-Type": "image/jpeg"})
    assert first.status_code == again.status_code == 201 and first.json() == again.json()
    name = first.json()["photo"]
    fake = farmer.post("/api/care-log/photos", content=b"\xff\xd8\xff" + b"x" * 200,
                       headers={"Content-Type": "image/jpeg"})
    assert fake.status_code == 422 and "cannot be read" in fake.text
    made = farmer.post("/api/care-log", json={
        "farm_id": "hill", "scope": "tree", "tree_id": care["t17"], "kind": "inspection", "photo": name,
        "event_at": iso(datetime.now(UTC) - timedelta(minutes=5)), "notes": "photo of the scab"}).json()
    url = f"/api/care-log/{made['id']}/revisions/1/photo"
    shown = api.client("customer_active").get(url)
    assert shown.status_code == 200 and shown.content == sent and shown.headers["content-type"] == "image/jpeg"
    assert api.client("customer_other_tree").get(url).status_code == 404
    unknown = farmer.post("/api/care-log", json={
        "farm_id": "hill", "scope": "farm", "kind": "inspection", "photo": "care-photos/" + "0" * 64 + ".jpg",
        "event_at": iso(datetime.now(UTC))})
    assert unknown.status_code == 422 and "upload the picture first" in unknown.text
