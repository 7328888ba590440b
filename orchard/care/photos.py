"""Photos of care-log entries: JPEG or PNG, checked by decoding, kept under ORCHARD_DATA_DIR/care-photos.

A photo's name is the SHA-256 of its bytes, so the same photo uploaded twice is kept once
and a name cannot point outside the folder. It is served only through an authorized route
(api/routes/care_log.py), never as a static file.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path

import cv2
import numpy as np

from orchard.errors import Invalid, NotFound

FOLDER = "care-photos"
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 10_000  # pixels: a decompression bomb is refused before it is decoded
KINDS = {b"\xff\xd8\xff": ("jpg", "image/jpeg"), b"\x89PNG\r\n\x1a\n": ("png", "image/png")}
NAME = re.compile(rf"{FOLDER}/[0-9a-f]{{64}}\.(jpg|png)")


def _kind(data: bytes) -> tuple[str, str]:
    for magic, kind in KINDS.items():
        if data.startswith(magic):
            return kind
    raise Invalid("photo: send a JPEG or PNG picture")


def save_photo(data_dir: Path, data: bytes) -> str:
    """Keep a checked photo; its name (care-photos/<sha256>.jpg) for an entry's `photo`."""
    if not data:
        raise Invalid("photo: the picture is empty")
    if len(data) > MAX_BYTES:
        raise Invalid(f"photo: at most {MAX_BYTES // (1024 * 1024)} MB")
    ext, _ = _kind(data)
    header = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8)
    if header is None or max(header.shape[:2]) * 8 > MAX_SIDE:
        raise Invalid("photo: the picture cannot be read (or is over 10000 pixels wide)")
    if cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR) is None:
        raise Invalid("photo: the picture cannot be read")
    name = f"{FOLDER}/{hashlib.sha256(data).hexdigest()}.{ext}"
    path = data_dir / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_bytes(data)
        os.replace(temporary, path)  # a reader never sees half a picture
    return name


def check_photo(data_dir: Path, name: str | None) -> str | None:
    """`name` if it is a photo kept here, else Invalid; None stays None."""
    if name is None:
        return None
    if not NAME.fullmatch(name) or not (data_dir / name).is_file():
        raise Invalid("photo: upload the picture first (POST /api/care-log/photos) and give the name it returned")
    return name


def read_photo(data_dir: Path, name: str) -> tuple[bytes, str]:
    """The photo's bytes and media type; NotFound if it is not here."""
    if not NAME.fullmatch(name):
        raise NotFound("no such photo")
    try:
        data = (data_dir / name).read_bytes()
    except OSError:
        raise NotFound("no such photo") from None
    return data, _kind(data)[1]
