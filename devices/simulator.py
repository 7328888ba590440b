"""`orchard simulate`: a small orchard of simulated field units, each a real agent on MQTT.

Every simulated device runs the same agent, spool and publisher as a Pi; only its
sensors and its camera are simulated. A backfill spools past readings first, so the
store has history (and the batch path is exercised) from the first minute. Each
device's camera draws its tree under the farm's simulated sky and answers live and
idle commands exactly like a real unit.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from pathlib import Path
from typing import cast

import orjson

from devices.agent import Agent, now_ms, wake_on
from devices.camera_unit import CameraConfig
from devices.frames import SyntheticSource
from devices.simulated import SimulatedSensor
from devices.weather import FarmWeather
from orchard.spool import Spool
from orchard.supervise import Supervisor

log = logging.getLogger(__name__)


SPOOL_MAX_ITEMS = 2_000_000  # as a Pi's default: on a full disk the oldest readings go first
TREES = 8  # distinct simulated trees; devices beyond that share their look (and their memory)


def device_ids(count: int) -> list[str]:
    return [f"node-{index:02d}" for index in range(1, count + 1)]


def camera_id(device: str) -> str:
    """The simulated camera of a device: cam-01 for node-01."""
    return "cam-" + device.removeprefix("node-")


class Simulator:
    def __init__(
        self,
        mqtt_url: str,
        data_dir: Path,
        farm: str = "demo",
        devices: int = 8,
        interval_s: float = 10.0,
        seed: int = 1,
        *,
        cameras: bool = True,
        camera_config: CameraConfig = CameraConfig(),
    ) -> None:
        self.interval_s = interval_s
        self.weather = FarmWeather(seed)
        self.wake = threading.Event()
        self.supervisor = Supervisor()
        self.agents: list[Agent] = []
        for index, device in enumerate(device_ids(devices)):
            sensor = SimulatedSensor(self.weather, index, interval_ms=int(interval_s * 1000))
            spool = Spool(data_dir / "simulator" / f"{farm}-{device}.db", max_items=SPOOL_MAX_ITEMS)
            sources = {}
            if cameras:
                camera = camera_id(device)
                sources[camera] = SyntheticSource(camera, seed * TREES + index % TREES, camera_config.width,
                                                  camera_config.height, self.weather)
            self.agents.append(Agent(farm, device, [sensor], spool, mqtt_url, client_id=f"sim-{farm}-{device}",
                                     cameras=sources, camera_config=camera_config, wake=self.wake,
                                     supervisor=self.supervisor))

    def backfill(self, hours: float, step_s: float = 600.0) -> int:
        """Spool readings for the past `hours`, one every `step_s`, oldest first; return how many."""
        if hours <= 0:
            return 0
        end = now_ms()
        step_ms = int(step_s * 1000)
        start = end - int(hours * 3_600_000)
        start -= start % step_ms
        count = 0
        for agent in self.agents:
            sensor = cast(SimulatedSensor, agent.sensors[0])
            entries = [orjson.dumps({"ts": ts, "values": sensor.reading_at(ts)})
                       for ts in range(start, end, step_ms)]
            agent.spool.append(entries)
            count += len(entries)
        return count

    def run(self, stop: threading.Event) -> None:
        """Sample every device each interval and send camera frames when due, until `stop` is set or a
        loop fails; each device's uplink thread publishes meanwhile."""
        for agent in self.agents:
            agent.start()
            agent.start_uplink()
            time.sleep(0.05)  # units of a real orchard do not all connect in the same millisecond
        wake_on(stop, self.wake)
        wake_on(self.supervisor.stopping, self.wake)
        next_sample = time.monotonic()
        try:
            while not stop.is_set() and not self.supervisor.stopping.is_set():
                if time.monotonic() >= next_sample:
                    for agent in self.agents:
                        agent.sample()
                    next_sample = max(next_sample + self.interval_s, time.monotonic())
                next_frame = math.inf
                for agent in self.agents:
                    next_frame = min(next_frame, agent.tick_cameras(time.monotonic()))
                now = time.monotonic()
                self.wake.wait(max(0.0, min(0.5, next_sample - now, next_frame - now)))
                self.wake.clear()
        finally:
            for agent in self.agents:
                agent.stop()
                agent.spool.close()

    @property
    def published(self) -> int:
        return sum(agent.publisher.published for agent in self.agents)
