"""A few calls against a registry on a real PostgreSQL server, in a database made for this test."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import httpx
import pytest

from orchard.registry.migrate import upgrade
from tests.api.conftest import RunningApi, signed


@pytest.fixture
def pg_api(postgres, tmp_path) -> Iterator[RunningApi]:
    url = postgres.create_database()
    upgrade(url)
    server = RunningApi(tmp_path, url).start()
    yield server
    server.stop()


def test_crud_and_access_on_postgresql(pg_api):
    admin, farmer = pg_api.client("admin"), pg_api.client("farmer_this_farm")
    ridge = {"id": "ridge", "name": "Ridge", "timezone": "Asia/Shanghai"}
    assert admin.post("/api/farms", json=ridge).status_code == 201
    assert admin.post("/api/farms", json={"id": "ridge", "name": "Twice"}).status_code == 409
    tree = farmer.post("/api/trees", json={"farm_id": "hill", "label": "21", "variety": "Fuji"})
    assert tree.status_code == 201, tree.text
    assert farmer.patch(f"/api/trees/{tree.json()['id']}", json={"variety": "Gala"}).json()["variety"] == "Gala"
    device = admin.post("/api/devices", json={"id": "ridge-1", "farm_id": "ridge"})
    assert device.status_code == 201 and device.json()["mqtt_password"]
    claim = admin.post("/api/claims", json={"user_id": pg_api.world.users["customer_other_tree"],
                                            "tree_id": tree.json()["id"], "status": "active",
                                            "starts_at": pg_api.world.claim_start.isoformat(),
                                            "ends_at": pg_api.world.claim_end.isoformat()})
    assert claim.status_code == 201, claim.text
    assert {t["label"] for t in pg_api.client("customer_other_tree").get("/api/trees").json()} == {"18", "21"}
    assert admin.delete(f"/api/trees/{tree.json()['id']}").status_code == 409  # it has a claim
    assert admin.delete(f"/api/claims/{claim.json()['id']}").status_code == 204
    assert admin.delete(f"/api/trees/{tree.json()['id']}").status_code == 204
    assert admin.delete("/api/farms/ridge").status_code == 204
    assert {f["id"] for f in admin.get("/api/farms").json()} == {"hill", "valley"}


def _deliver_at_once(pg_api, bodies: list[bytes]) -> list[int]:
    """POST every body to the webhook at the same moment, from threads; their statuses."""
    gate, statuses = threading.Barrier(len(bodies)), [0] * len(bodies)

    def deliver(n: int) -> None:
        gate.wait()
        statuses[n] = httpx.post(f"{pg_api.url}/api/claims/orders", content=bodies[n], headers=signed(bodies[n]),
                                 timeout=60).status_code
    threads = [threading.Thread(target=deliver, args=(n,)) for n in range(len(bodies))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def test_concurrent_deliveries_of_one_order_id_make_one_claim_and_a_different_one_is_409(pg_api):
    def order(order_id: str, tree: str, username: str = "race@example.com") -> bytes:
        return json.dumps({"order_id": order_id, "customer": {"username": username}, "farm": "hill",
                           "tree": tree, "start": "2031-03-01", "end": "2031-10-31"}).encode()
    same = _deliver_at_once(pg_api, [order("RACE-1", "17")] * 6)
    assert sorted(same) == [200] * 5 + [201], same
    # The same order id carrying other trees at once: one claim is made, every other delivery is told 409.
    mixed = _deliver_at_once(pg_api, [order("RACE-2", "17" if n % 2 else "18", f"race{n}@example.com")
                                      for n in range(6)])
    assert mixed.count(201) == 1 and all(s in (200, 201, 409) for s in mixed), mixed
    claims = [c for c in pg_api.client("admin").get("/api/claims").json() if c["order_ref"] in ("RACE-1", "RACE-2")]
    assert len(claims) == 2
    made = next(c for c in claims if c["order_ref"] == "RACE-2")
    # Only the delivery identical to the one that won may be told 200; each other one differs: 409.
    assert mixed.count(200) == 0 and mixed.count(409) == 5, (mixed, made)


def test_healthz_says_ok_while_the_registry_answers_and_503_once_it_is_gone(postgres, tmp_path):
    url = postgres.create_database()
    upgrade(url)
    server = RunningApi(tmp_path, url).start()
    try:
        healthy = httpx.get(f"{server.url}/api/healthz", timeout=10)
        assert healthy.status_code == 200 and healthy.json() == {"status": "ok"}
        server.sessions.kw["bind"].dispose()
        with postgres.admin() as connection:  # the registry's server loses the database under the API
            connection.execute(f'DROP DATABASE "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        gone = httpx.get(f"{server.url}/api/healthz", timeout=10)
        assert gone.status_code == 503
        assert gone.json()["detail"] == "the registry database does not answer"
    finally:
        server.stop()
