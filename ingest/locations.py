"""Where each device stands, from the registry, so readings are tagged with their tree and plot.

The whole table is small (one row per device) and read again every `refresh_s`; a
device moved to another tree tags its next readings with the new tree, while the
readings already stored keep the tree they were measured at.
"""

from __future__ import annotations

import logging
import time

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from orchard.registry.models import Device, Tree

log = logging.getLogger(__name__)


class DeviceLocations:
    def __init__(self, sessions: sessionmaker[Session], refresh_s: float = 30.0) -> None:
        self.sessions = sessions
        self.refresh_s = refresh_s
        self._tags: dict[str, dict[str, str]] = {}
        self._next = 0.0
        self._failing = False

    def extra_tags(self, device: str) -> dict[str, str]:
        """{"tree": ..., "plot": ...} for a device, as far as the registry knows it."""
        return self._tags.get(device, {})

    def refresh_due(self) -> bool:
        return time.monotonic() >= self._next

    def refresh(self) -> bool:
        """Read the registry again; True if any device's place changed."""
        self._next = time.monotonic() + self.refresh_s
        query = (select(Device.id, Device.tree_id, Device.plot_id, Tree.plot_id)
                 .outerjoin(Tree, Device.tree_id == Tree.id))
        try:
            with self.sessions() as session:
                rows = session.execute(query).all()
        except SQLAlchemyError as exc:
            if not self._failing:
                log.warning("cannot read device locations from the registry (%s); readings keep "
                            "their last known tree and plot", str(exc).splitlines()[0])
                self._failing = True
            return False
        if self._failing:
            log.info("registry readable again: tagging readings with trees and plots")
            self._failing = False
        tags = {}
        for device, tree, plot, tree_plot in rows:
            place = {}
            if tree is not None:
                place["tree"] = str(tree)
            if (plot if plot is not None else tree_plot) is not None:
                place["plot"] = str(plot if plot is not None else tree_plot)
            tags[device] = place
        changed = tags != self._tags
        self._tags = tags
        return changed
