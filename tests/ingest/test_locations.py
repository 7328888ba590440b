"""Readings are tagged with the tree and plot the registry says their device stands at."""

from __future__ import annotations

from ingest.locations import DeviceLocations
from orchard.registry import orchards
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Device
from orchard.store import open_store
from tests.mqtt_helpers import publish, wait_until


def test_a_moved_device_tags_new_readings_with_its_new_tree(broker, start_ingester, tmp_path):
    registry = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(registry)
    sessions = session_factory(registry)
    with sessions.begin() as s:
        orchards.create_farm(s, "farm1", "Farm one")
        plot = orchards.create_plot(s, "farm1", "east")
        a = orchards.create_tree(s, "farm1", "A", plot_id=plot.id)
        b = orchards.create_tree(s, "farm1", "B")
        s.flush()
        tree_a, tree_b, plot_id = a.id, b.id, plot.id
        orchards.create_device(s, "dev-a", "farm1", tree_id=tree_a)

    store_url = f"sqlite:///{tmp_path / 'readings.db'}"
    ingester = start_ingester(store_url, locations=DeviceLocations(sessions, refresh_s=0.1))
    wait_until(lambda: ingester.subscriber.connected, message="ingester connected")
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"ts": 1790000000000, "values": {"soil_ph": 6.5}}')
    wait_until(lambda: open_store(store_url).latest(), message="first reading")

    with sessions.begin() as s:
        s.get(Device, "dev-a").tree_id = tree_b
    wait_until(lambda: ingester.decoder.tags_for("orchard/farm1/dev-a/telemetry").get("tree") == str(tree_b),
               message="ingester saw the move")
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"ts": 1790000060000, "values": {"soil_ph": 6.6}}')
    wait_until(lambda: len(open_store(store_url).latest()) == 2, message="second reading")

    with open_store(store_url) as store:
        places = {(item.series.tag_dict.get("tree"), item.series.tag_dict.get("plot"), item.ts_ms)
                  for item in store.latest({"device": "dev-a"})}
    assert places == {(str(tree_a), str(plot_id), 1790000000000), (str(tree_b), None, 1790000060000)}


def test_without_a_readable_registry_readings_keep_farm_and_device(tmp_path, caplog):
    locations = DeviceLocations(session_factory(f"sqlite:///{tmp_path / 'empty.db'}"))
    assert locations.refresh() is False
    assert locations.extra_tags("dev-a") == {}
    assert "cannot read device locations" in caplog.text
