"""Care-log entries in the dashboard's test orchard (tests/dashboard/conftest.py).

  secret_17  tree 17 (ana's), an inspection a day ago: its notes must never reach cy or farmer-valley
  plot_north plot north (trees 17, 18, 19), watering two days ago: cy sees it (her tree 18 is there)
  valley_5   tree 5 on farm valley: only farmer-valley and admins see it
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchard.care.content import Content
from orchard.care.records import record_entry
from orchard.registry import orchards, people

SECRET_17 = "care-note-17"
VALLEY = "care-note-valley"


def add_care_log(sessions: sessionmaker[Session], trees: dict[str, int]) -> dict[str, int]:
    now = datetime.now(UTC)
    with sessions.begin() as s:
        hill, valley = people.find_user(s, "farmer-hill").id, people.find_user(s, "farmer-valley").id
        north = orchards.find_tree(s, "hill", "17").plot_id
        made = {
            "secret_17": record_entry(s, farm_id="hill", scope="tree", tree_id=trees["17"], kind="inspection",
                                      event_at=now - timedelta(days=1), by=hill, content=Content(notes=SECRET_17)),
            "plot_north": record_entry(s, farm_id="hill", scope="plot", plot_id=north, kind="watering",
                                       event_at=now - timedelta(days=2), by=hill,
                                       content=Content(notes="drip, two hours", quantity=4000, unit="L")),
            "valley_5": record_entry(s, farm_id="valley", scope="tree", tree_id=trees["5"], kind="inspection",
                                     event_at=now - timedelta(days=1), by=valley, content=Content(notes=VALLEY)),
        }
        s.flush()
        return {name: entry.id for name, entry in made.items()}
