"""The registry fixtures (a SQLite file and a real PostgreSQL) and a small farm with a care log to record into."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from orchard.registry import orchards, people
from tests.orchard.registry.conftest import (  # noqa: F401  (fixtures)
    db_url,
    postgres,
    postgres_registry,
    session,
    sqlite_template,
)

NOW = datetime(2026, 6, 15, 4, 0, tzinfo=UTC)


@dataclass
class Farm:
    farmer: int
    ana: int
    north: int
    south: int
    t1: int
    t2: int
    t9: int
    other_tree: int


@pytest.fixture
def farm(session) -> Farm:
    """Farm "hill" (plots north: trees 1, 2; south: tree 9; camera cam-1 sees tree 1) and farm "valley"."""
    orchards.create_farm(session, "hill", "Hill", timezone="Asia/Shanghai")
    orchards.create_farm(session, "valley", "Valley")
    north, south = orchards.create_plot(session, "hill", "north"), orchards.create_plot(session, "hill", "south")
    t1 = orchards.create_tree(session, "hill", "1", plot_id=north.id)
    t2 = orchards.create_tree(session, "hill", "2", plot_id=north.id)
    t9 = orchards.create_tree(session, "hill", "9", plot_id=south.id)
    other = orchards.create_tree(session, "valley", "1")
    orchards.create_device(session, "hill-1", "hill", tree_id=t1.id)
    session.flush()
    orchards.create_camera(session, "cam-1", "hill-1", [t1.id])
    farmer = people.create_user(session, "li", "farmer", display_name="Li Wei", farm_ids=["hill"])
    ana = people.create_user(session, "ana", "customer")
    session.flush()
    people.create_claim(session, ana, t1, NOW - timedelta(days=30), NOW + timedelta(days=60), status="active")
    session.commit()
    return Farm(farmer.id, ana.id, north.id, south.id, t1.id, t2.id, t9.id, other.id)
