"""The Pi agent's cameras against a real broker: idle snapshots, live on command, live that ends by itself."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import cv2
import numpy as np
import orjson
import pytest

from devices.agent import Agent
from devices.camera_unit import CameraConfig
from devices.frames import SyntheticSource
from devices.simulator import Simulator
from orchard.spool import Spool
from tests.mqtt_helpers import Collector, publish, wait_until

CAMERA_TOPIC = "orchard/farm1/dev-a/camera/cam-01/jpeg"
COMMAND_TOPIC = "orchard/farm1/dev-a/cmd"


def decode(jpeg: bytes) -> np.ndarray:
    image = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
    assert image is not None, "not a JPEG"
    return image


def frames_within(watcher: Collector, seconds: float) -> list[float]:
    """Arrival times of the frames that arrive within `seconds` from now."""
    arrivals = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            watcher.get(timeout=left)
        except Exception:
            break
        arrivals.append(time.monotonic())
    return arrivals


@pytest.fixture
def watcher(broker) -> Iterator[Collector]:
    """The streams relay's view: it may read every camera topic."""
    collector = Collector(broker.url("orchard-streams"), "orchard/+/+/camera/+/jpeg")
    yield collector
    collector.close()


@pytest.fixture
def running_agent(broker, tmp_path) -> Iterator[Agent]:
    """dev-a with one synthetic 320x240 camera, idle every 30 s, running its loop in a thread."""
    source = SyntheticSource("cam-01", 3, 320, 240)
    config = CameraConfig(idle_s=30.0, live_fps=2.0, width=320, height=240, quality=70)
    agent = Agent("farm1", "dev-a", [], Spool(tmp_path / "s.db"), broker.url("dev-a"),
                  cameras={"cam-01": source}, camera_config=config)
    stop = threading.Event()
    loop = threading.Thread(target=agent.run, args=(3600.0, stop))
    loop.start()
    try:
        assert agent.listening.wait(10), "the agent never subscribed to its commands"
        yield agent
    finally:
        stop.set()
        loop.join(10)
        assert not loop.is_alive(), "the run loop did not stop"
        agent.spool.close()


def test_an_idle_snapshot_arrives_as_a_jpeg_at_start(watcher, running_agent) -> None:
    topic, payload = watcher.get(timeout=10)
    assert topic == CAMERA_TOPIC
    assert decode(payload).shape == (240, 320, 3)
    assert frames_within(watcher, 1.0) == []  # then nothing until the idle interval


def test_live_on_command_then_back_to_idle_when_the_ttl_runs_out(broker, watcher, running_agent) -> None:
    watcher.get(timeout=10)  # the start-up snapshot
    publish(broker.url("orchard-streams"), COMMAND_TOPIC, orjson.dumps({"mode": "live", "ttl_s": 2, "fps": 5}))
    live = frames_within(watcher, 2.0)
    assert len(live) >= 3, f"only {len(live)} live frames in 2 s at 5 fps"
    assert len(live) <= 12
    time.sleep(0.5)  # the ttl has passed: no stop command is sent
    watcher.drain(0.1)
    assert len(frames_within(watcher, 2.0)) <= 1
    assert running_agent.cameras[0].mode == "idle"


def test_an_idle_command_ends_live_at_once(broker, watcher, running_agent) -> None:
    watcher.get(timeout=10)
    command = {"camera": "cam-01", "mode": "live", "ttl_s": 60, "fps": 5}
    publish(broker.url("orchard-streams"), COMMAND_TOPIC, orjson.dumps(command))
    assert len(frames_within(watcher, 1.5)) >= 3
    publish(broker.url("orchard-streams"), COMMAND_TOPIC, orjson.dumps({"camera": "cam-01", "mode": "idle"}))
    watcher.drain(0.3)
    assert len(frames_within(watcher, 2.0)) <= 1


def test_a_bad_command_changes_nothing_and_the_agent_keeps_going(broker, watcher, running_agent) -> None:
    watcher.get(timeout=10)
    for payload in (b"\xff\xfe", b'{"mode": "live", "ttl_s": -1}', b'{"camera": "cam-77", "mode": "live"}'):
        publish(broker.url("orchard-streams"), COMMAND_TOPIC, payload)
    assert frames_within(watcher, 1.0) == []
    assert running_agent.commands.rejected == 3
    publish(broker.url("orchard-streams"), COMMAND_TOPIC, b'{"mode": "live", "ttl_s": 1, "fps": 5}')
    assert len(frames_within(watcher, 1.0)) >= 2


def test_each_simulated_device_has_a_camera_that_goes_live_on_command(broker, watcher, tmp_path) -> None:
    config = CameraConfig(idle_s=60.0, width=320, height=180)
    simulator = Simulator(broker.url("orchard-simulator"), tmp_path, "farm1", devices=2, interval_s=60.0,
                          camera_config=config)
    stop = threading.Event()
    loop = threading.Thread(target=simulator.run, args=(stop,))
    loop.start()
    try:
        first = dict([watcher.get(timeout=15), watcher.get(timeout=15)])
        assert sorted(first) == ["orchard/farm1/node-01/camera/cam-01/jpeg", "orchard/farm1/node-02/camera/cam-02/jpeg"]
        assert all(decode(jpeg).shape == (180, 320, 3) for jpeg in first.values())
        wait_until(lambda: all(agent.listening.is_set() for agent in simulator.agents), message="simulator listening")
        publish(broker.url("orchard-streams"), "orchard/farm1/node-02/cmd",
                b'{"camera": "cam-02", "mode": "live", "ttl_s": 1.5, "fps": 5}')
        arrived = []
        deadline = time.monotonic() + 2.0
        while time.monotonic() < deadline:
            try:
                arrived.append(watcher.get(timeout=max(0.01, deadline - time.monotonic()))[0])
            except Exception:
                break
        assert arrived.count("orchard/farm1/node-02/camera/cam-02/jpeg") >= 3
        assert "orchard/farm1/node-01/camera/cam-01/jpeg" not in arrived
    finally:
        stop.set()
        loop.join(10)
