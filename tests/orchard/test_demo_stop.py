"""Ctrl-C on the demo while someone watches a camera live: it stops at once, quietly, with status 0."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import time

import httpx

from tests.services import REPO, free_port, require


def watch(url: str, watching: threading.Event) -> None:
    """Read the MJPEG stream as a browser does, until the server ends it."""
    try:
        with httpx.stream("GET", url, timeout=30) as stream:
            for _ in stream.iter_bytes():
                watching.set()
    except httpx.HTTPError:
        pass


def test_ctrl_c_while_a_viewer_watches_stops_quickly_and_quietly(tmp_path):
    require("mosquitto")
    env = {**{k: v for k, v in os.environ.items() if not k.startswith("ORCHARD_")},
           "ORCHARD_DATA_DIR": str(tmp_path)}
    demo = subprocess.Popen([sys.executable, "-m", "orchard.cli", "demo", "--mqtt-port", str(free_port()),
                             "--streams-port", str(free_port()), "--api-port", str(free_port()),
                             "--dashboard-port", str(free_port()),
                             "--backfill-hours", "0.5"],
                            cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = []
        assert demo.stdout is not None
        for line in demo.stdout:
            output.append(line)
            if line.startswith("Ctrl-C stops"):
                break
        live = re.search(r"http://\S+/stream\.mjpg\?token=\S+", "".join(output))
        assert live, "".join(output)
        watching = threading.Event()
        viewer = threading.Thread(target=watch, args=(live.group(0), watching), daemon=True)
        viewer.start()
        assert watching.wait(30), "no frame arrived on the live link"
        started = time.monotonic()
        demo.send_signal(signal.SIGINT)
        rest, _ = demo.communicate(timeout=30)
        took = time.monotonic() - started
    finally:
        if demo.poll() is None:
            demo.kill()
            demo.wait()
    assert demo.returncode == 0, rest[-3000:]
    assert "Traceback" not in rest and "CancelledError" not in rest, rest[-3000:]
    # Structural: a watched live link used to hold the stop for 10 s (the servers' graceful timeouts).
    assert took < 8, f"the demo took {took:.1f}s to stop"
    assert "demo stopped" in rest
