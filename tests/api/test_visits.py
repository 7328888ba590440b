"""Field visits through the API on real servers: never oversold when many book at once (SQLite and
PostgreSQL), cancelling frees places, the farmer's day list, and bad input refused."""

from __future__ import annotations

import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from orchard.registry.migrate import upgrade
from orchard.registry.picking_requests import farm_today
from tests.api.conftest import RunningApi

PARALLEL, CAPACITY = 20, 5


@pytest.fixture(params=["sqlite", "postgresql"])
def visits_api(request, tmp_path) -> Iterator[RunningApi]:
    if request.param == "sqlite":
        shutil.copyfile(request.getfixturevalue("sqlite_template"), tmp_path / "registry.db")
        url = f"sqlite:///{tmp_path / 'registry.db'}"
    else:
        url = request.getfixturevalue("postgres").create_database()
        upgrade(url)
    server = RunningApi(tmp_path, url).start()
    yield server
    server.stop()


def next_week() -> str:
    return str(farm_today("Asia/Shanghai") + timedelta(days=7))


def publish(server: RunningApi, capacity: int = CAPACITY, day: str | None = None) -> dict:
    slot = server.client("farmer_this_farm").post("/api/visits/slots", json={
        "farm_id": "hill", "day": day or next_week(), "starts": "09:30", "ends": "11:00", "capacity": capacity,
        "note": "在果园门口集合"})
    assert slot.status_code == 201, slot.text
    return slot.json()


def book_at_once(server: RunningApi, slot_id: int, count: int) -> list[int]:
    """`count` bookings of one place each, sent at the same moment from threads (by ana and cy in turn)."""
    ids = server.ids()
    clients = [(server.client("customer_active"), ids["claim_ana"]),
               (server.client("customer_other_tree"), ids["claim_cy"])]
    gate, statuses = threading.Barrier(count), [0] * count

    def book(n: int) -> None:
        client, claim = clients[n % 2]
        gate.wait()
        try:
            statuses[n] = client.post("/api/visits/bookings", json={"slot_id": slot_id, "claim_id": claim,
                                                                    "party_size": 1}, timeout=120).status_code
        except httpx.HTTPError as exc:
            statuses[n] = -1
            raise AssertionError(f"booking {n} failed: {exc!r}") from exc
    threads = [threading.Thread(target=book, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_parallel_bookings_never_oversell_a_slot(visits_api):
    slot = publish(visits_api)
    statuses = book_at_once(visits_api, slot["id"], PARALLEL)
    assert Counter(statuses) == {201: CAPACITY, 409: PARALLEL - CAPACITY}
    farmer = visits_api.client("farmer_this_farm")
    seen = farmer.get(f"/api/visits/slots/{slot['id']}/bookings").json()
    assert len(seen) == CAPACITY and sum(b["party_size"] for b in seen) == CAPACITY
    assert farmer.get("/api/visits/slots", params={"start": slot["day"], "end": slot["day"]}).json()[0]["left"] == 0


def test_cancelling_frees_the_places(visits_api):
    slot = publish(visits_api, capacity=3)
    ana, ids = visits_api.client("customer_active"), visits_api.ids()
    body = {"slot_id": slot["id"], "claim_id": ids["claim_ana"], "party_size": 3}
    booking = ana.post("/api/visits/bookings", json=body)
    assert booking.status_code == 201, booking.text
    assert ana.post("/api/visits/bookings", json={**body, "party_size": 1}).status_code == 409
    cancelled = ana.post(f"/api/visits/bookings/{booking.json()['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["slot"]["left"] == 3
    assert ana.post(f"/api/visits/bookings/{booking.json()['id']}/cancel").status_code == 409
    assert ana.post("/api/visits/bookings", json={**body, "party_size": 2}).status_code == 201


def test_the_farmer_reads_the_day_list(visits_api):
    slot = publish(visits_api)
    ids = visits_api.ids()
    for persona, claim, party in (("customer_active", "claim_ana", 2), ("customer_other_tree", "claim_cy", 1)):
        made = visits_api.client(persona).post("/api/visits/bookings", json={
            "slot_id": slot["id"], "claim_id": ids[claim], "party_size": party})
        assert made.status_code == 201, made.text
    day = visits_api.client("farmer_this_farm").get("/api/visits/bookings", params={"day": slot["day"]}).json()
    assert [(b["customer"], b["party_size"], b["slot"]["starts"]) for b in day] == [
        ("ana", 2, "09:30:00"), ("cy", 1, "09:30:00")]
    assert visits_api.client("farmer_other_farm").get("/api/visits/bookings", params={"day": slot["day"]}).json() == []
    assert [b["customer"] for b in visits_api.client("customer_other_tree").get("/api/visits/bookings").json()] \
        == ["cy"]


def test_bad_slots_and_bookings_are_refused(visits_api):
    farmer, ana = visits_api.client("farmer_this_farm"), visits_api.client("customer_active")
    base = {"farm_id": "hill", "day": next_week(), "starts": "09:00", "ends": "10:00", "capacity": 5}
    for change in ({"capacity": 0}, {"ends": "08:00"}, {"capacity": 100_000}, {"note": "=HYPERLINK()"}):
        assert farmer.post("/api/visits/slots", json={**base, **change}).status_code == 422, change
    slot = publish(visits_api, capacity=4)
    body = {"slot_id": slot["id"], "claim_id": visits_api.ids()["claim_ana"]}
    assert ana.post("/api/visits/bookings", json={**body, "party_size": 0}).status_code == 422
    assert ana.post("/api/visits/bookings", json={**body, "party_size": 3}).status_code == 201
    assert farmer.patch(f"/api/visits/slots/{slot['id']}", json={"capacity": 2}).status_code == 409
    past = publish(visits_api, day=str(farm_today("Asia/Shanghai") - timedelta(days=1)))
    assert ana.post("/api/visits/bookings", json={**body, "slot_id": past["id"], "party_size": 1}).status_code == 409
