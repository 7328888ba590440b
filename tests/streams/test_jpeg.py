"""Which payloads count as a JPEG the relay may serve."""

from __future__ import annotations

import random
import struct

import cv2
import numpy as np
import pytest

from orchard.errors import PayloadError
from streams.jpeg import MAX_BYTES, check_jpeg
from tests.streams.conftest import make_jpeg

GOOD = make_jpeg(3, 320, 240)


def with_comment(jpeg: bytes, text: bytes) -> bytes:
    return jpeg[:2] + b"\xff\xfe" + struct.pack(">H", len(text) + 2) + text + jpeg[2:]


def test_a_real_jpeg_passes_and_gives_its_size():
    info = check_jpeg(GOOD)
    assert (info.width, info.height) == (320, 240)


def test_a_comment_segment_is_fine():
    assert check_jpeg(with_comment(GOOD, b"orchard-bench 7")).width == 320


def test_progressive_and_restart_marker_jpegs_pass():
    image = cv2.imdecode(np.frombuffer(GOOD, np.uint8), cv2.IMREAD_COLOR)
    for flags in ([cv2.IMWRITE_JPEG_PROGRESSIVE, 1], [cv2.IMWRITE_JPEG_RST_INTERVAL, 4]):
        ok, jpeg = cv2.imencode(".jpg", image, flags)
        assert check_jpeg(jpeg.tobytes()).height == 240


def spliced(first: bytes, second: bytes) -> bytes:
    """A cut-off frame followed by a whole one, as a camera driver reusing its buffer makes."""
    return first[: len(first) // 2] + second


def without_segment(jpeg: bytes, marker: int) -> bytes:
    out, pos = bytearray(jpeg[:2]), 2
    while jpeg[pos + 1] != 0xDA:
        length = struct.unpack(">H", jpeg[pos + 2:pos + 4])[0]
        if jpeg[pos + 1] != marker:
            out += jpeg[pos:pos + 2 + length]
        pos += 2 + length
    return bytes(out + jpeg[pos:])


def stray_marker(jpeg: bytes) -> bytes:
    at = len(jpeg) // 2
    return jpeg[:at] + b"\xff\xc0" + jpeg[at + 2:]


@pytest.mark.parametrize("payload, reason", [
    (GOOD[:60], "too_small"),
    (b"\x00" * (MAX_BYTES + 1), "too_large"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 200, "not_jpeg"),
    (GOOD[: len(GOOD) // 2], "truncated"),
    (GOOD[:-1], "truncated"),
    (b"\xff\xd8" + b"\x00" * 300 + b"\xff\xd9", "bad_header"),
    (GOOD[:2] + b"\xff\xdb\xff\xff" + GOOD[6:], "bad_header"),  # a segment longer than the file
    (GOOD[:2] + GOOD[GOOD.index(b"\xff\xda"):], "bad_header"),  # image data but no frame header
    (spliced(GOOD, make_jpeg(4)), "corrupt"),
    (stray_marker(GOOD), "corrupt"),
    (without_segment(GOOD, 0xDB), "undecodable"),  # no quantisation tables: only decoding tells
])
def test_bad_payloads_are_refused_with_a_reason(payload, reason):
    with pytest.raises(PayloadError) as caught:
        check_jpeg(payload)
    assert caught.value.reason == reason


def test_damaged_image_data_that_opencv_would_smear_is_refused():
    jpeg = make_jpeg(7, width=640, height=360, noise=True)
    flips = random.Random(3)
    refused = 0
    for _ in range(200):
        damaged = bytearray(jpeg)
        damaged[flips.randrange(len(jpeg) // 4, len(jpeg) - 10)] ^= 1 << flips.randrange(8)
        damaged = bytes(damaged)
        if cv2.imdecode(np.frombuffer(damaged, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8) is None:
            continue  # OpenCV would have refused this one too
        try:
            check_jpeg(damaged)
        except PayloadError as exc:
            assert exc.reason in ("corrupt", "undecodable")
            refused += 1
    # Single flipped bits often still decode cleanly (nothing can tell them from a picture);
    # those libjpeg complains about must not reach a viewer.
    assert refused >= 10
