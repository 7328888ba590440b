"""The archive over HTTP: snapshots kept while frames flow, listed by time range and fetched."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from streams.archive import day_of
from tests.mqtt_helpers import wait_until
from tests.streams.conftest import CAMERA, make_jpeg, wait_for_frame


def test_frames_are_archived_at_most_once_per_interval_and_can_be_listed_and_fetched(start_relay, camera):
    relay = start_relay({"archive_every_s": 0.5})
    published = []
    started = time.time()
    for n in range(20):  # 10 frames a second for 2 s
        jpeg = make_jpeg(n)
        camera.publish(jpeg)
        published.append(jpeg)
        time.sleep(0.1)
    wait_for_frame(relay, published[-1])
    wait_until(lambda: relay.metric("orchard_streams_archive_writes_total") >= 3, message="archived")

    listed = relay.get(f"/cameras/{CAMERA}/snapshots", relay.token()).json()
    ids = [s["id"] for s in listed]
    assert 3 <= len(ids) <= 5
    assert all(later - earlier >= 500 for earlier, later in zip(ids, ids[1:], strict=False))
    assert all(started * 1000 - 1000 <= i <= time.time() * 1000 for i in ids)
    first = listed[0]
    assert first["url"] == f"/cameras/{CAMERA}/snapshots/{first['id']}.jpg"
    assert datetime.fromisoformat(first["time"]).timestamp() * 1000 == first["id"]
    assert first["size"] == len(published[0])  # the first frame is kept, byte for byte

    response = relay.get(first["url"], relay.token())
    assert response.status_code == 200 and response.content == published[0]
    assert response.headers["content-type"] == "image/jpeg"
    assert "immutable" in response.headers["cache-control"]

    # Time ranges: epoch ms, ISO 8601 with a zone (even with its "+" unescaped), and nothing in range.
    second = ids[1]
    by_ms = relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(),
                      params={"start": second, "end": second}).json()
    assert [s["id"] for s in by_ms] == [second]
    iso = datetime.fromtimestamp(second / 1000, UTC).astimezone().isoformat(timespec="milliseconds")
    by_iso = relay.get(f"/cameras/{CAMERA}/snapshots?start={iso}&end={iso}", relay.token()).json()
    assert [s["id"] for s in by_iso] == [second]
    assert relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(),
                     params={"start": "2020-01-01", "end": "2020-01-02"}).json() == []
    assert relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(), params={"limit": 2}).json() == listed[:2]


def test_bad_ranges_and_unknown_snapshots(relay):
    token = relay.token()
    bad = relay.get(f"/cameras/{CAMERA}/snapshots", token, params={"start": "yesterday"})
    assert bad.status_code == 422 and "ISO 8601" in bad.json()["detail"]
    backwards = relay.get(f"/cameras/{CAMERA}/snapshots", token, params={"start": 2000, "end": 1000})
    assert backwards.status_code == 422
    assert relay.get(f"/cameras/{CAMERA}/snapshots/1780000000000.jpg", token).status_code == 404
    assert relay.get(f"/cameras/{CAMERA}/snapshots/{10**30}.jpg", token).status_code == 404
    assert relay.get(f"/cameras/{CAMERA}/snapshots/abc.jpg", token).status_code == 422


def test_retention_runs_at_start_up_and_keeps_recent_snapshots_and_one_a_day_of_older_ones(tmp_path, start_relay):
    root = tmp_path / "data" / "snapshots" / CAMERA
    now_ms = int(time.time() * 1000)
    old_midnight = now_ms - 10 * 86_400_000 - now_ms % 86_400_000
    # 01:00 and 01:30 UTC: one morning in UTC and in Shanghai alike, and 01:30 is nearer noon in both.
    early, later, recent = old_midnight + 3_600_000, old_midnight + 5_400_000, now_ms - 3_600_000
    for ms in (early, later, recent):
        (root / day_of(ms)).mkdir(parents=True, exist_ok=True)
        (root / day_of(ms) / f"{ms}.jpg").write_bytes(make_jpeg(1))
    relay = start_relay({"archive_days": 7})
    wait_until(lambda: relay.metric("orchard_streams_archive_deleted_total") == 1, message="retention ran")
    listed = relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(), params={"start": 0}).json()
    assert [s["id"] for s in listed] == [later, recent]
    assert not (root / day_of(early) / f"{early}.jpg").exists()


def test_a_gallery_on_another_origin_may_read_the_listing_and_its_refusals(relay):
    """The demo's dashboard (another port, no proxy) lists snapshots from script with ?token=."""
    listed = relay.http.get(f"/cameras/{CAMERA}/snapshots", params={"token": relay.token()})
    assert listed.status_code == 200
    assert listed.headers["access-control-allow-origin"] == "*"
    refused = relay.http.get(f"/cameras/{CAMERA}/snapshots", params={"token": "not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["access-control-allow-origin"] == "*"
