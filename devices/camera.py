"""Camera sources read with OpenCV, ORCHARD_CAMERAS parsing, and JPEG encoding at the configured size.

ORCHARD_CAMERAS is a comma-separated list of `cam-id=source` entries, where source is

    0, /dev/video0                  a V4L2 camera (USB or the Pi camera through libcamera's V4L2 layer)
    rtsp://..., http(s)://...       a network camera's stream (RTSP, or MJPEG over HTTP)
    /path/to/clip.avi               a video file, played in a loop (demos, tests)
    synthetic[:<seed>]              a drawn scene of a tree (devices/frames.py)

Sources open on first use and again after a failure, so a unit starts even with
its camera unplugged; a failing camera raises SensorError from `grab()`.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import cv2
import numpy as np

from orchard.errors import SensorError
from orchard.topics import ID_PATTERN

log = logging.getLogger(__name__)

SETTING = "ORCHARD_CAMERAS"
STREAM_SCHEMES = ("rtsp://", "rtsps://", "http://", "https://")
V4L2_WARMUP_FRAMES = 5  # auto-exposure settles over the first frames after opening
V4L2_DRIVER_BUFFERS = 4  # OpenCV's default, when a driver ignores CAP_PROP_BUFFERSIZE=1
V4L2_FRESH_WAIT_S = 0.004  # a grab that took longer waited for a new frame rather than a buffered one

Opener = Callable[..., Any]


class CameraSpecError(SensorError, ValueError):
    """ORCHARD_CAMERAS cannot be understood; the message names the entry and why."""


class Source(Protocol):
    """Where a camera's frames come from."""

    def grab(self) -> np.ndarray:
        """The newest frame (BGR); raise SensorError when the camera gives nothing."""

    def close(self) -> None:
        """Release the camera; a later grab opens it again."""


class CaptureSource:
    """A V4L2 camera or a video file read through cv2.VideoCapture, reopened after a failure."""

    def __init__(self, target: int | str, api: int, *, width: int = 0, height: int = 0,
                 opener: Opener = cv2.VideoCapture, clock: Callable[[], float] = time.perf_counter) -> None:
        self.target = target
        self.api = api
        self.size = (width, height)
        self.opener = opener
        self.clock = clock
        self.v4l2 = api == cv2.CAP_V4L2
        self._cap: Any = None

    def _open(self) -> Any:
        cap = self.opener(self.target, self.api)
        if not cap.isOpened():
            cap.release()
            raise SensorError(f"cannot open camera {self.target}")
        if self.v4l2:
            cap.set(cv2.CAP_PROP_BUFFERSIZE, 1)
            if self.size[0] and self.size[1]:  # ask for about the size we send, not the sensor's largest
                cap.set(cv2.CAP_PROP_FRAME_WIDTH, self.size[0])
                cap.set(cv2.CAP_PROP_FRAME_HEIGHT, self.size[1])
            for _ in range(V4L2_WARMUP_FRAMES):
                cap.grab()
        self._cap = cap
        return cap

    def grab(self) -> np.ndarray:
        cap = self._cap if self._cap is not None else self._open()
        if self.v4l2:
            ok, frame = self._fresh_v4l2(cap)
        else:
            ok, frame = cap.read()
            if not ok:  # a file has ended: play it again
                cap.set(cv2.CAP_PROP_POS_FRAMES, 0)
                ok, frame = cap.read()
        if not ok or frame is None:
            self.close()
            raise SensorError(f"camera {self.target} gave no frame")
        return frame

    def _fresh_v4l2(self, cap: Any) -> tuple[bool, Any]:
        # The driver's buffers hold frames taken just after our last read, maybe minutes ago:
        # skip those (a grab that returns at once) until a grab had to wait for a new frame.
        for _ in range(V4L2_DRIVER_BUFFERS + 1):
            started = self.clock()
            if not cap.grab():
                return False, None
            if self.clock() - started > V4L2_FRESH_WAIT_S:
                break
        return cap.retrieve()

    def close(self) -> None:
        if self._cap is not None:
            self._cap.release()
            self._cap = None


class StreamSource:
    """A network stream read by a thread that keeps only the newest frame; closed when unused.

    A stream delivers frames whether or not we read them, and OpenCV queues the unread
    ones, so reading on demand would return old pictures. While frames are wanted the
    thread decodes the stream and keeps the latest; `keep_open_s` after the last grab
    it disconnects, so an idle camera costs nothing between snapshots.
    """

    def __init__(self, url: str, *, keep_open_s: float = 10.0, timeout_s: float = 8.0, max_age_s: float = 1.0,
                 opener: Opener = cv2.VideoCapture, clock: Callable[[], float] = time.monotonic) -> None:
        self.url = url
        self.keep_open_s = keep_open_s
        self.timeout_s = timeout_s
        self.max_age_s = max_age_s
        self.opener = opener
        self.clock = clock
        self._cond = threading.Condition()
        self._frame: np.ndarray | None = None
        self._frame_at = 0.0
        self._wanted_at = 0.0
        self._running = False
        self._error = ""
        self._closed = False

    def grab(self) -> np.ndarray:
        with self._cond:
            self._closed = False
            self._wanted_at = now = self.clock()
            if not self._running:
                self._running, self._error, self._frame = True, "", None
                threading.Thread(target=self._read, name=f"stream {_redact(self.url)}", daemon=True).start()
            deadline = now + self.timeout_s
            while True:
                now = self.clock()
                if self._frame is not None and now - self._frame_at <= self.max_age_s:
                    return self._frame
                if not self._running:
                    raise SensorError(f"camera {_redact(self.url)}: {self._error or 'stream closed'}")
                if now >= deadline:
                    raise SensorError(f"camera {_redact(self.url)}: no frame for {self.timeout_s:g}s")
                self._cond.wait(min(deadline - now, 0.5))

    def _read(self) -> None:
        error = ""
        cap = None
        try:
            timeout_ms = int(self.timeout_s * 1000)
            cap = self.opener(self.url, cv2.CAP_FFMPEG,
                              [cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, timeout_ms, cv2.CAP_PROP_READ_TIMEOUT_MSEC, timeout_ms])
            if not cap.isOpened():
                error = "cannot open the stream"
            while not error and not self._closed and self.clock() - self._wanted_at < self.keep_open_s:
                ok, frame = cap.read()
                if not ok or frame is None:
                    error = "the stream stopped"
                    break
                with self._cond:
                    self._frame, self._frame_at = frame, self.clock()
                    self._cond.notify_all()
        except cv2.error as exc:
            error = f"OpenCV: {exc}"
        finally:
            if cap is not None:
                cap.release()
            log.debug("camera %s: disconnected (%s)", _redact(self.url), error or "unused")
            with self._cond:
                self._running, self._error = False, error
                self._cond.notify_all()

    def close(self) -> None:
        self._closed = True


def quiet_opencv() -> None:
    """Silence OpenCV's own warnings, which repeat on every failed open; camera units log a failure once."""
    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_ERROR)


def _redact(url: str) -> str:
    """A stream URL without its password, for logs."""
    return re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", url)


def open_source(spec: str, *, width: int = 1280, height: int = 720, seed: int = 0, label: str = "") -> Source:
    """A source for one `source` part of ORCHARD_CAMERAS; raises CameraSpecError if it names none."""
    spec = spec.strip()
    if spec.isdigit():
        return CaptureSource(int(spec), cv2.CAP_V4L2, width=width, height=height)
    if re.fullmatch(r"/dev/video\d+", spec) or spec.startswith("/dev/v4l/"):
        return CaptureSource(spec, cv2.CAP_V4L2, width=width, height=height)
    if spec.lower().startswith(STREAM_SCHEMES):
        return StreamSource(spec)
    if spec == "synthetic" or spec.startswith("synthetic:"):
        from devices.frames import SyntheticSource

        _, _, arg = spec.partition(":")
        if arg and not arg.isdigit():
            raise CameraSpecError(f"{SETTING}: 'synthetic:{arg}' needs a number as seed")
        return SyntheticSource(label, int(arg) if arg else seed, width, height)
    if spec and Path(spec).is_file():
        return CaptureSource(spec, cv2.CAP_ANY)
    raise CameraSpecError(
        f"{SETTING}: {spec!r} is not a camera: use a V4L2 device (0 or /dev/video0), an rtsp:// or "
        "http(s):// URL, a video file that exists, or 'synthetic'"
    )


def parse_cameras(spec: str) -> dict[str, str]:
    """ORCHARD_CAMERAS as {camera id: source spec}; raises CameraSpecError naming the bad entry."""
    cameras: dict[str, str] = {}
    for entry in (part.strip() for part in spec.split(",")):
        if not entry:
            continue
        camera, sep, source = (part.strip() for part in entry.partition("="))
        if not sep or not source:
            raise CameraSpecError(f"{SETTING}: entry {entry!r} should be cam-id=source, e.g. cam-01=/dev/video0")
        if not ID_PATTERN.fullmatch(camera):
            raise CameraSpecError(f"{SETTING}: camera id {camera!r} must match {ID_PATTERN.pattern}")
        if camera in cameras:
            raise CameraSpecError(f"{SETTING}: camera id {camera!r} is given twice")
        cameras[camera] = source
    return cameras


def build_cameras(spec: str, *, width: int = 1280, height: int = 720) -> dict[str, Source]:
    """Parse ORCHARD_CAMERAS into sources; nothing is opened yet."""
    return {camera: open_source(source, width=width, height=height, seed=index, label=camera)
            for index, (camera, source) in enumerate(parse_cameras(spec).items())}


def fit_size(width: int, height: int, max_width: int, max_height: int) -> tuple[int, int]:
    """The size of a `width` x `height` image shrunk to fit the box, aspect kept (never enlarged)."""
    scale = min(max_width / width, max_height / height, 1.0)
    return max(1, round(width * scale)), max(1, round(height * scale))


def encode_jpeg(image: np.ndarray, width: int = 1280, height: int = 720, quality: int = 80) -> bytes:
    """`image` as a JPEG fitting width x height; enlarging would only spend uplink on no detail."""
    h, w = image.shape[:2]
    size = fit_size(w, h, width, height)
    if size != (w, h):
        image = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality, cv2.IMWRITE_JPEG_OPTIMIZE, 1])
    if not ok:
        raise SensorError("JPEG encoding failed")
    return data.tobytes()
