"""Care-log entries in tests/world.py's cooperative, for the authorization table and the care-log API tests.

  entry_17     tree 17 (ana's claim in force, bo's ended), watering a day ago, with a photo
  entry_north  plot north (trees 17 and 18), pruning a day ago
  entry_5      tree 5 on farm valley, inspection a day ago
  entry_old    tree 17, 100 days ago: before ana's claim, inside bo's ended one
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from orchard.care.content import Content
from orchard.care.photos import save_photo
from orchard.care.records import record_entry
from orchard.registry import people
from orchard.registry.models import Plot


def jpeg(seed: int = 1) -> bytes:
    ok, data = cv2.imencode(".jpg", np.full((48, 64, 3), seed * 40 % 256, np.uint8))
    assert ok
    return data.tobytes()


def add_care_log(server) -> dict[str, int]:
    ids, now = server.ids(), datetime.now(UTC)
    photo = save_photo(server.settings.data_dir, jpeg())
    day = timedelta(days=1)
    with server.sessions.begin() as s:
        hill, valley = people.find_user(s, "farmer-hill").id, people.find_user(s, "farmer-valley").id
        north = s.query(Plot).filter_by(farm_id="hill", name="north").one().id
        made = {
            "entry_17": record_entry(s, farm_id="hill", scope="tree", tree_id=ids["t17"], kind="watering",
                                     event_at=now - day, by=hill, content=Content(notes="care-17", quantity=20,
                                                                                  unit="L", photo=photo)),
            "entry_north": record_entry(s, farm_id="hill", scope="plot", plot_id=north, kind="pruning",
                                        event_at=now - day, by=hill, content=Content(notes="care-north")),
            "entry_5": record_entry(s, farm_id="valley", scope="tree", tree_id=ids["t5"], kind="inspection",
                                    event_at=now - day, by=valley, content=Content(notes="care-5")),
            "entry_old": record_entry(s, farm_id="hill", scope="tree", tree_id=ids["t17"], kind="pruning",
                                      event_at=now - 100 * day, by=hill, content=Content(notes="care-old")),
        }
        s.flush()
        return {name: entry.id for name, entry in made.items()}
