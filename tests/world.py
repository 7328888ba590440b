"""A small cooperative every access test shares: two farms, three claimed trees, seven kinds of asker.

  farm "hill":   trees 17 and 18, device hill-1 at tree 17 with camera cam-17 (sees 17),
                 device hill-2 at tree 18 with camera cam-18 (sees 18)
  farm "valley": tree 5, device valley-1 with camera cam-v (sees 5)
  admin; farmer-hill; farmer-valley; customer "ana" (claim on 17 in force), "bo" (claim
  on 17 that ended last month), "cy" (claim on 18 in force); anonymous asks with nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.orm import Session, sessionmaker

from orchard.registry import orchards, people

PASSWORD = "correct horse battery staple"
PERSONAS = ["anonymous", "customer_active", "customer_expired", "customer_other_tree",
            "farmer_other_farm", "farmer_this_farm", "admin"]
USERNAMES = {"customer_active": "ana", "customer_expired": "bo", "customer_other_tree": "cy",
             "farmer_other_farm": "farmer-valley", "farmer_this_farm": "farmer-hill", "admin": "admin"}


@dataclass
class World:
    now: datetime
    trees: dict[str, int] = field(default_factory=dict)      # label -> id
    users: dict[str, int] = field(default_factory=dict)      # persona -> user id
    claim_start: datetime | None = None
    claim_end: datetime | None = None


def build_world(sessions: sessionmaker[Session]) -> World:
    now = datetime.now(UTC)
    world = World(now=now, claim_start=now - timedelta(days=30), claim_end=now + timedelta(days=60))
    with sessions.begin() as s:
        orchards.create_farm(s, "hill", "Hillside Orchard", timezone="Asia/Shanghai")
        orchards.create_farm(s, "valley", "Valley Orchard")
        plot = orchards.create_plot(s, "hill", "north")
        t17 = orchards.create_tree(s, "hill", "17", plot_id=plot.id, variety="Fuji")
        t18 = orchards.create_tree(s, "hill", "18", plot_id=plot.id, variety="Gala")
        t5 = orchards.create_tree(s, "valley", "5", variety="Navel")
        s.flush()
        world.trees = {"17": t17.id, "18": t18.id, "5": t5.id}
        orchards.create_device(s, "hill-1", "hill", tree_id=t17.id)
        orchards.create_device(s, "hill-2", "hill", tree_id=t18.id)
        orchards.create_device(s, "valley-1", "valley", tree_id=t5.id)
        s.flush()
        orchards.create_camera(s, "cam-17", "hill-1", [t17.id])
        orchards.create_camera(s, "cam-18", "hill-2", [t18.id])
        orchards.create_camera(s, "cam-v", "valley-1", [t5.id])
        admin = people.create_user(s, "admin", "admin", password=PASSWORD)
        hill = people.create_user(s, "farmer-hill", "farmer", password=PASSWORD, farm_ids=["hill"])
        valley = people.create_user(s, "farmer-valley", "farmer", password=PASSWORD, farm_ids=["valley"])
        ana = people.create_user(s, "ana", "customer", password=PASSWORD)
        bo = people.create_user(s, "bo", "customer", password=PASSWORD)
        cy = people.create_user(s, "cy", "customer", password=PASSWORD)
        s.flush()
        people.create_claim(s, ana, t17, world.claim_start, world.claim_end, status="active", order_ref="A-1")
        people.create_claim(s, bo, t17, now - timedelta(days=200), now - timedelta(days=30), status="active",
                            order_ref="B-1")
        people.create_claim(s, cy, t18, world.claim_start, world.claim_end, status="active", order_ref="C-1")
        s.flush()
        world.users = {"admin": admin.id, "farmer_this_farm": hill.id, "farmer_other_farm": valley.id,
                       "customer_active": ana.id, "customer_expired": bo.id, "customer_other_tree": cy.id}
    return world
