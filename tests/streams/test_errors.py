"""What the relay answers when something goes wrong: the vocabulary's statuses, never an internal message."""

from __future__ import annotations

import time

from orchard.errors import OrchardError
from orchard.http_errors import BugGuard
from tests.logs import every_log
from tests.streams.conftest import CAMERA


def test_a_bug_in_a_route_is_a_generic_json_500_logged_once_with_its_traceback(relay, monkeypatch):
    def broken(*args):
        raise KeyError("last_frame_at")

    monkeypatch.setattr(relay.relay.hub, "cameras", broken)
    with every_log() as logs:
        response = relay.get("/cameras", relay.token("*"))
        time.sleep(0.3)  # a server that logged it again would do so just after answering
    assert response.status_code == 500, response.text
    body = response.json()
    assert body == {"detail": "internal error", "request_id": body["request_id"]}
    assert response.headers["x-request-id"] == body["request_id"]
    assert response.headers["cache-control"] == "no-store"
    logged = logs.tracebacks()
    assert len(logged) == 1, [record.getMessage() for record in logged]
    assert logged[0].exc_info[0] is KeyError and body["request_id"] in logged[0].getMessage()


def test_an_internal_failure_never_tells_the_client_its_message(relay, monkeypatch):
    async def cannot_encode(*args):
        raise OrchardError("OpenCV could not open a mp4v video writer at /srv/orchard/data/timelapse-cache")

    monkeypatch.setattr(relay.relay.timelapses, "video", cannot_encode)
    with every_log() as logs:
        response = relay.get(f"/cameras/{CAMERA}/timelapse.mp4", relay.token(), params={"start": 0, "end": 1000})
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error" and "OpenCV" not in response.text
    assert "/srv/orchard" not in response.text
    assert [record.exc_info[0] for record in logs.tracebacks()] == [OrchardError]


def test_refusals_keep_their_status_and_words(relay):
    nobody = relay.get(f"/cameras/{CAMERA}/latest.jpg")
    assert nobody.status_code == 401 and nobody.headers["www-authenticate"] == 'Bearer realm="orchard-camera"'
    missing = relay.get(f"/cameras/{CAMERA}/latest.jpg", relay.token())
    assert missing.status_code == 404 and missing.json() == {
        "detail": f"camera {CAMERA!r} has not sent a frame since the relay started"}
    assert relay.get("/cameras/cam-2/latest.jpg", relay.token()).status_code == 403
    assert relay.get(f"/cameras/{CAMERA}/snapshots", relay.token(), params={"start": "x"}).status_code == 422


def test_the_guard_wraps_every_middleware_of_the_app(relay):
    assert relay.app.user_middleware[0].cls is BugGuard
