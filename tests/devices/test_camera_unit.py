"""Tests for devices/camera_unit.py: idle snapshots, live frames until a deadline, commands, on a fake clock."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from devices.camera_unit import (
    MAX_FPS,
    MAX_LEASES,
    MAX_TTL_S,
    RETRY_S,
    CameraCommand,
    CameraCommands,
    CameraConfig,
    CameraUnit,
    parse_command,
)
from orchard.errors import PayloadError, SensorError

CONFIG = CameraConfig(idle_s=300.0, live_fps=2.0, width=64, height=48, quality=70)
TOPIC = "orchard/farm1/dev-a/camera/cam-01/jpeg"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0  # a monotonic clock starts anywhere

    def __call__(self) -> float:
        return self.now


class Info:
    """paho's MQTTMessageInfo: for QoS 0, published once written to the socket."""

    def __init__(self, client: Client) -> None:
        self.client = client

    def is_published(self) -> bool:
        return self.client.written


class Client:
    """Records what would be published; `connected` and `written` play the uplink."""

    def __init__(self) -> None:
        self.connected = True
        self.written = True
        self.sent: list[tuple[float, int]] = []
        self.payloads: list[bytes] = []
        self.clock: Clock | None = None

    def is_connected(self) -> bool:
        return self.connected

    def publish(self, topic: str, payload: bytes, qos: int) -> Info:
        assert topic == TOPIC
        self.sent.append((self.clock.now, qos))
        self.payloads.append(payload)
        return Info(self)


class Camera:
    def __init__(self) -> None:
        self.fail = False
        self.grabs = 0

    def grab(self) -> np.ndarray:
        self.grabs += 1
        if self.fail:
            raise SensorError("camera /dev/video0 gave no frame")
        return np.full((96, 128, 3), 90, np.uint8)

    def close(self) -> None:
        pass


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def client(clock: Clock) -> Client:
    client = Client()
    client.clock = clock
    return client


@pytest.fixture
def camera() -> Camera:
    return Camera()


@pytest.fixture
def unit(camera: Camera, client: Client, clock: Clock) -> CameraUnit:
    return CameraUnit("cam-01", camera, TOPIC, client, CONFIG, clock)


def run(unit: CameraUnit, clock: Clock, until: float, step: float = 0.05) -> None:
    """Tick the unit every `step` seconds up to `until`, as the agent's loop would."""
    while clock.now < until - 1e-9:
        clock.now = round(clock.now + step, 6)
        unit.tick(clock.now)


def live(ttl_s: float = 30.0, fps: float | None = None, camera: str | None = "cam-01") -> CameraCommand:
    return CameraCommand("live", camera, ttl_s, fps)


def test_idle_sends_a_snapshot_at_start_then_every_idle_interval(unit, client, clock) -> None:
    assert unit.tick(clock.now) == 1300.0
    assert unit.tick(1200.0) == 1300.0
    run(unit, clock, 1900.0, step=10.0)
    assert client.sent == [(1000.0, 1), (1300.0, 1), (1600.0, 1), (1900.0, 1)]  # QoS 1: a snapshot counts


def test_the_jpeg_is_encoded_at_the_configured_size(unit, client, clock) -> None:
    import cv2

    unit.tick(clock.now)
    frame = cv2.imdecode(np.frombuffer(client.payloads[0], np.uint8), cv2.IMREAD_COLOR)
    assert frame.shape == (48, 64, 3)


def test_live_sends_a_frame_at_once_then_at_its_fps_until_the_ttl(unit, client, clock) -> None:
    unit.tick(clock.now)
    clock.now = 1010.0
    unit.command(live(ttl_s=10.0, fps=4.0))
    assert unit.next_due() == 1010.0  # the first watcher does not wait
    assert unit.tick(clock.now) == 1010.25
    run(unit, clock, 1030.0)
    live_frames = [t for t, qos in client.sent if qos == 0]
    assert live_frames[0] == 1010.0 and len(live_frames) == 40  # 10 s at 4 fps
    assert max(live_frames) < 1020.0
    assert unit.mode == "idle"
    assert unit.next_due() == pytest.approx(live_frames[-1] + 300.0)  # idle cadence resumes from the last frame


def test_live_ends_by_itself_when_no_command_follows(unit, client, clock) -> None:
    unit.command(live(ttl_s=2.0))
    run(unit, clock, 1100.0, step=0.1)
    assert unit.mode == "idle"
    assert all(t <= 1002.0 for t, _ in client.sent)


def test_an_idle_command_stops_live_at_once(unit, client, clock) -> None:
    unit.command(live(ttl_s=60.0, fps=5.0))
    run(unit, clock, 1001.0)
    sent = len(client.sent)
    unit.command(CameraCommand("idle", "cam-01"))
    run(unit, clock, 1010.0)
    assert len(client.sent) == sent and unit.mode == "idle"


def test_one_relays_idle_does_not_end_another_relays_live(unit, client, clock) -> None:
    unit.command(CameraCommand("live", "cam-01", 10.0, 2.0, relay="relay-a"))
    unit.command(CameraCommand("live", "cam-01", 10.0, 2.0, relay="relay-b"))
    run(unit, clock, 1002.0)
    unit.command(CameraCommand("idle", "cam-01", relay="relay-a"))  # relay a's last viewer left
    run(unit, clock, 1009.0)
    assert unit.mode == "live"  # relay b still renews its lease
    unit.command(CameraCommand("live", "cam-01", 10.0, 2.0, relay="relay-b"))
    run(unit, clock, 1015.0)
    assert unit.mode == "live"
    unit.command(CameraCommand("idle", "cam-01", relay="relay-b"))
    sent = len(client.sent)
    run(unit, clock, 1016.0)
    assert unit.mode == "idle" and len(client.sent) == sent


def test_live_lasts_until_the_last_lease_ends(unit, client, clock) -> None:
    unit.command(CameraCommand("live", "cam-01", 20.0, 2.0, relay="relay-a"))
    unit.command(CameraCommand("live", "cam-01", 5.0, 2.0, relay="relay-b"))  # a later, shorter renewal
    run(unit, clock, 1019.0)
    assert unit.mode == "live"
    run(unit, clock, 1021.0)
    assert unit.mode == "idle"


def test_an_idle_without_a_relay_ends_every_lease(unit, client, clock) -> None:
    unit.command(CameraCommand("live", "cam-01", 60.0, 2.0, relay="relay-a"))
    unit.command(CameraCommand("live", "cam-01", 60.0, 2.0, relay="relay-b"))
    unit.command(CameraCommand("idle", "cam-01"))
    assert unit.mode == "idle"


def test_leases_are_bounded(unit, clock) -> None:
    for n in range(MAX_LEASES * 4):
        unit.command(CameraCommand("live", "cam-01", 60.0 + n, 2.0, relay=f"relay-{n}"))
    assert len(unit._leases) == MAX_LEASES
    assert "relay-0" not in unit._leases  # the lease ending first made room
    for n in range(MAX_LEASES * 4):
        unit.command(CameraCommand("idle", "cam-01", relay=f"relay-{n}"))
    assert unit.mode == "idle" and not unit._leases


def test_renewing_live_extends_it_without_an_extra_frame(unit, client, clock) -> None:
    unit.command(live(ttl_s=5.0, fps=1.0))
    run(unit, clock, 1004.0, step=0.5)
    unit.command(live(ttl_s=5.0, fps=1.0))
    assert unit.next_due() == pytest.approx(1005.0)
    run(unit, clock, 1008.5, step=0.5)
    assert unit.mode == "live"
    assert [t for t, _ in client.sent] == [1000.5, 1001.0, 1002.0, 1003.0, 1004.0, 1005.0, 1006.0, 1007.0, 1008.0]


def test_live_fps_comes_from_the_config_when_the_command_has_none(unit, client, clock) -> None:
    unit.command(live(ttl_s=5.0))
    run(unit, clock, 1005.0)
    assert len(client.sent) == 10  # 2 fps


def test_frames_are_skipped_not_queued_while_the_broker_is_away(unit, client, clock, camera) -> None:
    client.connected = False
    unit.tick(clock.now)
    assert client.sent == [] and unit.skipped == 1 and camera.grabs == 0
    assert unit.next_due() == 1000.0 + RETRY_S  # a missed snapshot is retried soon
    client.connected = True
    run(unit, clock, 1000.0 + RETRY_S, step=1.0)
    assert client.sent == [(1000.0 + RETRY_S, 1)]


def test_a_frame_missed_while_offline_is_sent_on_reconnect(unit, client, clock) -> None:
    client.connected = False
    unit.tick(clock.now)
    clock.now = 1004.0
    client.connected = True
    unit.reconnected()
    assert unit.next_due() == 1004.0
    unit.tick(clock.now)
    unit.reconnected()  # a reconnect with nothing missed sends nothing extra
    assert unit.next_due() == 1304.0 and client.sent == [(1004.0, 1)]


def test_a_live_frame_waits_for_the_uplink_to_send_the_last_one(unit, client, clock) -> None:
    client.written = False  # a slow uplink still holds the previous frame
    unit.command(live(ttl_s=10.0, fps=5.0))
    run(unit, clock, 1002.0)
    assert len(client.sent) == 1 and unit.skipped == 9
    client.written = True
    run(unit, clock, 1003.0)
    assert len(client.sent) == 1 + 5


def test_a_failing_camera_is_logged_once_and_its_recovery_once(unit, client, clock, camera, caplog) -> None:
    caplog.set_level(logging.INFO, logger="devices.camera_unit")
    camera.fail = True
    unit.command(live(ttl_s=3.0, fps=5.0))
    run(unit, clock, 1002.0)
    camera.fail = False
    run(unit, clock, 1002.5)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("camera failed" in m for m in messages) == 1
    assert sum("gives frames again" in m for m in messages) == 1
    assert camera.grabs > 5 and len(client.sent) >= 2


@pytest.mark.parametrize("payload, expected", [
    (b'{"camera": "cam-01", "mode": "live", "ttl_s": 30, "fps": 2}', CameraCommand("live", "cam-01", 30.0, 2.0)),
    (b'{"mode": "live", "ttl_s": 12.5}', CameraCommand("live", None, 12.5, None)),
    (b'{"mode": "live"}', CameraCommand("live")),
    (b'{"camera": "cam-01", "mode": "idle", "ttl_s": "ignored"}', CameraCommand("idle", "cam-01")),
    (b'{"mode": "live", "ttl_s": 86400, "fps": 60}', CameraCommand("live", None, MAX_TTL_S, MAX_FPS)),
    (b'{"mode": "live", "relay": "orchard-streams-1a2b3c"}', CameraCommand("live", relay="orchard-streams-1a2b3c")),
    (b'{"mode": "idle", "relay": "r1"}', CameraCommand("idle", relay="r1")),
])
def test_commands_parse_with_defaults_and_caps(payload: bytes, expected: CameraCommand) -> None:
    assert parse_command(payload) == expected


@pytest.mark.parametrize("payload, reason", [
    (b"live please", "bad_json"),
    (b'["live"]', "not_an_object"),
    (b'{"camera": "cam-01"}', "unknown_mode"),
    (b'{"mode": "stream"}', "unknown_mode"),
    (b'{"mode": "live", "ttl_s": 0}', "bad_ttl"),
    (b'{"mode": "live", "ttl_s": -5}', "bad_ttl"),
    (b'{"mode": "live", "ttl_s": "30"}', "bad_ttl"),
    (b'{"mode": "live", "ttl_s": true}', "bad_ttl"),
    (b'{"mode": "live", "fps": 0}', "bad_fps"),
    (b'{"mode": "live", "camera": "../cam"}', "bad_camera"),
    (b'{"mode": "live", "relay": 7}', "bad_relay"),
    (b'{"mode": "idle", "relay": ""}', "bad_relay"),
])
def test_bad_commands_are_refused_with_a_reason(payload: bytes, reason: str) -> None:
    with pytest.raises(PayloadError) as caught:
        parse_command(payload)
    assert caught.value.reason == reason


def test_commands_reach_the_named_camera_or_all_and_bad_ones_are_logged_once(client, clock, caplog) -> None:
    caplog.set_level(logging.WARNING, logger="devices.camera_unit")
    units = [CameraUnit(name, Camera(), TOPIC, client, CONFIG, clock) for name in ("cam-01", "cam-02")]
    commands = CameraCommands("dev-a", units)
    assert commands.handle(b'{"camera": "cam-02", "mode": "live", "ttl_s": 5}')
    assert [u.mode for u in units] == ["idle", "live"]
    assert commands.handle(b'{"mode": "live", "ttl_s": 5}')
    assert [u.mode for u in units] == ["live", "live"]
    assert commands.handle(b'{"mode": "idle"}')
    assert [u.mode for u in units] == ["idle", "idle"]
    for _ in range(3):
        assert not commands.handle(b'{"mode": "live", "ttl_s": -1}')
        assert not commands.handle(b"{not json")
        assert not commands.handle(b'{"camera": "cam-09", "mode": "live"}')
    assert [u.mode for u in units] == ["idle", "idle"] and commands.rejected == 9
    assert len(caplog.records) == 3
