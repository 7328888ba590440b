"""`latest.jpg` against a bare Starlette endpoint serving the same bytes under the same uvicorn, same run.

The relay runs as `python -m streams` with a registry holding a customer whose claim
covers the camera's tree; the customer's token is minted as the API mints it (with the
user as subject), so every request goes through the policy as a phone's would. Figures:
requests/s and p99 with `wrk`, for a 200 (the ~100 KB frame), a 304 (If-None-Match)
and a polling page's 304 (`?token=…&watch=1`), each as a ratio to the bare endpoint.
Target: ratio ≥ 0.5 for each.

Run: python -m bench.streams_latest [--seconds 5 --connections 16]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

from orchard.auth import mint_camera_token
from orchard.mqtt import make_client
from orchard.registry import orchards, people
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from tests.services import Mosquitto, free_port, wait_for_port

CAMERA, DEVICE, FARM = "cam-01", "node-01", "bench"


def make_customer_registry(db_url: str) -> tuple[int, int]:
    """Farm, device, camera seeing tree 1, and a customer with a claim on it in force: (user id, generation)."""
    upgrade(db_url)
    now = datetime.now(UTC)
    with session_factory(db_url).begin() as session:
        orchards.create_farm(session, FARM, "Bench")
        tree = orchards.create_tree(session, FARM, "1")
        session.flush()
        orchards.create_device(session, DEVICE, FARM, tree_id=tree.id)
        session.flush()
        orchards.create_camera(session, CAMERA, DEVICE, [tree.id])
        customer = people.create_user(session, "bench-customer", "customer")
        session.flush()
        people.create_claim(session, customer, tree, now - timedelta(days=1), now + timedelta(days=90),
                            status="active")
        session.flush()
        return customer.id, customer.credential_generation


def wrk(url: str, seconds: float, connections: int, headers: dict[str, str]) -> tuple[float, float, int]:
    """(requests/s, p99 ms, non-2xx/3xx count)."""
    args = ["wrk", "-t2", f"-c{connections}", f"-d{seconds:g}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, url], capture_output=True, text=True, check=True).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", out)
    rps = float(found.group(1)) if found else float("nan")
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    p99_ms = float(p99.group(1)) * {"us": 0.001, "ms": 1, "s": 1000}[p99.group(2)] if p99 else float("nan")
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99_ms, int(errors.group(1)) if errors else 0


def compare(relay_port: int, bare_port: int, token: str, seconds: float, connections: int) -> list[float]:
    """Print and return the relay/bare ratios of requests/s: a 200 and a 304 with a customer's token in the
    header, and a page's poll (304, the token in the URL, watch=1)."""
    path = f"/cameras/{CAMERA}/latest.jpg"
    auth = {"Authorization": f"Bearer {token}"}
    relay_etag = httpx.get(f"http://127.0.0.1:{relay_port}{path}", headers=auth).headers["etag"]
    bare_etag = httpx.get(f"http://127.0.0.1:{bare_port}{path}").headers["etag"]
    ratios = []
    polling = f"?token={token}&watch=1"  # as a phone's page polls, the token in the URL
    for label, query, relay_headers, bare_headers in [
        ("200, customer token", "", auth, {}),
        ("304, If-None-Match", "", {**auth, "If-None-Match": relay_etag}, {"If-None-Match": bare_etag}),
        ("304, ?token=&watch=1", polling, {"If-None-Match": relay_etag}, {"If-None-Match": bare_etag}),
    ]:
        bare = wrk(f"http://127.0.0.1:{bare_port}{path}{query}", seconds, connections, bare_headers)
        relay = wrk(f"http://127.0.0.1:{relay_port}{path}{query}", seconds, connections, relay_headers)
        ratio = relay[0] / bare[0]
        ratios.append(ratio)
        print(f"(2) latest.jpg {label}, {connections} connections: relay {relay[0]:,.0f} req/s p99 {relay[1]:.1f} ms"
              f"{f' ({relay[2]} errors)' if relay[2] else ''}; bare Starlette {bare[0]:,.0f} req/s "
              f"p99 {bare[1]:.1f} ms; ratio {ratio:.2f} (target ≥ 0.5)")
    return ratios


class CameraPublisher:
    """The bench camera's MQTT connection (as the simulator account)."""

    def __init__(self, url: str) -> None:
        self.client, address = make_client(url)
        self.client.connect(address.host, address.port)
        self.client.loop_start()

    def __call__(self, frame: bytes) -> None:
        self.client.publish(f"orchard/{FARM}/{DEVICE}/camera/{CAMERA}/jpeg", frame, qos=1).wait_for_publish(10)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


def run(broker_url: str, camera_url: str, secret: str, frame: bytes, workdir: Path, seconds: float = 5.0,
        connections: int = 16) -> list[float]:
    """Start a relay and the bare endpoint, prime the camera with `frame`, compare them."""
    if not shutil.which("wrk"):
        print("(2) latest.jpg: skipped, install Debian's `wrk`")
        return []
    db_url = f"sqlite:///{workdir / 'latest-registry.db'}"
    user_id, generation = make_customer_registry(db_url)
    frame_file = workdir / "frame.jpg"
    frame_file.write_bytes(frame)
    relay_port, bare_port = free_port(), free_port()
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_MQTT_URL": broker_url, "ORCHARD_SECRET_KEY": secret, "ORCHARD_DB_URL": db_url,
           "ORCHARD_DATA_DIR": str(workdir / "latest-data"), "ORCHARD_LOG_LEVEL": "WARNING"}
    publish = CameraPublisher(camera_url)
    relay = subprocess.Popen([sys.executable, "-m", "streams", "--port", str(relay_port)], env=env)
    bare = subprocess.Popen([sys.executable, "-m", "bench.bare_latest", str(bare_port), str(frame_file)], env=env)
    try:
        wait_for_port(relay_port, timeout=30, process=relay)
        wait_for_port(bare_port, timeout=30, process=bare)
        token = mint_camera_token(secret, [CAMERA], 3600, subject=str(user_id), generation=generation)  # as the API
        url = f"http://127.0.0.1:{relay_port}/cameras/{CAMERA}/latest.jpg"
        for _ in range(100):
            publish(frame)
            if httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code == 200:
                break
        return compare(relay_port, bare_port, token, seconds, connections)
    finally:
        publish.close()
        for process in (relay, bare):
            process.terminate()
            process.wait(timeout=20)


def main() -> None:
    from bench.streams import SECRET, make_frames

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="orchard-bench-latest-") as tmp:
        workdir = Path(tmp)
        (workdir / "mosquitto").mkdir()
        broker = Mosquitto(workdir / "mosquitto")
        broker.start()
        try:
            run(broker.url("orchard-streams"), broker.url("orchard-simulator"), SECRET, make_frames(1)[0], workdir,
                args.seconds, args.connections)
        finally:
            broker.stop()


if __name__ == "__main__":
    main()
