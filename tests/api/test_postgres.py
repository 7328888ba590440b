"""A few calls against a registry on a real PostgreSQL server, in a database made for this test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from orchard.registry.migrate import upgrade
from tests.api.conftest import RunningApi


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
