"""Video writers for timelapses: H.264 through PyAV (FFmpeg's libx264) where it is installed,
else what the OpenCV wheel can write.

Frames are composed with OpenCV either way; only the encoder differs. H.264 in an MP4
with its index up front plays in every browser, phones and WeChat included; MPEG-4
Part 2 (`mp4v`), the OpenCV wheel's only .mp4 codec, plays in VLC and desktop browsers.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from orchard.errors import OrchardError

# Best first: "h264" is PyAV's libx264; the others are OpenCV fourccs.
CODECS = ("h264", "avc1", "mp4v")
H264_QUALITY = {"crf": "26", "preset": "veryfast"}  # small files, quick to build on a small server


class Writer(Protocol):
    def write(self, image: np.ndarray) -> None: ...

    def close(self) -> None: ...


class H264Writer:
    """libx264 in an MP4 with `faststart`, so a phone starts playing before the whole file is in."""

    def __init__(self, path: Path, fps: int, size: tuple[int, int]) -> None:
        import av

        self._container = av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"})
        self._stream = self._container.add_stream("libx264", rate=fps)
        self._stream.width, self._stream.height = size
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = dict(H264_QUALITY)
        self._frame = av.VideoFrame

    def write(self, image: np.ndarray) -> None:
        for packet in self._stream.encode(self._frame.from_ndarray(image, format="bgr24")):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()


class OpenCVWriter:
    def __init__(self, path: Path, fps: int, size: tuple[int, int], fourcc: str) -> None:
        self._writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*fourcc), fps, size)
        if not self._writer.isOpened():
            raise OrchardError(f"OpenCV could not open a {fourcc} video writer")

    def write(self, image: np.ndarray) -> None:
        self._writer.write(image)

    def close(self) -> None:
        self._writer.release()


def open_writer(codec: str, path: Path, fps: int, size: tuple[int, int]) -> Writer:
    """A writer of `codec` ("h264" or an OpenCV fourcc) for frames of `size` (width, height)."""
    if codec == "h264":
        return H264Writer(path, fps, size)
    return OpenCVWriter(path, fps, size, codec)


def count_frames(path: str | Path) -> int:
    capture = cv2.VideoCapture(str(path))
    count = 0
    while capture.read()[0]:
        count += 1
    capture.release()
    return count


def pick_codec(candidates: tuple[str, ...] = CODECS) -> str:
    """The first codec that writes an .mp4 this OpenCV reads back frame for frame."""
    with tempfile.TemporaryDirectory(prefix="orchard-codec-") as tmp:
        for codec in candidates:
            path = Path(os.path.join(tmp, f"probe-{codec}.mp4"))
            try:
                writer = open_writer(codec, path, 2, (64, 48))
                for shade in (40, 200):
                    writer.write(np.full((48, 64, 3), shade, np.uint8))
                writer.close()
            except (OrchardError, ImportError, OSError, ValueError):
                continue
            if count_frames(path) == 2:
                return codec
    raise OrchardError(f"no video encoder here can write any of {', '.join(candidates)} into .mp4")
