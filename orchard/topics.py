"""MQTT topic names (docs/ARCHITECTURE.md, Topics), built and parsed in one place."""

from __future__ import annotations

import re
from dataclasses import dataclass

from orchard.errors import Invalid, PayloadError

ID_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
ROOT = "orchard"
DEADLETTER = "orchard/deadletter"

TELEMETRY_SUBSCRIPTION = "orchard/+/+/telemetry"
STATUS_SUBSCRIPTION = "orchard/+/+/status"
CAMERA_SUBSCRIPTION = "orchard/+/+/camera/+/jpeg"


def check_id(value: str, what: str = "id") -> str:
    """Return `value` if it is a valid farm, device or camera id, else raise Invalid (a ValueError)."""
    if not isinstance(value, str) or not ID_PATTERN.fullmatch(value):
        raise Invalid(f"{what} {value!r} must match {ID_PATTERN.pattern}")
    return value


def telemetry(farm: str, device: str) -> str:
    return f"{ROOT}/{check_id(farm, 'farm')}/{check_id(device, 'device')}/telemetry"


def status(farm: str, device: str) -> str:
    return f"{ROOT}/{check_id(farm, 'farm')}/{check_id(device, 'device')}/status"


def command(farm: str, device: str) -> str:
    return f"{ROOT}/{check_id(farm, 'farm')}/{check_id(device, 'device')}/cmd"


def camera_jpeg(farm: str, device: str, camera: str) -> str:
    return (
        f"{ROOT}/{check_id(farm, 'farm')}/{check_id(device, 'device')}"
        f"/camera/{check_id(camera, 'camera')}/jpeg"
    )


def alerts(farm: str) -> str:
    return f"{ROOT}/{check_id(farm, 'farm')}/alerts"


@dataclass(frozen=True, slots=True)
class DeviceTopic:
    """A parsed `orchard/{farm}/{device}/{kind}[/...]` topic."""

    farm: str
    device: str
    kind: str  # "telemetry", "status", "cmd" or "camera"
    camera: str | None = None


def parse(topic: str) -> DeviceTopic:
    """Parse a device topic, raising PayloadError("bad_topic") for anything else."""
    parts = topic.split("/")
    if len(parts) < 4 or parts[0] != ROOT:
        raise PayloadError("bad_topic", f"not an orchard device topic: {topic[:200]!r}")
    farm, device, kind = parts[1], parts[2], parts[3]
    if not ID_PATTERN.fullmatch(farm):
        raise PayloadError("bad_topic", f"bad farm id {farm[:80]!r}")
    if not ID_PATTERN.fullmatch(device):
        raise PayloadError("bad_topic", f"bad device id {device[:80]!r}")
    if kind in ("telemetry", "status", "cmd") and len(parts) == 4:
        return DeviceTopic(farm, device, kind)
    if kind == "camera" and len(parts) == 6 and parts[5] == "jpeg":
        if not ID_PATTERN.fullmatch(parts[4]):
            raise PayloadError("bad_topic", f"bad camera id {parts[4][:80]!r}")
        return DeviceTopic(farm, device, "camera", parts[4])
    raise PayloadError("bad_topic", f"unknown topic kind: {topic[:200]!r}")
