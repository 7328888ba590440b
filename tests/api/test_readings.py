"""A tree's readings through the API: a customer gets only those inside their claim's dates."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from orchard.readings import Reading

HOUR_MS = 3_600_000


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


@pytest.fixture(scope="module")
def readings(api):
    """Soil moisture at tree 17 before, inside and after ana's claim; air temperature only inside it."""
    world, tree = api.world, api.world.trees["17"]
    tags = {"farm": "hill", "device": "hill-1", "tree": str(tree), "plot": str(api.ids()["plot_north"])}
    times = {
        "before": world.claim_start - timedelta(days=5),
        "inside": world.claim_start + timedelta(days=1),
        "recent": world.now - timedelta(hours=1),
        "after": world.claim_end + timedelta(days=1),  # a device with a clock set wrong, say
    }
    points = [Reading("soil_moisture_pct", value, ms(times[when]), tags)
              for value, when in ((11.0, "before"), (22.0, "inside"), (33.0, "recent"), (44.0, "after"))]
    points.append(Reading("air_temp_c", 18.5, ms(times["recent"]), tags))
    points.append(Reading("soil_moisture_pct", 99.0, ms(times["inside"]), {"farm": "hill", "tree": "9999"}))
    api.store.write(points)
    return times


def span(api) -> dict[str, str]:
    world = api.world
    return {"start": (world.claim_start - timedelta(days=30)).isoformat(),
            "end": str(ms(world.claim_end + timedelta(days=30))), "bucket_ms": str(HOUR_MS)}


def values(answer: dict, metric: str = "soil_moisture_pct") -> list[float]:
    return [bucket["mean"] for series in answer["series"] if series["metric"] == metric for bucket in series["buckets"]]


def test_a_customer_gets_only_readings_inside_the_claim_while_staff_get_all(api, readings):
    path = f"/api/trees/{api.world.trees['17']}/readings"
    mine = api.client("customer_active").get(path, params={**span(api), "metric": "soil_moisture_pct"})
    assert mine.status_code == 200, mine.text
    assert values(mine.json()) == [22.0, 33.0]
    assert mine.json()["start"] == api.world.claim_start.isoformat().replace("+00:00", "Z")

    for persona in ("admin", "farmer_this_farm"):
        everything = api.client(persona).get(path, params=span(api)).json()
        assert values(everything) == [11.0, 22.0, 33.0, 44.0]
        assert values(everything, "air_temp_c") == [18.5]
        assert {s["tags"]["tree"] for s in everything["series"]} == {str(api.world.trees["17"])}


def test_asking_only_outside_the_claim_gives_nothing(api, readings):
    path = f"/api/trees/{api.world.trees['17']}/readings"
    before = {"start": str(ms(readings["before"]) - HOUR_MS), "end": str(ms(readings["before"]) + HOUR_MS)}
    assert values(api.client("customer_active").get(path, params=before).json()) == []
    assert values(api.client("admin").get(path, params=before).json()) == [11.0]


def test_latest_values_only_within_the_window(api, readings):
    path = f"/api/trees/{api.world.trees['17']}/latest"
    mine = {row["metric"]: row["value"] for row in api.client("customer_active").get(path).json()}
    assert mine == {"air_temp_c": 18.5}  # the newest soil moisture is after the claim ends
    staff = {row["metric"]: row["value"] for row in api.client("admin").get(path).json()}
    assert staff == {"air_temp_c": 18.5, "soil_moisture_pct": 44.0}


def test_a_customer_whose_claim_ended_or_another_tree_gets_404(api, readings):
    path = f"/api/trees/{api.world.trees['17']}/readings"
    for persona in ("customer_expired", "customer_other_tree", "farmer_other_farm"):
        assert api.client(persona).get(path).status_code == 404


@pytest.mark.parametrize("params, field", [
    ({"start": "yesterday"}, "start"),
    ({"end": "2025-13-45"}, "end"),
    ({"start": "2025-02-01T00:00:00Z", "end": "2025-01-01T00:00:00Z"}, "start"),
    ({"start": "0", "end": str(10**13), "bucket_ms": "1000"}, "bucket_ms"),
])
def test_bad_times_are_422_naming_the_parameter(api, params, field):
    response = api.client("admin").get(f"/api/trees/{api.world.trees['17']}/readings", params=params)
    assert response.status_code == 422 and response.json()["detail"].startswith(f"{field}:")
