"""Streams benchmark on this machine: one local Mosquitto, the relay under uvicorn, local clients.

  (1) 200 concurrent MJPEG viewers of one camera at 5 fps with ~100 KB frames:
      median delivered fps per viewer, p95 added latency publish -> viewer, relay CPU.
      Baseline: the same frames' publish -> arrival at a bare paho subscriber (the
      broker's own delay), measured in the same run; the relay's share is the rest.
  (2) latest.jpg throughput and latency with wrk (Debian's `wrk`).
  (3) the uplink one camera uses per day with default settings and nobody watching,
      from measured sizes of the simulator's JPEGs over a day.

Run: python -m bench.streams [--viewers 200 --seconds 20]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import shutil
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import cv2
import httpx
import numpy as np
import psutil

from orchard.auth import mint_camera_token
from orchard.mqtt import make_client
from orchard.settings import Settings
from tests.services import Mosquitto, free_port, wait_for_port

SECRET = "bench-secret-" + "x" * 40
CAMERA, DEVICE, FARM = "cam-01", "node-01", "bench"
TOPIC = f"orchard/{FARM}/{DEVICE}/camera/{CAMERA}/jpeg"


def make_frames(count: int, target_kb: int = 100) -> list[bytes]:
    """JPEGs of ~target_kb, each carrying its number in a COM segment (still valid, never re-encoded)."""
    rng = np.random.default_rng(7)
    base = cv2.resize(rng.integers(0, 255, (90, 160, 3), dtype=np.uint8), (1280, 720),
                      interpolation=cv2.INTER_CUBIC)
    quality = 90
    while True:
        ok, encoded = cv2.imencode(".jpg", base, [cv2.IMWRITE_JPEG_QUALITY, quality])
        if len(encoded) <= target_kb * 1024 or quality <= 20:
            break
        quality -= 5
    jpeg = encoded.tobytes()
    frames = []
    for n in range(count):
        comment = b"orchard-bench %d" % n
        segment = b"\xff\xfe" + struct.pack(">H", len(comment) + 2) + comment
        frames.append(jpeg[:2] + segment + jpeg[2:])
    return frames


FRAME_NUMBER = re.compile(rb"orchard-bench (\d+)")


async def viewer(port: int, token: str, arrivals: list, stop: asyncio.Event) -> None:
    """Read an MJPEG stream, recording (monotonic time, frame number) per frame."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(f"GET /cameras/{CAMERA}/stream.mjpg HTTP/1.1\r\nHost: bench\r\n"
                 f"Authorization: Bearer {token}\r\n\r\n".encode())
    await writer.drain()
    buffer = b""
    try:
        while not stop.is_set():
            chunk = await reader.read(262144)
            if not chunk:
                break
            buffer += chunk
            while True:
                match = FRAME_NUMBER.search(buffer)
                if not match:
                    buffer = buffer[-64:]
                    break
                arrivals.append((time.monotonic(), int(match.group(1))))
                buffer = buffer[match.end():]
    finally:
        writer.close()


def run_viewers(port: int, token: str, count: int, seconds: float, out: Path) -> None:
    """Entry of the viewers' own process: writes arrivals as lines `viewer time frame`."""
    async def main() -> None:
        stop = asyncio.Event()
        records: list[list[Any]] = [[] for _ in range(count)]
        tasks = [asyncio.create_task(viewer(port, token, records[i], stop)) for i in range(count)]
        await asyncio.sleep(seconds)
        stop.set()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        with out.open("w") as f:
            for i, rec in enumerate(records):
                for t, n in rec:
                    f.write(f"{i} {t:.6f} {n}\n")
    asyncio.run(main())


def publish_frames(url: str, frames: list[bytes], fps: float, sent_at: dict[int, float],
                   stop: threading.Event) -> None:
    client, address = make_client(url, "bench-camera")
    client.connect(address.host, address.port)
    client.loop_start()
    started = time.monotonic()
    for n, frame in enumerate(frames):
        due = started + n / fps
        while time.monotonic() < due:
            time.sleep(min(0.005, due - time.monotonic()) if due > time.monotonic() else 0)
        if stop.is_set():
            break
        sent_at[n] = time.monotonic()
        client.publish(TOPIC, frame, qos=0)
    client.disconnect()
    client.loop_stop()


def broker_delay(url: str, frames: list[bytes], fps: float) -> list[float]:
    """Baseline: publish -> arrival at a bare paho subscriber, same frames, same rate."""
    arrivals: dict[int, float] = {}
    sub, address = make_client(url.replace("orchard-simulator:simulator-secret", "orchard-streams:streams-secret"))
    ready = threading.Event()
    sub.on_connect = lambda c, u, f, rc, p: c.subscribe(TOPIC, 0)
    sub.on_subscribe = lambda *a: ready.set()

    def on_message(c, u, m):
        match = FRAME_NUMBER.search(m.payload[:64])
        if match:  # every frame the bench publishes carries its number
            arrivals[int(match.group(1))] = time.monotonic()
    sub.on_message = on_message
    sub.connect(address.host, address.port)
    sub.loop_start()
    ready.wait(10)
    sent_at: dict[int, float] = {}
    publish_frames(url, frames, fps, sent_at, threading.Event())
    time.sleep(1)
    sub.disconnect()
    sub.loop_stop()
    return [arrivals[n] - sent_at[n] for n in sent_at if n in arrivals]


def uplink_per_day() -> tuple[float, float]:
    """MB per day one camera sends at default settings with nobody watching, and the mean JPEG KB."""
    from devices.camera import encode_jpeg
    from devices.frames import draw_frame  # the simulator's 1280x720 scene, encoded as a unit would

    settings = Settings(_env_file=None)
    day_start = 1_781_000_000_000 - 1_781_000_000_000 % 86_400_000  # a day in June
    step = int(settings.camera_idle_s * 1000)
    sizes = []
    for ts in range(day_start, day_start + 86_400_000, step):
        jpeg = encode_jpeg(draw_frame(ts, seed=1, label=CAMERA), settings.camera_width,
                           settings.camera_height, settings.camera_quality)
        sizes.append(len(jpeg) + len(TOPIC) + 8)  # plus the MQTT PUBLISH header and topic
    return sum(sizes) / 1e6, statistics.mean(sizes) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--viewers", type=int, default=200)
    parser.add_argument("--fps", type=float, default=5.0)
    parser.add_argument("--seconds", type=float, default=20.0)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="orchard-bench-streams-") as tmp:
        workdir = Path(tmp)
        (workdir / "mosquitto").mkdir()
        broker = Mosquitto(workdir / "mosquitto")
        broker.start()
        port = free_port()
        env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
               "ORCHARD_MQTT_URL": broker.url("orchard-streams"), "ORCHARD_SECRET_KEY": SECRET,
               "ORCHARD_DATA_DIR": str(workdir / "data"), "ORCHARD_LOG_LEVEL": "WARNING"}
        relay = subprocess.Popen([sys.executable, "-m", "streams", "--host", "127.0.0.1", "--port", str(port)],
                                 env=env)
        try:
            wait_for_port(port, timeout=30, process=relay)
            publisher_url = broker.url("orchard-simulator")
            *frames, primer = make_frames(int(args.fps * (args.seconds + 10)) + 1)
            print(f"streams benchmark: {args.viewers} viewers, {args.fps:g} fps, "
                  f"{statistics.mean(map(len, frames)) / 1024:.0f} KB frames, {args.seconds:g} s")

            base = broker_delay(publisher_url, frames[: int(args.fps * 10)], args.fps)
            # Prime the relay with a frame so the camera is known, then start viewers and the stream.
            publish_frames(publisher_url, [primer], 1.0, {}, threading.Event())
            token = mint_camera_token(SECRET, [CAMERA], 3600)
            stop = threading.Event()
            sent_at: dict[int, float] = {}
            out = workdir / "arrivals.txt"
            viewers = subprocess.Popen([sys.executable, "-c",
                                        "import sys; from pathlib import Path; from bench.streams import run_viewers; "
                                        f"run_viewers({port}, {token!r}, {args.viewers}, {args.seconds + 3}, "
                                        f"Path({str(out)!r}))"])
            time.sleep(2)
            process = psutil.Process(relay.pid)
            process.cpu_percent(None)
            pub = threading.Thread(target=publish_frames, args=(publisher_url, frames, args.fps, sent_at, stop))
            pub.start()
            time.sleep(args.seconds)
            cpu = process.cpu_percent(None)
            viewers.wait(timeout=120)
            stop.set()
            pub.join()

            per_viewer: dict[int, list[tuple[float, int]]] = {}
            for line in out.read_text().splitlines():
                v_text, t_text, n_text = line.split()
                per_viewer.setdefault(int(v_text), []).append((float(t_text), int(n_text)))
            window_start = min(sent_at.values()) + 1.0
            window_end = window_start + args.seconds - 2.0
            fps_each, latencies = [], []
            for v in range(args.viewers):
                got = [(t, n) for t, n in per_viewer.get(v, []) if n in sent_at]
                in_window = [1 for t, n in got if window_start <= sent_at[n] < window_end]
                fps_each.append(len(in_window) / (window_end - window_start))
                latencies += [t - sent_at[n] for t, n in got if window_start <= sent_at[n] < window_end]
            p95 = statistics.quantiles(latencies, n=100)[94] if latencies else float("nan")
            base_p95 = statistics.quantiles(base, n=100)[94]
            print(f"(1) MJPEG: median {statistics.median(fps_each):.2f} fps per viewer (of {args.fps:g}), "
                  f"min {min(fps_each):.2f}")
            print(f"    publish -> viewer p95 {p95 * 1000:.0f} ms; broker alone p95 {base_p95 * 1000:.0f} ms; "
                  f"added by the relay p95 {(p95 - base_p95) * 1000:.0f} ms")
            print(f"    relay CPU {cpu:.0f}% of one core ({psutil.cpu_count()} cores)")

            wrk_latest(port, token)
            mb, kb = uplink_per_day()
            print(f"(3) uplink per camera per day, idle defaults: {mb:.1f} MB ({kb:.0f} KB mean snapshot)")
        finally:
            relay.terminate()
            relay.wait(timeout=20)
            broker.stop()


def wrk_latest(port: int, token: str) -> None:
    url = f"http://127.0.0.1:{port}/cameras/{CAMERA}/latest.jpg"
    status = httpx.get(url, headers={"Authorization": f"Bearer {token}"}).status_code
    if not shutil.which("wrk"):
        print("(2) latest.jpg: skipped, install Debian's `wrk`")
        return
    for connections in (16, 32):
        result = subprocess.run(["wrk", "-t2", f"-c{connections}", "-d10s", "--latency",
                                 "-H", f"Authorization: Bearer {token}", url], capture_output=True, text=True)
        rps = re.search(r"Requests/sec:\s+([\d.]+)", result.stdout)
        p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", result.stdout)
        unit = {"us": 0.001, "ms": 1, "s": 1000}
        p99_ms = float(p99.group(1)) * unit[p99.group(2)] if p99 else float("nan")
        non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", result.stdout)
        rate = float(rps.group(1)) if rps else float("nan")
        print(f"(2) latest.jpg (status {status}), {connections} connections: {rate:,.0f} req/s, "
              f"p99 {p99_ms:.1f} ms" + (f", {non2xx.group(1)} errors" if non2xx else ""))

if __name__ == "__main__":
    main()
