"""Deny by default: every camera endpoint refuses forged, expired and other-camera tokens, with no image bytes."""

from __future__ import annotations

import jwt
import pytest

from orchard.auth import mint_camera_token
from tests.streams.conftest import CAMERA, SECRET, make_jpeg, wait_for_frame
from tests.streams.mjpeg_client import MjpegViewer

ENDPOINTS = [
    f"/cameras/{CAMERA}/latest.jpg",
    f"/cameras/{CAMERA}/stream.mjpg",
    f"/cameras/{CAMERA}/snapshots",
    f"/cameras/{CAMERA}/snapshots/1780000000000.jpg",
    f"/cameras/{CAMERA}/timelapse.mp4",
]

# Made when a test runs, not at import: a token minted at collection expires in a long suite.
BAD_TOKENS = {
    "missing": (lambda: None, 401),
    "garbage": (lambda: "not-a-token", 401),
    "forged": (lambda: mint_camera_token("another-secret-that-is-long-enough-to-sign", [CAMERA], 600), 401),
    "expired": (lambda: mint_camera_token(SECRET, [CAMERA], 60, now=1_000_000_000), 401),
    "wrong audience": (lambda: jwt.encode({"aud": "orchard-session", "cams": [CAMERA], "exp": 4_000_000_000},
                                          SECRET, algorithm="HS256"), 401),
    "other camera": (lambda: mint_camera_token(SECRET, ["cam-2"], 600), 403),
}


def bad_token(why: str) -> str | None:
    return BAD_TOKENS[why][0]()


@pytest.fixture
def relay_with_frame(relay, camera):
    jpeg = make_jpeg(1)
    camera.publish(jpeg)
    wait_for_frame(relay, jpeg)
    return relay


@pytest.mark.parametrize("why", BAD_TOKENS)
def test_bad_tokens_are_refused_on_every_camera_endpoint(relay_with_frame, why):
    token, status = bad_token(why), BAD_TOKENS[why][1]
    for path in ENDPOINTS:
        for how in ("header", "query", "cookie"):
            if token is None and how != "header":
                continue
            kwargs = {"header": {"headers": {"Authorization": f"Bearer {token}"}} if token else {},
                      "query": {"params": {"token": token}},
                      "cookie": {"headers": {"Cookie": f"orchard_camera={token}"}}}[how]
            response = relay_with_frame.http.get(path, **kwargs)
            assert response.status_code == status, (path, how, response.text)
            assert response.headers["content-type"] == "application/json"
            assert b"\xff\xd8" not in response.content
            assert set(response.json()) == {"detail"}
            if status == 401:
                assert response.headers["www-authenticate"].startswith("Bearer")


def test_a_refused_stream_sends_no_frame(relay_with_frame):
    viewer = MjpegViewer(relay_with_frame.port, f"/cameras/{CAMERA}/stream.mjpg",
                         mint_camera_token(SECRET, ["cam-2"], 600))
    viewer.ended.wait(10)
    viewer.close()
    assert viewer.status == 403 and viewer.parts.empty()
    assert relay_with_frame.metric("orchard_streams_viewers") == 0


def test_the_list_needs_a_token(relay_with_frame):
    assert relay_with_frame.get("/cameras").status_code == 401
    assert relay_with_frame.get("/cameras", bad_token("expired")).status_code == 401
    assert relay_with_frame.get("/cameras", bad_token("other camera")).json()[0]["camera"] == "cam-2"


@pytest.mark.parametrize("how", ["header", "query", "cookie"])
def test_a_good_token_works_from_header_query_or_cookie(relay_with_frame, how):
    token = relay_with_frame.token(CAMERA)
    kwargs = {"header": {"headers": {"Authorization": f"Bearer {token}"}},
              "query": {"params": {"token": token}},
              "cookie": {"headers": {"Cookie": f"orchard_camera={token}"}}}[how]
    response = relay_with_frame.http.get(f"/cameras/{CAMERA}/latest.jpg", **kwargs)
    assert response.status_code == 200 and response.content.startswith(b"\xff\xd8")


def test_a_star_token_covers_any_camera_but_a_bad_id_is_404(relay_with_frame):
    star = relay_with_frame.token("*")
    assert relay_with_frame.get(f"/cameras/{CAMERA}/latest.jpg", star).status_code == 200
    assert relay_with_frame.get("/cameras/Bad.Id/latest.jpg", star).status_code == 404
    assert relay_with_frame.get("/cameras/Bad.Id/latest.jpg", relay_with_frame.token()).status_code == 403


def test_health_and_metrics_need_no_token(relay_with_frame):
    health = relay_with_frame.get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "mqtt_connected": True, "cameras": 1, "viewers": 0}
    metrics = relay_with_frame.get("/metrics")
    assert metrics.status_code == 200 and "orchard_streams_frames_received_total 1.0" in metrics.text
