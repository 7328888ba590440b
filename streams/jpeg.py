"""Is this payload a whole JPEG we may serve? Cheap checks first, then a reduced decode.

A frame is served byte for byte as the device sent it, so what a browser would choke
on has to be caught here: wrong size, a missing start or end marker (a cut-off
upload), a broken header, a stray marker inside the image data (two frames spliced,
a reused buffer), or tables the decoder cannot use. The decode is libjpeg-turbo's in
strict mode (simplejpeg), which refuses what libjpeg only warns about — damaged image
data that OpenCV would decode into a smeared picture. Damage that still decodes
cleanly cannot be told from a picture without a checksum.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

import simplejpeg

from orchard.errors import PayloadError

MIN_BYTES = 100
MAX_BYTES = 4 * 1024 * 1024  # the broker's max_packet_size

SOI = b"\xff\xd8"
EOI = b"\xff\xd9"
SOS = 0xDA
# Start-of-frame markers carry the picture size; C4 (DHT), C8 (JPG) and CC (DAC) only look alike.
SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
STANDALONE = frozenset(range(0xD0, 0xD8)) | {0x01}
# Segments that may come between the scans of a progressive JPEG: DHT, DNL, SOS, DQT, DRI, APPn, COM.
BETWEEN_SCANS = frozenset({0xC4, 0xDC, 0xDA, 0xDB, 0xDD, 0xFE}) | frozenset(range(0xE0, 0xF0))
# In image data 0xFF is followed by 0x00 (a stuffed byte), a restart marker or more 0xFF; anything else is a marker.
MARKER_IN_DATA = re.compile(rb"\xff[^\x00\xd0-\xd7\xff]")


@dataclass(frozen=True, slots=True)
class JpegInfo:
    width: int
    height: int


def check_shape(payload: bytes) -> JpegInfo:
    """Size, markers and header of a JPEG, without decoding it; PayloadError(reason) if wrong."""
    size = len(payload)
    if size > MAX_BYTES:
        raise PayloadError("too_large", f"{size} bytes, over the {MAX_BYTES} limit")
    if size < MIN_BYTES:
        raise PayloadError("too_small", f"{size} bytes, under the {MIN_BYTES} minimum")
    if not payload.startswith(SOI):
        raise PayloadError("not_jpeg", f"starts with {payload[:4].hex()}, not the JPEG start marker ffd8")
    if not payload.endswith(EOI):
        raise PayloadError("truncated", f"ends with {payload[-4:].hex()}, not the JPEG end marker ffd9")
    return _walk_header(payload)


def _walk_header(payload: bytes) -> JpegInfo:
    """Follow the marker segments from SOI to the first scan, reading the frame size."""
    pos, end = 2, len(payload)
    info: JpegInfo | None = None
    while pos + 4 <= end:
        if payload[pos] != 0xFF:
            raise PayloadError("bad_header", f"no marker at byte {pos}")
        marker = payload[pos + 1]
        if marker == 0xFF:  # fill byte before a marker
            pos += 1
            continue
        if marker in STANDALONE:
            pos += 2
            continue
        (length,) = struct.unpack_from(">H", payload, pos + 2)
        if length < 2 or pos + 2 + length > end:
            raise PayloadError("bad_header", f"segment {marker:02x} at byte {pos} runs past the end")
        if marker in SOF_MARKERS:
            if length < 8:
                raise PayloadError("bad_header", "start-of-frame segment too short")
            height, width = struct.unpack_from(">HH", payload, pos + 5)
            if not width or not height:
                raise PayloadError("bad_header", f"picture size {width}x{height}")
            info = JpegInfo(width, height)
        elif marker == SOS:
            if info is None:
                raise PayloadError("bad_header", "image data before any start-of-frame segment")
            _walk_scans(payload, pos)
            return info
        elif marker == 0xD9:
            break
        pos += 2 + length
    raise PayloadError("bad_header", "no image data (start-of-scan) in the header")


def _walk_scans(payload: bytes, pos: int) -> None:
    """From the first scan to the end marker, only the segments a (progressive) JPEG has between scans."""
    eoi = len(payload) - 2
    while True:
        (length,) = struct.unpack_from(">H", payload, pos + 2)
        if pos + 2 + length > eoi:
            raise PayloadError("bad_header", f"segment {payload[pos + 1]:02x} at byte {pos} runs past the end")
        found = MARKER_IN_DATA.search(payload, pos + 2 + length)
        if found is None or found.start() >= eoi:
            return
        pos = found.start()
        marker = payload[pos + 1]
        if marker not in BETWEEN_SCANS:
            raise PayloadError("corrupt", f"marker ff{marker:02x} at byte {pos} inside the image data")


def check_decodes(payload: bytes) -> None:
    """Decode at 1/8 scale in grey (about a millisecond for a 1024x576 frame); PayloadError if it fails."""
    try:
        image = simplejpeg.decode_jpeg(payload, colorspace="GRAY", min_factor=8, strict=True)
    except ValueError as exc:
        reason = "corrupt" if "corrupt" in str(exc).lower() or "premature" in str(exc).lower() else "undecodable"
        raise PayloadError(reason, f"the JPEG decoder refused the image data: {str(exc)[:120]}") from None
    if image.size == 0:
        raise PayloadError("undecodable", "the JPEG decoder found no image data")


def check_jpeg(payload: bytes) -> JpegInfo:
    """Every check, in order of cost."""
    info = check_shape(payload)
    check_decodes(payload)
    return info
