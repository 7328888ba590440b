"""A silent cut-off between a Pi and the broker (packets dropped, no RST): sampling keeps its schedule."""

from __future__ import annotations

import threading
import time

import orjson

from devices.agent import Agent
from devices.simulator import Simulator
from orchard.spool import Spool
from tests.ingest.conftest import CountingSensor, stepping_clock
from tests.mqtt_helpers import Collector, wait_until
from tests.relay import Relay

INTERVAL_S = 0.2
CUT_S = 6.0


def sequence(collector: Collector, seen: set[int]) -> set[int]:
    for _, payload in collector.drain(quiet_s=0.05):
        entries = orjson.loads(payload)
        for entry in entries if isinstance(entries, list) else [entries]:
            seen.add(int(entry["values"]["custom_seq"]))
    return seen


def test_sampling_and_spooling_keep_their_schedule_through_a_silent_cut_off(broker, tmp_path):
    relay = Relay(broker.port)
    sensor = CountingSensor()
    url = broker.url("dev-a").replace(f":{broker.port}", f":{relay.port}")
    agent = Agent("farm1", "dev-a", [sensor], Spool(tmp_path / "spool.db", max_items=100_000), url,
                  clock=stepping_clock())
    received = Collector(broker.url("orchard-ingest"), "orchard/farm1/dev-a/telemetry")
    stop = threading.Event()
    loop = threading.Thread(target=agent.run, args=(INTERVAL_S, stop))
    seen: set[int] = set()
    try:
        loop.start()
        wait_until(lambda: len(sequence(received, seen)) >= 5, message="readings flowing")

        relay.cut()
        before = sensor.count
        time.sleep(CUT_S)
        sampled = sensor.count - before
        assert sampled >= CUT_S / INTERVAL_S / 2, f"{sampled} samples in {CUT_S}s at one every {INTERVAL_S}s"
        assert len(agent.spool) >= sampled - 1, "what was sampled while cut off waits in the spool"

        relay.restore()
        taken = sensor.count
        wait_until(lambda: sequence(received, seen) >= set(range(1, taken + 1)), timeout=40,
                   message="every reading taken until the link returned, received")
        assert agent.spool.dropped == 0
    finally:
        stop.set()
        loop.join(timeout=20)
        received.close()
        relay.close()
        agent.spool.close()


def test_the_simulator_keeps_sampling_every_unit_through_a_silent_cut_off(broker, tmp_path):
    relay = Relay(broker.port)
    url = broker.url("orchard-simulator").replace(f":{broker.port}", f":{relay.port}")
    simulator = Simulator(url, tmp_path, "farm1", devices=3, interval_s=INTERVAL_S, cameras=False)
    stop = threading.Event()
    loop = threading.Thread(target=simulator.run, args=(stop,))
    try:
        loop.start()
        wait_until(lambda: simulator.published >= 6, message="the simulated units publishing")
        relay.cut()
        before = [len(agent.spool) for agent in simulator.agents]
        time.sleep(CUT_S)
        grown = [len(agent.spool) - n for agent, n in zip(simulator.agents, before, strict=True)]
        assert all(g >= CUT_S / INTERVAL_S / 2 for g in grown), f"readings spooled per unit in {CUT_S}s: {grown}"
        relay.restore()
        wait_until(lambda: all(len(agent.spool) <= 2 for agent in simulator.agents), timeout=40,
                   message="every unit's spool drained after the link returned")
    finally:
        stop.set()
        loop.join(timeout=30)
        relay.close()
