"""Pages that refresh latest.jpg from script (WebKit plays no MJPEG): `?watch=1` keeps the camera live."""

from __future__ import annotations

import json
import time

import pytest

from streams.live import LiveTiming
from tests.mqtt_helpers import Collector
from tests.streams.conftest import CAMERA, DEVICE, FARM, make_jpeg, wait_for_frame

CMD = f"orchard/{FARM}/{DEVICE}/cmd"
FAST = LiveTiming(ttl_s=3, renew_s=0.5, grace_s=0.6, fps=2)
LEASE_S = 1.0


@pytest.fixture
def device_cmds(broker):
    collector = Collector(broker.url("orchard-simulator"), CMD)
    yield collector
    collector.close()


def modes(collector: Collector, quiet_s: float) -> list[str]:
    return [json.loads(payload)["mode"] for _, payload in collector.drain(quiet_s)]


def poll(relay, token: str, seconds: float, watch: bool = True) -> None:
    """A phone's page: latest.jpg every 0.3 s with If-None-Match, as the dashboard's script does."""
    etag = None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        headers = {"If-None-Match": etag} if etag else {}
        path = f"/cameras/{CAMERA}/latest.jpg?token={token}" + ("&watch=1" if watch else "")
        response = relay.http.get(path, headers=headers)
        assert response.status_code in (200, 304)
        etag = response.headers["etag"]
        time.sleep(0.3)


def test_polling_with_watch_makes_the_camera_live_and_stopping_makes_it_idle(start_relay, camera,
                                                                               device_cmds):
    relay = start_relay(live_timing=FAST, watch_lease_s=LEASE_S)
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)

    poll(relay, relay.token(), seconds=2.5)
    sent = modes(device_cmds, quiet_s=0.05)
    assert sent and all(mode == "live" for mode in sent)
    assert len(sent) >= 3  # renewed while the page polls, not only once
    # The page stops polling (hidden, closed): the lease runs out, then the grace, then idle.
    stopped = time.monotonic()
    _, payload = device_cmds.get(timeout=LEASE_S + FAST.grace_s + 3)
    while json.loads(payload)["mode"] == "live":
        _, payload = device_cmds.get(timeout=LEASE_S + FAST.grace_s + 3)
    assert json.loads(payload) == {"camera": CAMERA, "mode": "idle", "relay": relay.relay.live.instance}
    assert time.monotonic() - stopped < LEASE_S + FAST.grace_s + 1.5
    assert modes(device_cmds, quiet_s=1.0) == []


def test_polling_without_watch_leaves_the_camera_idle(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=FAST, watch_lease_s=LEASE_S)
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    poll(relay, relay.token(), seconds=1.2, watch=False)
    assert modes(device_cmds, quiet_s=0.5) == []


def test_watch_needs_the_same_authorization(start_relay, camera, device_cmds):
    relay = start_relay(live_timing=FAST, watch_lease_s=LEASE_S)
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    other = relay.token("cam-2")
    for _ in range(3):
        response = relay.http.get(f"/cameras/{CAMERA}/latest.jpg?token={other}&watch=1")
        assert response.status_code == 403
        assert response.headers["access-control-allow-origin"] == "*"  # a script can read the refusal
    assert modes(device_cmds, quiet_s=0.5) == []


def test_latest_can_be_fetched_from_a_page_on_another_origin(relay, camera):
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    path = f"/cameras/{CAMERA}/latest.jpg?token={relay.token()}&watch=1"
    origin = {"Origin": "http://127.0.0.1:8050"}
    # fetch() with If-None-Match is not a "simple" request: the browser asks first.
    preflight = relay.http.options(path, headers={**origin, "Access-Control-Request-Method": "GET",
                                                  "Access-Control-Request-Headers": "if-none-match"})
    assert preflight.status_code in (200, 204)
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "GET" in preflight.headers["access-control-allow-methods"]
    assert "if-none-match" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers

    first = relay.http.get(path, headers=origin)
    assert first.status_code == 200 and first.content == jpeg
    assert first.headers["access-control-allow-origin"] == "*"
    exposed = {h.strip().lower() for h in first.headers["access-control-expose-headers"].split(",")}
    assert exposed >= {"etag", "x-frame-age", "x-frame-stale"}
    again = relay.http.get(path, headers={**origin, "If-None-Match": first.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    assert again.headers["access-control-allow-origin"] == "*"
    assert again.headers["access-control-expose-headers"] == first.headers["access-control-expose-headers"]
