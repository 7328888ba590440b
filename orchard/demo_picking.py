"""The demo's cloud picking and field visits: an open picking window, one request already picked (with
photos) and shipped, one waiting in the farmer's queue, and visit times in the coming weeks with bookings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchard.demo_orchard import FARM
from orchard.picking_photos import save_photo
from orchard.registry import people, picking_requests, visit_bookings
from orchard.registry.picking import PickingWindow
from orchard.registry.picking_requests import ShipTo, farm_today

APPLE, LEAF, TRUNK, BOX = (40, 50, 205), (60, 150, 70), (40, 70, 110), (90, 150, 200)  # BGR


def photo(kind: str, seed: int = 1) -> bytes:
    """A simple drawn photo of apples on a tree ("tree") or in a box ("box"), as JPEG."""
    rng = np.random.default_rng(seed)
    image = np.full((480, 640, 3), (235, 215, 170) if kind == "tree" else (200, 215, 225), np.uint8)
    if kind == "tree":
        cv2.rectangle(image, (295, 260), (345, 480), TRUNK, -1)
        cv2.circle(image, (320, 200), 170, LEAF, -1)
        spots = rng.uniform((180, 80), (460, 320), (14, 2))
    else:
        cv2.rectangle(image, (110, 170), (530, 430), BOX, -1)
        cv2.rectangle(image, (110, 170), (530, 430), (60, 100, 140), 6)
        spots = rng.uniform((160, 200), (480, 300), (16, 2))
    for x, y in spots.astype(int):
        cv2.circle(image, (int(x), int(y)), 24, APPLE, -1)
        cv2.circle(image, (int(x) - 7, int(y) - 8), 6, (180, 190, 250), -1)  # a shine
    ok, data = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 80])
    assert ok
    return data.tobytes()


def seed(sessions: sessionmaker[Session], data_dir: Path) -> bool:
    """Add the demo's picking and visits unless its farm already has a picking window; True if added."""
    with sessions.begin() as s:
        if s.scalar(select(PickingWindow.id).where(PickingWindow.farm_id == FARM)) is not None:
            return False
        farmer, chen, wang = (people.find_user(s, name) for name in ("farmer", "customer", "customer2"))
        now = datetime.now(UTC)
        claims = {claim.user_id: claim for claim in people.list_claims(s)
                  if claim.tree.farm_id == FARM and claim.starts_at < now - 5 * timedelta(days=1) < claim.ends_at}
        if farmer is None or chen is None or wang is None or chen.id not in claims or wang.id not in claims:
            return False  # not the demo's cooperative
        today = farm_today("Asia/Shanghai", now)
        day = timedelta(days=1)
        picking_requests.create_window(s, FARM, today - 5 * day, today + 25 * day, max_kg=10,
                                       note="Fuji apples, the first pick of the season")
        shipped = picking_requests.request_picking(
            s, claims[chen.id], 5, ShipTo("陈静", "138 0571 0000", "浙江省", "杭州市",
                                          "西湖区文三路 90 号\n2 幢 301 室"), by=chen.id, now=now - 4 * day)
        for kind, number in (("tree", 1), ("box", 2)):
            path, content_type = save_photo(data_dir, shipped.id, photo(kind, number))
            picking_requests.add_photo(s, shipped, kind, path, content_type, by=farmer.id)
        picking_requests.mark_picked(s, shipped, 5.2, by=farmer.id, now=now - 3 * day)
        picking_requests.mark_shipped(shipped, "顺丰速运", "SF1403920571", by=farmer.id, now=now - 2 * day)
        picking_requests.request_picking(
            s, claims[wang.id], 3, ShipTo("王芳的妈妈", "139 0871 0000", "云南省", "昆明市", "五华区青年路 12 号"),
            gift=True, by=wang.id, now=now - day)
        first = today + timedelta(days=(5 - today.weekday()) % 7 or 7)  # the next Saturday
        for week in range(3):
            saturday = first + 7 * week * day
            morning = visit_bookings.create_slot(s, FARM, saturday, time(9, 30), time(11, 30), 8,
                                                 "Meet at the orchard gate / 在果园门口集合")
            visit_bookings.create_slot(s, FARM, saturday, time(14), time(16), 6)
            if week == 0:
                for who, party in ((chen, 2), (wang, 3)):
                    assert visit_bookings.take_seats(s, morning.id, party)
                    visit_bookings.book(s, morning, claims[who.id], party, seats_taken=True, now=now)
    return True
