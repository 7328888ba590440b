"""Two relays on one broker, a viewer on each: the Pi agent's camera stays live until both
viewers leave, then goes idle (each relay keeps its own viewers; the device counts every
relay's renewals alike)."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator

import pytest

from devices.agent import Agent
from devices.camera_unit import CameraConfig
from devices.frames import SyntheticSource
from orchard.spool import Spool
from streams.live import LiveTiming
from tests.mqtt_helpers import wait_until
from tests.streams.conftest import CAMERA, DEVICE, FARM
from tests.streams.mjpeg_client import MjpegViewer

FAST = LiveTiming(ttl_s=3, renew_s=0.5, grace_s=0.6, fps=2)
STREAM = f"/cameras/{CAMERA}/stream.mjpg"


@pytest.fixture
def start_field_unit(broker, tmp_path) -> Iterator:
    """Start the real Pi agent with one synthetic camera, idle every 5 minutes, running in a thread."""
    config = CameraConfig(idle_s=300.0, live_fps=2.0, width=320, height=240, quality=70)
    agent = Agent(FARM, DEVICE, [], Spool(tmp_path / "unit-spool.db"), broker.url(DEVICE),
                  cameras={CAMERA: SyntheticSource(CAMERA, 3, 320, 240)}, camera_config=config)
    stop = threading.Event()
    loop = threading.Thread(target=agent.run, args=(3600.0, stop))

    def start() -> Agent:
        loop.start()
        assert agent.listening.wait(10), "the agent never subscribed to its commands"
        return agent

    try:
        yield start
    finally:
        stop.set()
        loop.join(10)
        agent.spool.close()


def modes_for(agent: Agent, seconds: float) -> set[str]:
    """Every mode the camera was seen in, looking every few milliseconds for `seconds`."""
    seen = set()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        seen.add(agent.cameras[0].mode)
        time.sleep(0.005)
    return seen


def test_the_camera_stays_live_until_the_viewers_of_both_relays_leave(start_relay, start_field_unit, tmp_path,
                                                                      caplog):
    caplog.set_level(logging.INFO, logger="devices.camera_unit")
    first, second = (start_relay(settings={"data_dir": tmp_path / name}, live_timing=FAST)
                     for name in ("relay-1", "relay-2"))
    assert first.relay.live.instance != second.relay.live.instance
    field_unit = start_field_unit()
    for relay in (first, second):  # both learn the camera's device from its start-up snapshot
        wait_until(lambda relay=relay: relay.on_loop(lambda: relay.relay.hub.latest(CAMERA)) is not None,
                   message="the start-up snapshot on both relays")
    camera = field_unit.cameras[0]
    assert camera.mode == "idle"

    on_first = MjpegViewer(first.port, STREAM, first.token())
    on_second = MjpegViewer(second.port, STREAM, second.token())
    try:
        wait_until(lambda: camera.mode == "live", message="live for the first viewer")
        on_first.next()
        on_second.next()

        on_first.close()  # the first relay's last viewer leaves; it tells the device "idle" after its grace
        wait_until(lambda: first.metric("orchard_streams_live_commands_total", mode="idle") == 1,
                   message="the first relay's idle command")
        assert modes_for(field_unit, FAST.ttl_s + 1) == {"live"}  # past the first relay's last lease, too
        frames_before = on_second.parts.qsize()
        wait_until(lambda: on_second.parts.qsize() > frames_before, message="live frames for the second viewer")
        assert not [r for r in caplog.records if "idle" in r.getMessage()]  # never dropped out of live
    finally:
        on_first.close()
        on_second.close()
    wait_until(lambda: camera.mode == "idle", timeout=10, message="idle once both viewers left")
    assert second.metric("orchard_streams_live_commands_total", mode="idle") == 1
    assert [r.getMessage() for r in caplog.records if "idle" in r.getMessage()][-1].endswith("back to idle")
