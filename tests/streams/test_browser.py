"""A customer's browser: headless Chromium shows the relay's live MJPEG in an <img>, token in the URL."""

from __future__ import annotations

import subprocess
import threading

import cv2
import numpy as np

from tests.services import require
from tests.streams.conftest import CAMERA, wait_for_frame

ORANGE = (0, 140, 255)  # BGR: the colour of the frame the camera sends


def solid_jpeg(colour: tuple[int, int, int]) -> bytes:
    ok, jpeg = cv2.imencode(".jpg", np.full((360, 640, 3), colour, np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return jpeg.tobytes()


def screenshot(chromium: str, page, shot, profile) -> np.ndarray:
    # The stream never ends, so the page never finishes loading: --timeout takes the picture anyway.
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={profile}", "--window-size=640,360", "--timeout=5000",
                    f"--screenshot={shot}", page.as_uri()],
                   capture_output=True, timeout=90)
    image = cv2.imread(str(shot))
    assert image is not None, "Chromium wrote no screenshot"
    return image[image.shape[0] // 2, image.shape[1] // 2].astype(int)


def watch_page(relay, tmp_path):
    page = tmp_path / "watch.html"
    page.write_text(
        "<html><body style='margin:0;background:#000'>"
        f"<img style='width:640px;height:360px' src='{relay.url}/cameras/{CAMERA}/stream.mjpg?token={relay.token()}'>"
        "</body></html>")
    return page


def test_chromium_shows_a_silent_cameras_last_frame(relay, camera, tmp_path):
    chromium = require("chromium")
    frame = solid_jpeg(ORANGE)
    camera.publish(frame)
    wait_for_frame(relay, frame)
    centre = screenshot(chromium, watch_page(relay, tmp_path), tmp_path / "shot.png", tmp_path / "profile")
    assert np.abs(centre - np.array(ORANGE)).max() < 25, f"the page shows {centre.tolist()}, not the last frame"


def test_chromium_shows_the_live_stream_in_an_img(relay, camera, tmp_path):
    chromium = require("chromium")
    frame = solid_jpeg(ORANGE)
    camera.publish(frame)
    wait_for_frame(relay, frame)
    page = tmp_path / "watch.html"
    page.write_text(
        "<html><body style='margin:0;background:#000'>"
        f"<img style='width:640px;height:360px' src='{relay.url}/cameras/{CAMERA}/stream.mjpg?token={relay.token()}'>"
        "</body></html>")
    shot = tmp_path / "shot.png"
    # The camera goes on sending while the browser watches, as a camera in live mode does.
    watching = threading.Event()
    sender = threading.Thread(target=lambda: [camera.publish(frame) for _ in iter(lambda: watching.wait(0.5), True)])
    sender.start()
    # The stream never ends, so the page never finishes loading: --timeout takes the picture anyway.
    try:
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                        "--disable-background-networking", "--disable-component-update", "--disable-sync",
                        f"--user-data-dir={tmp_path / 'profile'}", "--window-size=640,360", "--timeout=5000",
                        f"--screenshot={shot}", page.as_uri()],
                       capture_output=True, timeout=90)
    finally:
        watching.set()
        sender.join()
    image = cv2.imread(str(shot))
    assert image is not None, "Chromium wrote no screenshot"
    centre = image[image.shape[0] // 2, image.shape[1] // 2].astype(int)
    assert np.abs(centre - np.array(ORANGE)).max() < 25, f"the page shows {centre.tolist()}, not the camera's frame"
    assert relay.relay.hub.viewer_count(CAMERA) in (0, 1)  # the browser was a viewer (and may have left)


def test_chromium_plays_the_timelapse_in_a_video_element(start_relay, tmp_path):
    from tests.streams.test_timelapse import archive_snapshots

    chromium = require("chromium")
    relay = start_relay()
    ids = archive_snapshots(relay.settings.data_dir, 6)
    page = tmp_path / "timelapse.html"
    src = f"{relay.url}/cameras/{CAMERA}/timelapse.mp4?start={ids[0]}&end={ids[-1]}&fps=2&token={relay.token()}"
    # Red if the browser cannot play the file, as a phone's browser could not play MPEG-4 Part 2.
    page.write_text(
        "<html><body style='margin:0;background:#fff'>"
        f"<video id=v src='{src}' autoplay muted playsinline style='width:640px;height:360px'></video>"
        "<script>v.addEventListener('error', () => document.body.style.background = 'red')</script>"
        "</body></html>")
    shot = tmp_path / "video.png"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", "--window-size=640,400",
                    "--autoplay-policy=no-user-gesture-required", "--virtual-time-budget=5000",
                    f"--screenshot={shot}", page.as_uri()], capture_output=True, timeout=90)
    image = cv2.imread(str(shot))
    assert image is not None, "Chromium wrote no screenshot"
    centre = image[180, 320].astype(int)
    first_snapshot = np.array((40, 120, 60))  # BGR of make_jpeg(0), the video's first frame
    assert np.abs(centre - first_snapshot).max() < 30, f"the video shows {centre.tolist()}, not the snapshots"
