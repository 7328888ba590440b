"""The ingester's Prometheus endpoint, scraped over HTTP as Prometheus would."""

import httpx

from tests.mqtt_helpers import publish, wait_until
from tests.services import free_port


def test_metrics_endpoint_counts_received_stored_and_rejected(broker, start_ingester, tmp_path):
    ingester = start_ingester(f"sqlite:///{tmp_path / 'r.db'}")
    port = free_port()
    ingester.serve_metrics("127.0.0.1", port)
    wait_until(lambda: ingester.subscriber.connected, message="ingester connected")
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b'{"air_temp_c": 20, "soil_ph": 7}')
    publish(broker.url("dev-a"), "orchard/farm1/dev-a/telemetry", b"garbage")
    wait_until(lambda: ingester.stats.value("orchard_ingest_readings_stored_total") == 2, message="stored")

    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).text
    assert "orchard_ingest_messages_received_total 2.0" in text
    assert "orchard_ingest_readings_stored_total 2.0" in text
    assert 'orchard_ingest_rejected_total{reason="bad_json"} 1.0' in text
    assert "orchard_ingest_write_seconds_count" in text
    assert "orchard_ingest_store_up 1.0" in text
