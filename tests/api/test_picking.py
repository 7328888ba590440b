"""Cloud picking through the API on a real server: the whole way from request to delivery, who sees
what (addresses above all), bad input, and addresses erased after delivery."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import timedelta

import pytest

from orchard.registry.models import utcnow
from orchard.registry.picking import PickingRequest
from orchard.registry.picking_requests import erase_old_addresses
from tests.api.authz_picking import LISTS, SHIP_TO
from tests.api.conftest import RunningApi
from tests.picking_world import add_picking, fruit_jpeg


@pytest.fixture(scope="module")
def picking_api(sqlite_template, tmp_path_factory) -> Iterator[RunningApi]:
    """One API server whose world has picking rows (tests/picking_world.py)."""
    workdir = tmp_path_factory.mktemp("api")
    shutil.copyfile(sqlite_template, workdir / "registry.db")
    server = RunningApi(workdir, f"sqlite:///{workdir / 'registry.db'}").start()
    server.picking = add_picking(server.sessions, server.settings.data_dir)
    yield server
    server.stop()


def test_request_picked_shipped_delivered_with_photos(picking_api):
    ana, farmer = picking_api.client("customer_active"), picking_api.client("farmer_this_farm")
    claim = picking_api.ids()["claim_ana"]
    made = ana.post("/api/picking/requests", json={"claim_id": claim, "quantity_kg": 2.5, "gift": True,
                                                    "ship_to": {**SHIP_TO, "address": "文三路 1 号\n3 单元 501"}})
    assert made.status_code == 201, made.text
    request = made.json()
    assert request["status"] == "requested" and request["gift"] and request["quantity_kg"] == 2.5
    assert request["ship_to"]["address"] == "文三路 1 号\n3 单元 501"
    assert request["id"] in {r["id"] for r in farmer.get("/api/picking/requests?status=requested").json()}
    assert farmer.post(f"/api/picking/requests/{request['id']}/picked", json={"weight_kg": 2.4}).status_code == 422
    for kind, colour in (("tree", (40, 60, 200)), ("box", (30, 140, 220))):
        photo = farmer.post("/api/picking/photos", params={"request": request["id"], "kind": kind},
                            content=fruit_jpeg(colour), headers={"Content-Type": "image/jpeg"})
        assert photo.status_code == 201, photo.text
    picked = farmer.post(f"/api/picking/requests/{request['id']}/picked", json={"weight_kg": 2.4})
    assert picked.status_code == 200, picked.text
    assert ana.post(f"/api/picking/requests/{request['id']}/cancel").status_code == 409  # too late: picked
    shipped = farmer.post(f"/api/picking/requests/{request['id']}/shipped",
                          json={"courier": "顺丰速运", "tracking_number": "SF1234567890"})
    assert shipped.status_code == 200, shipped.text
    assert ana.post(f"/api/picking/requests/{request['id']}/delivered").status_code == 200
    seen = ana.get(f"/api/picking/requests/{request['id']}").json()
    assert [step["step"] for step in seen["timeline"]] == ["requested", "picked", "shipped", "delivered"]
    assert seen["timeline"][1]["by"] == "farmer-hill" and seen["timeline"][3]["by"] == "ana"
    assert seen["weight_kg"] == 2.4 and seen["tracking_number"] == "SF1234567890"
    assert [p["kind"] for p in seen["photos"]] == ["tree", "box"]
    image = ana.get(seen["photos"][1]["url"])
    assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
    assert image.content == fruit_jpeg((30, 140, 220))
    assert picking_api.client("customer_other_tree").get(seen["photos"][1]["url"]).status_code == 404


def test_each_persona_lists_only_its_requests_and_bookings(picking_api):
    clients, wrong = picking_api.personas(), []
    for path, expected in LISTS.items():
        for persona, want in expected.items():
            rows = clients[persona].get(path).json()
            if {row["customer"] for row in rows} != want:
                wrong.append(f"{path} as {persona}: {sorted({row['customer'] for row in rows})}")
    assert not wrong, wrong


def test_nobody_else_reads_an_address(picking_api):
    mine = picking_api.picking["request_ana"]
    for persona in ("customer_expired", "customer_other_tree", "farmer_other_farm"):
        client = picking_api.client(persona)
        assert client.get(f"/api/picking/requests/{mine}").status_code == 404
        assert "王小明" not in client.get("/api/picking/requests").text


@pytest.mark.parametrize(("body", "field"), [
    ({"quantity_kg": 0}, "quantity_kg"), ({"quantity_kg": 500}, "quantity_kg"),
    ({"ship_to": {**SHIP_TO, "phone": "call me"}}, "phone"), ({"ship_to": {**SHIP_TO, "name": "=cmd()"}}, "name"),
    ({"ship_to": {**SHIP_TO, "address": "  "}}, "address"), ({"ship_to": {**SHIP_TO, "city": "a\u202eb"}}, "city"),
])
def test_a_bad_request_is_refused_naming_the_field(picking_api, body, field):
    ana = picking_api.client("customer_active")
    before = len(ana.get("/api/picking/requests").json())
    answer = ana.post("/api/picking/requests", json={"claim_id": picking_api.ids()["claim_ana"], "quantity_kg": 1,
                                                      "ship_to": SHIP_TO, **body})
    assert answer.status_code == 422 and field in answer.text, answer.text
    assert len(ana.get("/api/picking/requests").json()) == before


def test_a_photo_must_be_a_real_image_of_bounded_size(picking_api):
    farmer, request = picking_api.client("farmer_this_farm"), picking_api.picking["request_cy"]
    fake = farmer.post("/api/picking/photos", params={"request": request}, content=b"\xff\xd8\xff" + b"x" * 500,
                       headers={"Content-Type": "image/jpeg"})
    assert fake.status_code == 422 and "JPEG or PNG" in fake.text
    huge = farmer.post("/api/picking/photos", params={"request": request}, content=b"\xff" * (9 * 1024 * 1024),
                       headers={"Content-Type": "image/jpeg"})
    assert huge.status_code == 413
    form = farmer.post("/api/picking/photos", params={"request": request, "kind": "tree"},
                       files={"file": ("apple.jpg", fruit_jpeg(), "image/jpeg")})
    assert form.status_code == 201, form.text


def test_picking_needs_an_open_window(picking_api):
    farmer, admin = picking_api.client("farmer_this_farm"), picking_api.client("admin")
    window = picking_api.picking["window_hill"]
    closed = farmer.patch(f"/api/picking/windows/{window}", json={"closes_on": "2020-01-02", "opens_on": "2020-01-01"})
    assert closed.status_code == 200 and not closed.json()["open_today"]
    try:
        answer = picking_api.client("customer_other_tree").post(
            "/api/picking/requests", json={"claim_id": picking_api.ids()["claim_cy"], "quantity_kg": 1,
                                           "ship_to": SHIP_TO})
        assert answer.status_code == 409 and "not open" in answer.text
    finally:
        today = utcnow().date()
        admin.patch(f"/api/picking/windows/{window}", json={"opens_on": str(today - timedelta(days=3)),
                                                             "closes_on": str(today + timedelta(days=20))})


def test_a_window_caps_what_one_claim_asks_for(picking_api):
    farmer, cy = picking_api.client("farmer_this_farm"), picking_api.client("customer_other_tree")
    today = utcnow().date()
    capped = farmer.post("/api/picking/windows", json={"farm_id": "hill", "variety": "Gala", "max_kg": 3,
                                                       "opens_on": str(today - timedelta(days=1)),
                                                       "closes_on": str(today + timedelta(days=1))})
    assert capped.status_code == 201, capped.text
    body = {"claim_id": picking_api.ids()["claim_cy"], "ship_to": SHIP_TO}
    # The capped window closes first, so it is the one cy's Gala tree asks in.
    assert cy.post("/api/picking/requests", json={**body, "quantity_kg": 2}).status_code == 201
    too_much = cy.post("/api/picking/requests", json={**body, "quantity_kg": 1.5})
    assert too_much.status_code == 409 and "3 kg per claim" in too_much.text
    assert cy.post("/api/picking/requests", json={**body, "quantity_kg": 1}).status_code == 201


def test_addresses_are_erased_a_set_time_after_delivery(picking_api):
    sessions, mine = picking_api.sessions, picking_api.picking["request_ana"]
    with sessions.begin() as session:
        request = session.get(PickingRequest, mine)
        request.status, request.delivered_at = "delivered", utcnow() - timedelta(days=31)
    assert erase_old_addresses(sessions, 40) == 0
    assert picking_api.client("customer_active").get(f"/api/picking/requests/{mine}").json()["ship_to"] is not None
    assert erase_old_addresses(sessions, 30) >= 1
    seen = picking_api.client("farmer_this_farm").get(f"/api/picking/requests/{mine}").json()
    assert seen["ship_to"] is None and seen["address_erased_at"]
    with sessions() as session:
        request = session.get(PickingRequest, mine)
        assert (request.ship_name, request.ship_phone, request.ship_address) == (None, None, None)
