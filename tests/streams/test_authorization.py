"""Every camera endpoint of the relay, asked by every persona of tests/world.py.

The registry decides: customers watch only cameras that see a tree of a claim in force,
and see archived snapshots only between the claim's start and end; farmers their farms'
cameras; admins all. A new route fails `test_every_route_is_in_the_table` until added.
"""

from __future__ import annotations

from datetime import timedelta

import cv2
import httpx
import numpy as np
import pytest
from sqlalchemy import select

from orchard.auth import mint_camera_token
from orchard.auth.policy import Policy
from orchard.auth.sessions import SESSION_COOKIE, mint_session
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import User
from orchard.registry.tokens import create_api_token
from orchard.settings import Settings
from tests.authz import Case, app_routes, run_table, uncovered_routes
from tests.mqtt_helpers import publish, wait_until
from tests.streams.conftest import SECRET, RunningRelay, make_jpeg
from tests.world import PASSWORD, PERSONAS, USERNAMES, build_world

WATCHERS_OF_17 = "401 200 403 403 403 200 200"   # ana's claim is on 17; bo's ended; cy has 18
TABLE = [
    Case("GET", "/cameras", "401 200 200 200 200 200 200"),
    Case("GET", "/cameras/{camera}/latest.jpg", WATCHERS_OF_17, args={"camera": "cam-17"}),
    Case("GET", "/cameras/{camera}/latest.jpg", WATCHERS_OF_17, args={"camera": "cam-17"}, params={"watch": "1"}),
    # A browser's CORS preflight carries no credentials and answers nothing about the camera.
    Case("OPTIONS", "/cameras/{camera}/latest.jpg", "204 204 204 204 204 204 204", args={"camera": "cam-17"}),
    Case("GET", "/cameras/{camera}/stream.mjpg", WATCHERS_OF_17, args={"camera": "cam-17"}),
    Case("GET", "/cameras/{camera}/snapshots", WATCHERS_OF_17, args={"camera": "cam-17"},
         params={"start": "0"}),
    Case("GET", "/cameras/{camera}/snapshots/{snapshot}.jpg", WATCHERS_OF_17,
         args={"camera": "cam-17", "snapshot": "inside"}),
    # Taken before ana's claim began: not hers to see, though the camera is.
    Case("GET", "/cameras/{camera}/snapshots/{snapshot}.jpg", "401 404 403 403 403 200 200",
         args={"camera": "cam-17", "snapshot": "before"}),
    # Nothing near 1970: 404 for those who may look (test_nearest_snapshot_... asks near real snapshots).
    Case("GET", "/cameras/{camera}/snapshots/nearest.jpg", "401 404 403 403 403 404 404",
         args={"camera": "cam-17"}, params={"at": "0"}),
    Case("GET", "/cameras/{camera}/snapshots/newest.jpg", WATCHERS_OF_17, args={"camera": "cam-17"}),
    Case("GET", "/cameras/{camera}/timelapse.mp4", WATCHERS_OF_17, args={"camera": "cam-17"},
         params={"start": "0", "fps": "2"}),
    Case("GET", "/cameras/{camera}/latest.jpg", "401 403 403 403 200 403 200", args={"camera": "cam-v"}),
    Case("GET", "/healthz", "200 200 200 200 200 200 200"),
    Case("GET", "/metrics", "200 200 200 200 200 200 200"),
    Case("GET", "/openapi.json", "200 200 200 200 200 200 200"),
    Case("GET", "/docs", "200 200 200 200 200 200 200"),
    Case("GET", "/docs/oauth2-redirect", "200 200 200 200 200 200 200"),
    Case("GET", "/redoc", "200 200 200 200 200 200 200"),
]


@pytest.fixture
def cooperative(broker, tmp_path):
    registry = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(registry)
    sessions = session_factory(registry)
    world = build_world(sessions)
    settings = Settings(mqtt_url=broker.url("orchard-streams"), secret_key=SECRET, data_dir=tmp_path / "data",
                        db_url=registry, _env_file=None)
    policy = Policy(sessions, SECRET, cache_s=0)
    relay = RunningRelay(settings, policy=policy).start()
    try:
        # A live frame from each camera, and two archived snapshots of cam-17: one in ana's claim, one before it.
        for farm, device, camera in (("hill", "hill-1", "cam-17"), ("valley", "valley-1", "cam-v")):
            publish(broker.url("orchard-simulator"), f"orchard/{farm}/{device}/camera/{camera}/jpeg", make_jpeg(1))
            wait_until(lambda camera=camera: relay.relay.hub.latest(camera) is not None, message=f"{camera} frame")
        snapshots = {"inside": int((world.now - timedelta(days=1)).timestamp() * 1000),
                     "before": int((world.claim_start - timedelta(days=5)).timestamp() * 1000)}
        for ms in snapshots.values():
            path = relay.relay.archive.path("cam-17", ms)
            path.parent.mkdir(parents=True, exist_ok=True)
            ok, jpeg = cv2.imencode(".jpg", np.zeros((48, 64, 3), np.uint8))
            path.write_bytes(jpeg.tobytes())
        clients = {"anonymous": httpx.Client(base_url=relay.url, timeout=30)}
        for persona in PERSONAS[1:]:
            viewer, password_hash = policy.from_password(USERNAMES[persona], PASSWORD, "127.0.0.1")
            cookie = mint_session(SECRET, viewer.user_id, password_hash)
            clients[persona] = httpx.Client(base_url=relay.url, timeout=30, cookies={SESSION_COOKIE: cookie})
        yield relay, clients, snapshots
        for client in clients.values():
            client.close()
    finally:
        relay.stop()


def test_every_persona_gets_what_the_table_says(cooperative):
    relay, clients, snapshots = cooperative
    assert run_table(relay.url, TABLE, clients, snapshots) == []


def test_nearest_snapshot_serves_a_care_log_entry_only_within_the_viewers_dates(cooperative):
    relay, clients, snapshots = cooperative
    hour = 3_600_000
    asked = {"inside": snapshots["inside"] + hour, "before": snapshots["before"] - hour,
             "far": snapshots["inside"] + 4 * hour}
    got = {(name, persona): clients[persona].get("/cameras/cam-17/snapshots/nearest.jpg",
                                                 params={"at": str(ms)}).status_code
           for name, ms in asked.items() for persona in PERSONAS}
    expected = {"inside": [401, 200, 403, 403, 403, 200, 200], "before": [401, 404, 403, 403, 403, 200, 200],
                "far": [401, 404, 403, 403, 403, 404, 404]}
    assert got == {(name, persona): status for name, statuses in expected.items()
                   for persona, status in zip(PERSONAS, statuses, strict=True)}
    assert clients["customer_active"].get("/cameras/cam-17/snapshots/nearest.jpg", params={
        "at": str(asked["inside"])}).content[:2] == b"\xff\xd8"


def test_each_persona_lists_exactly_the_cameras_they_may_watch(cooperative):
    relay, clients, _ = cooperative
    listed = {persona: [c["camera"] for c in clients[persona].get("/cameras").json()] for persona in PERSONAS[1:]}
    assert listed == {
        "customer_active": ["cam-17"], "customer_expired": [], "customer_other_tree": ["cam-18"],
        "farmer_other_farm": ["cam-v"], "farmer_this_farm": ["cam-17", "cam-18"],
        "admin": ["cam-17", "cam-v"],  # every camera seen since start-up
    }


def test_a_customer_lists_only_snapshots_within_the_claim(cooperative):
    relay, clients, snapshots = cooperative
    ids = lambda persona: [s["id"] for s in clients[persona].get(  # noqa: E731
        "/cameras/cam-17/snapshots", params={"start": "0"}).json()]
    # The relay also archived the live frame it just received: that one is inside the claim too.
    assert snapshots["inside"] in ids("customer_active") and snapshots["before"] not in ids("customer_active")
    assert {snapshots["inside"], snapshots["before"]} <= set(ids("farmer_this_farm"))


def test_every_route_is_in_the_table(cooperative):
    relay, _, _ = cooperative
    assert app_routes(relay.app), "the app lists no routes: the check below would pass vacuously"
    assert uncovered_routes(relay.app, TABLE) == []


def test_a_url_carries_only_short_camera_tokens(cooperative):
    """Query strings end up in proxy logs: no long-lived API token there, no long-lived camera token."""
    relay, clients, _ = cooperative
    sessions = relay.relay.policy.sessions
    with sessions.begin() as s:
        ana = s.scalar(select(User).where(User.username == USERNAMES["customer_active"]))
        _, api_token = create_api_token(s, ana, "script")
        ana_id, generation = ana.id, ana.credential_generation
    path = "/cameras/cam-17/latest.jpg"
    anonymous = clients["anonymous"]
    refused = anonymous.get(path, params={"token": api_token})
    assert refused.status_code == 401 and "Authorization" in refused.json()["detail"]
    assert anonymous.get(path, headers={"Authorization": f"Bearer {api_token}"}).status_code == 200

    week = mint_camera_token(SECRET, ["cam-17"], 7 * 86400, subject=str(ana_id), generation=generation)
    assert anonymous.get(path, params={"token": week}).status_code == 401
    assert anonymous.get(path, headers={"Authorization": f"Bearer {week}"}).status_code == 200
    hour = mint_camera_token(SECRET, ["cam-17"], 3600, subject=str(ana_id), generation=generation)
    assert anonymous.get(path, params={"token": hour}).status_code == 200


def test_a_share_links_token_opens_the_seasons_archive_and_never_the_live_camera(cooperative):
    """The token a share page gets: its tree's cameras, the claim's dates so far, archive routes only."""
    relay, clients, snapshots = cooperative
    policy = relay.relay.policy
    with policy.sessions() as s:
        ana = s.scalar(select(User).where(User.username == USERNAMES["customer_active"]))
        claim = ana.claims[0]
        token = policy.share_camera_token(["cam-17"], claim.starts_at, claim.ends_at)
    anonymous = clients["anonymous"]
    assert anonymous.get("/cameras/cam-17/latest.jpg", params={"token": token}).status_code == 403
    assert anonymous.get("/cameras/cam-17/latest.jpg", params={"token": token, "watch": "1"}).status_code == 403
    refused = anonymous.get("/cameras/cam-17/stream.mjpg", params={"token": token})
    assert refused.status_code == 403 and "never the live camera" in refused.json()["detail"]
    inside = anonymous.get(f"/cameras/cam-17/snapshots/{snapshots['inside']}.jpg", params={"token": token})
    assert inside.status_code == 200 and inside.headers["content-type"] == "image/jpeg"
    assert anonymous.get(f"/cameras/cam-17/snapshots/{snapshots['before']}.jpg",
                         params={"token": token}).status_code == 404  # before the claim began
    assert anonymous.get("/cameras/cam-17/snapshots/newest.jpg", params={"token": token}).status_code == 200
    video = anonymous.get("/cameras/cam-17/timelapse.mp4", params={"token": token, "start": "0", "daily_at": "12"})
    assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
    assert anonymous.get("/cameras/cam-v/snapshots/newest.jpg", params={"token": token}).status_code == 403
    with pytest.raises(ValueError):  # an archive-only token never names a user or every camera
        mint_camera_token(SECRET, ["*"], 60, archive=(0, 1))
