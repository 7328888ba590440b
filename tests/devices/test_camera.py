"""Tests for devices/camera.py: ORCHARD_CAMERAS, real OpenCV capture from files and HTTP streams, JPEG size."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import cv2
import numpy as np
import pytest
from click.testing import CliRunner

from devices.__main__ import device_command
from devices.camera import (
    CameraSpecError,
    CaptureSource,
    StreamSource,
    build_cameras,
    encode_jpeg,
    fit_size,
    open_source,
    parse_cameras,
)
from devices.frames import SyntheticSource
from orchard.errors import SensorError

# -- ORCHARD_CAMERAS ----------------------------------------------------------------------

def test_entries_become_camera_ids_and_sources() -> None:
    spec = " cam-01=/dev/video0 ,, gate=rtsp://u:p@10.0.0.5/stream?a=1&b=2 , cam_3 = 1 "
    assert parse_cameras(spec) == {
        "cam-01": "/dev/video0", "gate": "rtsp://u:p@10.0.0.5/stream?a=1&b=2", "cam_3": "1",
    }
    assert parse_cameras("") == {}


@pytest.mark.parametrize("spec, words", [
    ("/dev/video0", "cam-id=source"),
    ("cam-01=", "cam-id=source"),
    ("Cam01=/dev/video0", "camera id 'Cam01'"),
    ("a=0, a=1", "given twice"),
    ("cam-01=webcam", "is not a camera"),
    ("cam-01=synthetic:x", "seed"),
    ("cam-01=/no/such/clip.avi", "is not a camera"),
])
def test_a_bad_spec_names_the_setting_and_the_entry(spec: str, words: str) -> None:
    with pytest.raises(CameraSpecError) as caught:
        build_cameras(spec)
    assert str(caught.value).startswith("ORCHARD_CAMERAS: ") and words in str(caught.value)


def test_each_kind_of_source_is_recognised(tmp_path) -> None:
    clip = tmp_path / "clip.avi"
    clip.write_bytes(b"")
    v4l2_index, v4l2_path = open_source("0"), open_source("/dev/video2")
    assert isinstance(v4l2_index, CaptureSource) and v4l2_index.target == 0 and v4l2_index.api == cv2.CAP_V4L2
    assert isinstance(v4l2_path, CaptureSource) and v4l2_path.target == "/dev/video2" and v4l2_path.v4l2
    assert isinstance(open_source("rtsp://10.0.0.5:554/h264"), StreamSource)
    assert isinstance(open_source("https://cam.local/video.mjpg"), StreamSource)
    assert isinstance(open_source("synthetic:4"), SyntheticSource)
    file_source = open_source(str(clip))
    assert isinstance(file_source, CaptureSource) and not file_source.v4l2


def test_the_device_command_refuses_a_bad_camera_spec_in_one_line(tmp_path) -> None:
    env = {"ORCHARD_FARM": "farm1", "ORCHARD_DEVICE": "dev-a", "ORCHARD_DATA_DIR": str(tmp_path),
           "ORCHARD_CAMERAS": "cam-01=/dev/video0,CAM 2=1"}
    result = CliRunner().invoke(device_command, [], env=env)
    assert result.exit_code == 2
    assert "ORCHARD_CAMERAS: camera id 'CAM 2'" in result.output


def test_synthetic_cameras_draw_at_the_configured_size() -> None:
    cameras = build_cameras("cam-01=synthetic, cam-02=synthetic:9", width=320, height=180)
    assert [camera.grab().shape for camera in cameras.values()] == [(180, 320, 3), (180, 320, 3)]


# -- JPEG ---------------------------------------------------------------------------------

@pytest.mark.parametrize("size, box, expected", [
    ((1920, 1080), (1280, 720), (1280, 720)),
    ((640, 480), (1280, 720), (640, 480)),  # never enlarged
    ((1000, 1000), (1280, 720), (720, 720)),
    ((2592, 1944), (1280, 720), (960, 720)),
])
def test_fit_size_keeps_the_aspect_ratio(size, box, expected) -> None:
    assert fit_size(*size, *box) == expected


def test_a_jpeg_decodes_to_the_fitted_size_and_quality_trades_bytes() -> None:
    rng = np.random.default_rng(1)
    image = cv2.resize(rng.integers(0, 256, (270, 480, 3), dtype=np.uint8), (1920, 1080))
    best, small = encode_jpeg(image, 1280, 720, 90), encode_jpeg(image, 1280, 720, 30)
    assert best[:2] == b"\xff\xd8" and len(small) < len(best)
    decoded = cv2.imdecode(np.frombuffer(best, np.uint8), cv2.IMREAD_COLOR)
    assert decoded.shape == (720, 1280, 3)
    grey = encode_jpeg(np.full((100, 200), 128, np.uint8), 100, 100)
    assert cv2.imdecode(np.frombuffer(grey, np.uint8), cv2.IMREAD_UNCHANGED).shape == (50, 100)


# -- capture from a real video file -------------------------------------------------------

def write_clip(path, frames: int = 6, size: tuple[int, int] = (320, 240)) -> None:
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, size)
    assert writer.isOpened()
    for index in range(frames):
        writer.write(np.full((size[1], size[0], 3), 30 + 30 * index, np.uint8))
    writer.release()


def test_a_video_file_is_read_frame_by_frame_and_played_again(tmp_path) -> None:
    clip = tmp_path / "orchard.avi"
    write_clip(clip)
    source = open_source(str(clip))
    levels = [round(float(source.grab().mean()) / 30) for _ in range(8)]
    assert levels == [1, 2, 3, 4, 5, 6, 1, 2]
    assert source.grab().shape == (240, 320, 3)
    source.close()


class FakeCapture:
    """A cv2.VideoCapture stand-in: `opened` says whether it opens, `frames` what it reads."""

    def __init__(self, opened: bool = True, frames: int = 100) -> None:
        self.opened, self.frames, self.released = opened, frames, False

    def isOpened(self) -> bool:
        return self.opened

    def read(self):
        if self.frames <= 0:
            return False, None
        self.frames -= 1
        return True, np.zeros((4, 4, 3), np.uint8)

    def set(self, prop, value) -> bool:
        return True

    def release(self) -> None:
        self.released = True


def test_a_camera_that_fails_is_reopened_on_the_next_grab() -> None:
    captures = [FakeCapture(opened=False), FakeCapture(frames=1), FakeCapture()]
    opened = []

    def opener(target, api):
        opened.append(target)
        return captures[len(opened) - 1]

    source = CaptureSource("/tmp/unplugged.avi", cv2.CAP_ANY, opener=opener)
    with pytest.raises(SensorError, match="cannot open camera"):
        source.grab()
    assert source.grab().shape == (4, 4, 3)
    with pytest.raises(SensorError, match="gave no frame"):
        source.grab()  # the file ended and rewinding gave nothing either
    assert captures[1].released
    assert source.grab().shape == (4, 4, 3) and len(opened) == 3


def test_v4l2_skips_the_frames_its_driver_buffered_during_a_pause() -> None:
    clock = [0.0]

    class Buffered(FakeCapture):
        """Three frames wait in the driver's buffers; later ones take a frame time to arrive."""

        def __init__(self) -> None:
            super().__init__()
            self.buffered, self.index = 3, 0

        def grab(self) -> bool:
            if self.buffered:
                self.buffered -= 1
            else:
                clock[0] += 0.033
            self.index += 1
            return True

        def retrieve(self):
            return True, np.full((2, 2, 3), self.index, np.uint8)

    capture = Buffered()
    source = CaptureSource(0, cv2.CAP_V4L2, opener=lambda *a: capture, clock=lambda: clock[0])
    source._cap = capture  # already open and warmed up
    frame = source.grab()
    assert frame[0, 0, 0] == 4  # the three buffered frames were skipped, the fourth is fresh


# -- capture from a real HTTP (MJPEG) stream ----------------------------------------------

class MjpegCamera(BaseHTTPRequestHandler):
    """A network camera: an endless multipart/x-mixed-replace stream, 25 frames a second."""

    url = ""
    sent = 0
    connections = 0
    open_now = 0

    def do_GET(self) -> None:
        cls = type(self)
        cls.connections += 1
        cls.open_now += 1
        self.send_response(200)
        self.send_header("Content-Type", "multipart/x-mixed-replace; boundary=frame")
        self.end_headers()
        try:
            while True:
                index = cls.sent
                image = np.zeros((120, 160, 3), np.uint8)
                image[:, :80] = (index % 64) * 4  # the frame number, in two flat blocks JPEG keeps
                image[:, 80:] = (index // 64 % 64) * 4
                jpeg = cv2.imencode(".jpg", image)[1].tobytes()
                self.wfile.write(b"--frame\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n%s\r\n"
                                 % (len(jpeg), jpeg))
                cls.sent += 1
                time.sleep(0.04)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            cls.open_now -= 1

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def mjpeg_camera() -> Iterator[type[MjpegCamera]]:
    """A camera class with its own counters and `url`, served on a free port."""
    camera = type("Camera", (MjpegCamera,), {})
    server = ThreadingHTTPServer(("127.0.0.1", 0), camera)
    server.daemon_threads = True
    camera.url = f"http://127.0.0.1:{server.server_address[1]}/video.mjpg"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield camera
    server.shutdown()
    server.server_close()


def frame_number(frame: np.ndarray) -> int:
    return round(float(frame[:, :80].mean()) / 4) + 64 * round(float(frame[:, 80:].mean()) / 4)


def test_a_stream_gives_its_newest_frame_and_disconnects_when_unused(mjpeg_camera) -> None:
    camera = mjpeg_camera
    source = open_source(camera.url)
    assert isinstance(source, StreamSource)
    source.keep_open_s = 1.5
    first = frame_number(source.grab())
    time.sleep(1.0)  # a second of frames arrives that nobody asks for
    newest = frame_number(source.grab())
    assert newest - first >= 15, "the frame should be from now, not the next one queued"
    assert camera.sent - newest <= 5
    deadline = time.monotonic() + 10
    while camera.open_now and time.monotonic() < deadline:
        time.sleep(0.1)
    assert camera.open_now == 0, "an unused stream should be closed"
    assert frame_number(source.grab()) > newest and camera.connections == 2
    source.close()


def test_a_stream_that_cannot_be_opened_raises_and_is_tried_again() -> None:
    attempts = []

    def opener(url, api, params):
        attempts.append(url)
        return FakeCapture(opened=len(attempts) > 1)

    source = StreamSource("rtsp://admin:secret@10.0.0.9/live", opener=opener, timeout_s=2)
    with pytest.raises(SensorError) as caught:
        source.grab()
    assert "secret" not in str(caught.value) and "cannot open" in str(caught.value)
    assert source.grab().shape == (4, 4, 3) and len(attempts) == 2
    source.close()
