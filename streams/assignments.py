"""Which device each camera hangs on, from the registry: the relay takes a camera's frames from that device only.

The table is small (one row per camera) and read again every `refresh_s`, and sooner
(at most every `retry_s`) when a frame names a camera it does not know, so a camera
added with `orchard admin add-camera` is served within seconds. If the registry cannot
be read, the last table read stays in force.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from orchard.registry.models import Camera, Device, Farm

log = logging.getLogger(__name__)


class CameraAssignments:
    def __init__(self, sessions: sessionmaker[Session], refresh_s: float = 30.0, retry_s: float = 5.0) -> None:
        self.sessions = sessions
        self.refresh_s = refresh_s
        self.retry_s = retry_s
        self._owners: dict[str, tuple[str, str]] = {}
        self._zones: dict[str, str] = {}  # camera -> its farm's IANA time zone, for burned-in times
        self._read_at = float("-inf")
        self._failing = False

    def owner(self, camera: str) -> tuple[str, str] | None:
        """(farm, device) the registry assigns `camera` to, or None."""
        return self._owners.get(camera)

    def zone(self, camera: str) -> str:
        """The time zone of the farm `camera` hangs on (UTC when unknown)."""
        return self._zones.get(camera, "UTC")

    def allows(self, camera: str, farm: str, device: str) -> bool:
        return self._owners.get(camera) == (farm, device)

    def due(self, unknown_seen: bool = False) -> bool:
        """True when the table should be read again (sooner once an unknown camera has been seen)."""
        age = time.monotonic() - self._read_at
        return age >= self.refresh_s or (unknown_seen and age >= self.retry_s)

    def refresh(self) -> bool:
        """Read the registry again (blocking: run it off the event loop); True if anything changed."""
        self._read_at = time.monotonic()
        query = (select(Camera.id, Device.farm_id, Device.id, Farm.timezone)
                 .join(Device, Camera.device_id == Device.id).join(Farm, Device.farm_id == Farm.id)
                 .where(Device.revoked_at.is_(None)))
        try:
            with self.sessions() as session:
                rows = session.execute(query).all()
        except SQLAlchemyError as exc:
            if not self._failing:
                log.warning("cannot read camera assignments from the registry (%s); keeping the %d known",
                            str(exc).splitlines()[0], len(self._owners))
                self._failing = True
            return False
        if self._failing:
            log.info("registry readable again: %d cameras assigned", len(rows))
            self._failing = False
        owners = {camera: (farm, device) for camera, farm, device, _ in rows}
        self._zones = {camera: zone or "UTC" for camera, _, _, zone in rows}
        changed = owners != self._owners
        self._owners = owners
        return changed
