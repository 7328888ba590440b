"""The alerts' API on a real server: list and filter, acknowledge once, tune rules; customers see nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from orchard.registry.alerting import AlertEvent, EventKind
from orchard.registry.migrate import upgrade
from tests.alert_rows import fire
from tests.api.conftest import RunningApi


def seed(server: RunningApi) -> dict[str, int]:
    """A frost on tree 17 now, a low battery at tree 18 resolved yesterday, a frost in the valley."""
    with server.sessions.begin() as s:
        return {"frost": fire(s, "hill-1", "frost", value=-2.5).id,
                "battery": fire(s, "hill-2", "low_battery", value=3.1, ago=timedelta(days=2),
                                resolved_after=timedelta(hours=20)).id,
                "valley": fire(s, "valley-1", "frost", value=-0.5).id}


@pytest.fixture(scope="module")
def alerting(api) -> tuple[RunningApi, dict[str, int]]:
    return api, seed(api)


def ids_of(response: httpx.Response) -> list[int]:
    assert response.status_code == 200, response.text
    return [row["id"] for row in response.json()]


def test_each_persona_lists_only_its_farms_alerts(alerting):
    api, made = alerting
    seen = {persona: ids_of(api.client(persona).get("/api/alerts"))
            for persona in ("customer_active", "customer_other_tree", "farmer_other_farm", "farmer_this_farm")}
    assert seen == {"customer_active": [], "customer_other_tree": [], "farmer_other_farm": [made["valley"]],
                    "farmer_this_farm": [made["frost"], made["battery"]]}
    assert api.client("customer_active").get(f"/api/alerts/{made['frost']}").status_code == 404


def test_filters(alerting):
    api, made = alerting
    admin = api.client("admin")
    assert ids_of(admin.get("/api/alerts", params={"farm": "hill", "state": "active"})) == [made["frost"]]
    assert ids_of(admin.get("/api/alerts", params={"state": "resolved"})) == [made["battery"]]
    assert set(ids_of(admin.get("/api/alerts", params={"rule": "frost"}))) == {made["frost"], made["valley"]}
    assert ids_of(admin.get("/api/alerts", params={"severity": "warning"})) == [made["battery"]]
    assert ids_of(admin.get("/api/alerts", params={"tree": api.world.trees["17"]})) == [made["frost"]]
    assert ids_of(admin.get("/api/alerts", params={"device": "valley-1"})) == [made["valley"]]
    since = (api.world.now - timedelta(hours=12)).isoformat()
    assert made["battery"] not in ids_of(admin.get("/api/alerts", params={"since": since}))
    frost = admin.get(f"/api/alerts/{made['frost']}").json()
    assert (frost["state"], frost["fired_value"], frost["metric"], frost["tree_id"]) == \
        ("firing", -2.5, "air_temp_c", api.world.trees["17"])


@pytest.mark.parametrize(("params", "words"), [
    ({"since": "yesterday"}, "since: 'yesterday' is not a time"),
    ({"since": "2026-06-02T00:00:00Z", "until": "2026-06-01T00:00:00Z"}, "since: must not be after until"),
])
def test_bad_filters_get_clear_words(alerting, params, words):
    api, _ = alerting
    response = api.client("admin").get("/api/alerts", params=params)
    assert response.status_code == 422 and words in response.text, response.text


@pytest.mark.parametrize("params", [{"state": "sleeping"}, {"rule": "fr\x00st"}, {"device": "Hill 1"},
                                    {"farm": "h" * 65}, {"tree": str(2 ** 64)}, {"limit": "0"}])
def test_a_bad_filter_value_is_refused(alerting, params):
    api, _ = alerting
    assert api.client("admin").get("/api/alerts", params=params).status_code == 422


def test_a_bad_rule_key_in_the_path_is_refused(alerting):
    api, _ = alerting
    admin = api.client("admin")
    assert admin.delete("/api/farms/hill/alert-rules/Fr%00st").status_code == 422
    assert admin.put("/api/farms/hill/alert-rules/Frost", json={"threshold": -1}).status_code == 422


def test_acknowledge_once_says_who_and_tells_the_outbox(start_api):
    api = start_api()
    made = seed(api)
    farmer = api.client("farmer_this_farm")
    done = farmer.post(f"/api/alerts/{made['frost']}/ack")
    assert done.status_code == 200, done.text
    assert (done.json()["state"], done.json()["acknowledged_by"]) == ("acknowledged", "farmer-hill")
    again = api.client("admin").post(f"/api/alerts/{made['frost']}/ack")
    assert again.status_code == 409 and "already acknowledged by farmer-hill" in again.json()["detail"]
    resolved = farmer.post(f"/api/alerts/{made['battery']}/ack")
    assert resolved.status_code == 409 and "already resolved" in resolved.json()["detail"]
    assert api.client("farmer_this_farm").post(f"/api/alerts/{made['valley']}/ack").status_code == 404
    assert api.client("customer_active").post(f"/api/alerts/{made['frost']}/ack").status_code == 404
    with api.sessions() as s:
        events = s.scalars(select(AlertEvent)).all()
        assert [(e.incident_id, e.kind) for e in events] == [(made["frost"], EventKind.ACKNOWLEDGED)]
    listed = farmer.get("/api/alerts", params={"state": "acknowledged"}).json()
    assert [(row["id"], row["acknowledged_by"]) for row in listed] == [(made["frost"], "farmer-hill")]


def test_a_farmer_tunes_a_rule_and_clears_it(start_api):
    api = start_api()
    farmer = api.client("farmer_this_farm")
    tree = api.world.trees["17"]
    rules = farmer.get("/api/farms/hill/alert-rules").json()
    frost = next(rule for rule in rules if rule["key"] == "frost")
    assert (frost["threshold"], frost["source"], frost["repeat_s"]) == (2, "default", 4 * 3600)
    tuned = farmer.put("/api/farms/hill/alert-rules/frost", params={"tree": tree},
                       json={"threshold": -2, "clear_threshold": -1, "duration_s": 600})
    assert tuned.status_code == 200, tuned.text
    assert (tuned.json()["source"], tuned.json()["threshold"]) == ("tree", -2)
    at_tree = farmer.get("/api/farms/hill/alert-rules", params={"tree": tree}).json()
    assert next(r for r in at_tree if r["key"] == "frost")["overridden_here"] is True
    at_farm = farmer.get("/api/farms/hill/alert-rules").json()
    assert next(r for r in at_farm if r["key"] == "frost")["threshold"] == 2
    assert farmer.delete("/api/farms/hill/alert-rules/frost", params={"tree": tree}).status_code == 204
    assert farmer.delete("/api/farms/hill/alert-rules/frost", params={"tree": tree}).status_code == 404
    at_tree = farmer.get("/api/farms/hill/alert-rules", params={"tree": tree}).json()
    assert next(r for r in at_tree if r["key"] == "frost")["source"] == "default"


@pytest.mark.parametrize(("params", "body", "status", "words"), [
    ({}, {"threshold": 4}, 422, "clear_threshold: a rule that fires below 4 clears at or above it"),
    ({}, {"metric": "moonlight"}, 422, "metric: 'moonlight' is not a known metric"),
    ({}, {"duration_s": -5}, 422, "duration_s"),
    ({}, {"repeat_s": -1}, 422, "repeat_s"),
    ({}, {"colour": "red"}, 422, "colour"),
    ({"tree": "TREE5"}, {"threshold": -1}, 404, "farm 'hill' has no tree"),
])
def test_a_bad_tuning_is_refused_with_words(api, params, body, status, words):
    params = {key: api.world.trees["5"] if value == "TREE5" else value for key, value in params.items()}
    response = api.client("farmer_this_farm").put("/api/farms/hill/alert-rules/frost", params=params, json=body)
    assert response.status_code == status and words in response.text, response.text


@pytest.fixture
def pg_api(postgres, tmp_path) -> Iterator[RunningApi]:
    url = postgres.create_database()
    upgrade(url)
    server = RunningApi(tmp_path, url).start()
    yield server
    server.stop()


def test_acknowledging_on_postgresql_two_at_once_one_wins(pg_api):
    made = seed(pg_api)
    clients = [pg_api.client("farmer_this_farm"), pg_api.client("admin")]
    gate, statuses = threading.Barrier(2), [0, 0]

    def press(n: int) -> None:
        gate.wait()
        statuses[n] = clients[n].post(f"/api/alerts/{made['frost']}/ack").status_code

    threads = [threading.Thread(target=press, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(statuses) == [200, 409]
    shown = clients[0].get(f"/api/alerts/{made['frost']}").json()
    assert shown["state"] == "acknowledged" and shown["acknowledged_by"] in ("farmer-hill", "admin")
    with pg_api.sessions() as s:
        assert len(s.scalars(select(AlertEvent).where(AlertEvent.incident_id == made["frost"])).all()) == 1
