"""Trees from a CSV through the API: all rows or none, errors naming line and column."""

from __future__ import annotations

import pytest

GOOD = "farm,label,plot,variety,planted,lat,lon\nhill,20,north,Fuji,2020-03-01,30.5,120.1\nhill,17,,Gala,,,\n"


@pytest.fixture
def server(start_api):
    return start_api()


def labels(client, farm="hill"):
    return {tree["label"]: tree for tree in client.get("/api/trees", params={"farm": farm}).json()}


def test_an_admin_imports_a_csv_body_and_a_farmer_an_uploaded_file(server):
    admin = server.client("admin")
    response = admin.post("/api/trees/import", content=GOOD.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 1, "plots_created": 0}
    trees = labels(admin)
    assert trees["20"]["variety"] == "Fuji" and trees["20"]["latitude"] == 30.5
    assert trees["17"]["variety"] == "Gala" and trees["17"]["plot_id"] is None  # an empty cell clears

    farmer = server.client("farmer_this_farm")
    upload = "farm,label,plot\nhill,21,south\n".encode("gb18030")
    response = farmer.post("/api/trees/import", files={"file": ("trees.csv", upload, "text/csv")})
    assert response.status_code == 200, response.text
    assert response.json() == {"created": 1, "updated": 0, "plots_created": 1}


def test_one_bad_cell_and_nothing_is_imported(server):
    admin = server.client("admin")
    before = labels(admin)
    text = "farm,label,lat,lon\nhill,30,30.1,120\nhill,31,95,120\nhill,,1,1\n"
    response = admin.post("/api/trees/import", content=text.encode(), headers={"Content-Type": "text/csv"})
    assert response.status_code == 422
    problems = response.json()["problems"]
    assert {"line": 3, "column": "lat"} == {k: problems[0][k] for k in ("line", "column")}
    assert problems[1]["line"] == 4 and problems[1]["column"] == "label"
    assert "line 3, column lat" in response.json()["detail"]
    assert labels(admin) == before


def test_an_unknown_farm_is_422_and_a_farm_not_yours_403(server):
    unknown = "farm,label\nhill,40\nnowhere,1\n"
    response = server.client("admin").post("/api/trees/import", content=unknown, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422 and response.json()["problems"][0]["line"] == 3
    mixed = "farm,label\nhill,41\nvalley,42\n"
    farmer = server.client("farmer_this_farm")
    response = farmer.post("/api/trees/import", content=mixed, headers={"Content-Type": "text/csv"})
    assert response.status_code == 403 and "valley" in response.json()["detail"]
    assert "41" not in labels(farmer)
