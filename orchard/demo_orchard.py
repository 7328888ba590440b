"""The demo's cooperative in the registry: one farm, 24 trees, 8 devices with a camera each, 3 people."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchard.registry import orchards, people
from orchard.registry.models import Farm

FARM = "demo"
TREES = 24
PASSWORDS = {"admin": "orchard-admin", "farmer": "orchard-farmer", "customer": "orchard-customer"}


def device_ids(count: int) -> list[str]:
    return [f"node-{index:02d}" for index in range(1, count + 1)]


def seed(sessions: sessionmaker[Session], devices: int = 8) -> bool:
    """Create the demo cooperative unless the farm exists; True if it was created.

    Device i stands at tree 3i-2 and its camera cam-i sees trees 3i-2..3i; the customer
    holds a season's claim on tree 1, so they watch cam-01 and see node-01's readings.
    """
    with sessions.begin() as s:
        if s.scalar(select(Farm).where(Farm.id == FARM)) is not None:
            return False
        orchards.create_farm(s, FARM, "Demo Hillside Orchard", location="Yunnan", timezone="Asia/Shanghai")
        plots = [orchards.create_plot(s, FARM, name) for name in ("north", "south")]
        s.flush()
        trees = [orchards.create_tree(s, FARM, str(n), plot_id=plots[(n - 1) * 2 // TREES].id, variety="Fuji")
                 for n in range(1, TREES + 1)]
        s.flush()
        for index, device in enumerate(device_ids(devices)):
            seen = trees[index * 3: index * 3 + 3] or trees[-3:]
            orchards.create_device(s, device, FARM, tree_id=seen[0].id, sensors="simulated")
            s.flush()
            orchards.create_camera(s, f"cam-{index + 1:02d}", device, [t.id for t in seen])
        people.create_user(s, "admin", "admin", password=PASSWORDS["admin"], display_name="Co-op admin")
        people.create_user(s, "farmer", "farmer", password=PASSWORDS["farmer"], display_name="Li Wei",
                           farm_ids=[FARM])
        customer = people.create_user(s, "customer", "customer", password=PASSWORDS["customer"],
                                      display_name="Chen Jing")
        s.flush()
        now = datetime.now(timezone.utc)
        people.create_claim(s, customer, trees[0], now - timedelta(days=7), now + timedelta(days=180),
                            status="active", order_ref="DEMO-1")
    return True
