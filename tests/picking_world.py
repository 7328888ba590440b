"""The world of tests/world.py with cloud picking and visits: an open window on farm hill, a request
each from ana (tree 17) and cy (tree 18), a photo of ana's, a visit slot with a booking of each."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import cv2
import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from orchard.picking_photos import save_photo
from orchard.registry import people, picking_requests, visit_bookings
from orchard.registry.models import Claim
from orchard.registry.picking_requests import ShipTo, farm_today

ANA_ADDRESS = ShipTo("王小明", "138 0000 0001", "浙江省", "杭州市", "西湖区文三路 1 号\n3 单元 501")
CY_ADDRESS = ShipTo("陈一", "139 0000 0002", "上海市", "上海市", "徐汇区漕溪北路 2 号")


def fruit_jpeg(colour: tuple[int, int, int] = (40, 60, 200), size: int = 160) -> bytes:
    """A small real JPEG: a red apple on green."""
    image = np.full((size, size, 3), (60, 160, 60), np.uint8)
    cv2.circle(image, (size // 2, size // 2), size // 3, colour, -1)
    ok, data = cv2.imencode(".jpg", image)
    assert ok
    return data.tobytes()


def claim_of(session: Session, order_ref: str) -> Claim:
    claim = people.find_claim_by_order(session, order_ref)
    assert claim is not None
    return claim


def add_picking(sessions: sessionmaker[Session], data_dir: Path) -> dict[str, int]:
    """Picking and visit rows on farm hill; their ids by name."""
    with sessions.begin() as session:
        today = farm_today("Asia/Shanghai")
        window = picking_requests.create_window(session, "hill", today - timedelta(days=3),
                                                today + timedelta(days=20))
        ana, cy = claim_of(session, "A-1"), claim_of(session, "C-1")
        mine = picking_requests.request_picking(session, ana, 3, ANA_ADDRESS, by=ana.user_id)
        theirs = picking_requests.request_picking(session, cy, 2, CY_ADDRESS, gift=True, by=cy.user_id)
        path, content_type = save_photo(data_dir, mine.id, fruit_jpeg())
        photo = picking_requests.add_photo(session, mine, "tree", path, content_type, by=None)
        slot = visit_bookings.create_slot(session, "hill", today + timedelta(days=7), time(9), time(11), 50)
        bookings = {}
        for name, claim in (("booking_ana", ana), ("booking_cy", cy)):
            assert visit_bookings.take_seats(session, slot.id, 2)
            bookings[name] = visit_bookings.book(session, slot, claim, 2, seats_taken=True).id
        return {"window_hill": window.id, "request_ana": mine.id, "request_cy": theirs.id, "photo_ana": photo.id,
                "slot_hill": slot.id, **bookings}
