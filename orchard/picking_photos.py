"""Photos of picked fruit: checked by decoding them, kept under ORCHARD_DATA_DIR/picking/<request>/.

A photo is accepted only if it really is a JPEG or PNG (OpenCV decodes it) and weighs at most
MAX_PHOTO_BYTES; its name is chosen here, never by the uploader. Files are served only by
routes that first ask the policy whether the asker sees the request.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import cv2
import numpy as np

from orchard.errors import Invalid, NotFound

MAX_PHOTO_BYTES = 8 * 1024 * 1024  # a phone's full-size photo
FOLDER = "picking"
KINDS = {b"\xff\xd8\xff": ("image/jpeg", ".jpg"), b"\x89PNG\r\n\x1a\n": ("image/png", ".png")}


def check_photo(data: bytes) -> tuple[str, str]:
    """(content type, suffix) of a JPEG or PNG that decodes; Invalid otherwise."""
    if not data:
        raise Invalid("the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise Invalid(f"the photo is larger than {MAX_PHOTO_BYTES // (1024 * 1024)} MB")
    kind = next((found for magic, found in KINDS.items() if data.startswith(magic)), None)
    image = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_REDUCED_GRAYSCALE_8) if kind else None
    if kind is None or image is None or image.size == 0:
        raise Invalid("the photo must be a JPEG or PNG image")
    return kind


def save_photo(data_dir: Path, request_id: int, data: bytes) -> tuple[str, str]:
    """Check and store a photo of a request: (path relative to data_dir, content type)."""
    content_type, suffix = check_photo(data)
    relative = Path(FOLDER) / str(request_id) / f"{secrets.token_hex(8)}{suffix}"
    target = data_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".part")
    partial.write_bytes(data)
    partial.replace(target)
    return relative.as_posix(), content_type


def photo_file(data_dir: Path, relative: str) -> Path:
    """The file of a stored photo; NotFound if it is gone (or the path would leave the folder)."""
    path = (data_dir / relative).resolve()
    root = (data_dir / FOLDER).resolve()
    if root not in path.parents or not path.is_file():
        raise NotFound("this photo is no longer there")
    return path
