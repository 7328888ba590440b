"""Readings from the Pi agent through a real Mosquitto into a real store."""

from __future__ import annotations

import orjson

from orchard.readings import Series
from orchard.store import open_store
from tests.ingest.conftest import BASE_TS
from tests.mqtt_helpers import Collector, publish, wait_until


def stored_count(store_url: str, device: str = "dev-a", metric: str = "custom_seq") -> int:
    with open_store(store_url) as store:
        series = Series.of(metric, {"farm": "farm1", "device": device})
        return sum(b.count for b in store.query(series, BASE_TS - 1000, BASE_TS + 10**9, 3_600_000))


def test_agent_readings_arrive_with_tags_fields_and_timestamps(store_url, start_ingester, device):
    start_ingester(store_url)
    device.start()
    for _ in range(3):
        device.sample()
    wait_until(lambda: device.client.is_connected(), message="device connected")
    assert device.publisher.flush() == 3
    wait_until(lambda: stored_count(store_url) == 3, message="3 readings stored")

    with open_store(store_url) as store:
        latest = {item.series.metric: item for item in store.latest({"device": "dev-a"})}
        assert set(latest) == {"soil_moisture_pct", "custom_seq"}
        assert latest["custom_seq"].value == 3.0
        assert latest["custom_seq"].ts_ms == BASE_TS + 2000
        assert latest["custom_seq"].series.tag_dict == {"farm": "farm1", "device": "dev-a"}
        buckets = store.query(Series.of("soil_moisture_pct", {"farm": "farm1", "device": "dev-a"}),
                              BASE_TS, BASE_TS + 3000, bucket_ms=1000)
        assert [(b.start_ms, b.mean) for b in buckets] == [(BASE_TS, 1.0), (BASE_TS + 1000, 2.0), (BASE_TS + 2000, 3.0)]


def test_influxdb_holds_the_points_as_a_person_would_query_them(influxd_session, start_ingester, device):
    url = influxd_session.url("people")
    start_ingester(url)
    device.start()
    device.sample()
    wait_until(lambda: device.client.is_connected(), message="device connected")
    device.publisher.flush()
    wait_until(lambda: stored_count(url) == 1, message="reading stored")
    result = influxd_session.query(
        "SELECT \"value\" FROM \"readings\" WHERE \"metric\" = 'custom_seq' GROUP BY *", database="people")
    series = result["results"][0]["series"]
    assert [(s["tags"], s["values"]) for s in series] == [
        ({"device": "dev-a", "farm": "farm1", "metric": "custom_seq"}, [[BASE_TS, 1.0]])]


BAD_INPUTS = [
    ("orchard/farm1/dev-x/telemetry", b"{not json", "bad_json"),
    ("orchard/farm1/dev-x/telemetry", b'{"soil_ph": "acid"}', "not_a_number"),
    ("orchard/farm1/dev-x/telemetry", b'{"soil_ph": NaN}', "bad_json"),
    ("orchard/farm1/dev-x/telemetry", b'{"air_temp_c": 1e999}', "bad_json"),
    ("orchard/farm1/dev-x/telemetry", b'{"soil_temp_c": 85.0}', "out_of_range"),
    ("orchard/farm1/dev-x/telemetry", b'{"soil_temp_c": -127}', "out_of_range"),
    ("orchard/farm1/dev-x/telemetry", b'{"air_temp_c": 1, "pad": "' + b"x" * 300_000 + b'"}', "too_large"),
    ("orchard/Farm1/dev-x/telemetry", b'{"air_temp_c": 20}', "bad_topic"),
    ("orchard/farm1/dev x/telemetry", b'{"air_temp_c": 20}', "bad_topic"),
    ("orchard/farm1/dev-x/telemetry", b'[{"ts": "now", "values": {"air_temp_c": 20}}]', "bad_timestamp"),
]


def test_bad_input_is_dead_lettered_with_a_reason_and_never_stored(broker, start_ingester, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'r.db'}"
    ingester = start_ingester(store_url)
    wait_until(lambda: ingester.subscriber.connected, message="ingester connected")
    letters = Collector(broker.url("orchard-ingest"), "orchard/deadletter")
    try:
        for topic, payload, _ in BAD_INPUTS:
            publish(broker.url("orchard-simulator"), topic, payload)
        # The ingester keeps going: a good reading after all that is stored.
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 19.5}')
        wait_until(lambda: open_store(store_url).latest({"device": "dev-a"}), message="good reading stored")
        received = [orjson.loads(letters.get()[1]) for _ in BAD_INPUTS]
    finally:
        letters.close()
    assert [(d["topic"], d["reason"]) for d in received] == [(t, r) for t, _, r in BAD_INPUTS]
    assert all(d["received_at"] > BASE_TS for d in received)
    with open_store(store_url) as store:
        assert [item.series.tag_dict["device"] for item in store.latest()] == ["dev-a"]
    assert ingester.stats.value("orchard_ingest_rejected_total", reason="out_of_range") == 2
    assert ingester.stats.value("orchard_ingest_rejected_total", reason="bad_topic") == 2


def test_good_values_beside_a_bad_one_are_kept(broker, start_ingester, tmp_path):
    store_url = f"sqlite:///{tmp_path / 'r.db'}"
    ingester = start_ingester(store_url)
    wait_until(lambda: ingester.subscriber.connected, message="ingester connected")
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 21, "soil_temp_c": 85}')
    wait_until(lambda: open_store(store_url).latest(), message="reading stored")
    with open_store(store_url) as store:
        assert [(i.series.metric, i.value) for i in store.latest()] == [("air_temp_c", 21.0)]


def test_acknowledged_messages_are_not_redelivered_to_the_next_session(broker, tmp_path):
    from ingest.service import Ingester

    store_url = f"sqlite:///{tmp_path / 'r.db'}"

    def run_ingester() -> Ingester:
        ingester = Ingester(broker.url("orchard-ingest"), open_store(store_url), tmp_path / "spool.db",
                            client_id="ingest-ack-test", batch_ms=20)
        ingester.start()
        wait_until(lambda: ingester.subscriber.connected, message="ingester connected")
        return ingester

    first = run_ingester()
    for i in range(20):
        publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry",
                orjson.dumps({"ts": BASE_TS + i * 1000, "values": {"custom_seq": i}}))
    wait_until(lambda: first.stats.value("orchard_ingest_readings_stored_total") == 20, message="20 stored")
    first.stop()

    # The broker keeps the session; only messages never acknowledged would come back.
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry",
            orjson.dumps({"ts": BASE_TS + 99_000, "values": {"custom_seq": 99}}))
    second = run_ingester()
    try:
        wait_until(lambda: second.stats.value("orchard_ingest_readings_stored_total") >= 1, message="queued one")
        assert second.stats.value("orchard_ingest_messages_received_total") == 1
    finally:
        second.stop()
