"""The demo's picking and visits: what a newcomer finds on first open (a real SQLite registry)."""

from __future__ import annotations

import cv2
import numpy as np
from sqlalchemy import select

from orchard import demo_orchard, demo_picking
from orchard.picking_photos import photo_file
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.picking import PickingRequest, PickingStatus, PickingWindow
from orchard.registry.picking_requests import farm_today, windows_for_tree
from orchard.registry.visits import VisitSlot


def test_the_demo_has_an_open_window_a_shipped_request_and_visit_times(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    assert demo_orchard.seed(sessions, devices=8)
    assert demo_picking.seed(sessions, tmp_path)
    assert not demo_picking.seed(sessions, tmp_path)  # a second start keeps what is there
    with sessions() as s:
        window = s.scalars(select(PickingWindow)).one()
        today = farm_today("Asia/Shanghai")
        assert window.opens_on <= today <= window.closes_on
        requests = {r.claim.user.username: r for r in s.scalars(select(PickingRequest))}
        shipped = requests["customer"]
        assert shipped.status == PickingStatus.SHIPPED and shipped.tracking_number and shipped.weight_kg
        assert {p.kind.value for p in shipped.photos} == {"tree", "box"}
        for stored in shipped.photos:
            image = cv2.imdecode(np.frombuffer(photo_file(tmp_path, stored.path).read_bytes(), np.uint8),
                                 cv2.IMREAD_COLOR)
            assert image is not None and image.shape[:2] == (480, 640)
        assert requests["customer2"].status == PickingStatus.REQUESTED and requests["customer2"].gift
        assert windows_for_tree(s, shipped.claim.tree, today) == [window]  # the customer may ask for more
        slots = list(s.scalars(select(VisitSlot).order_by(VisitSlot.day, VisitSlot.starts)))
        assert len(slots) == 6 and all(slot.day > today for slot in slots)
        assert slots[0].booked == 5 and [b.party_size for b in slots[0].bookings] == [2, 3]
    sessions.kw["bind"].dispose()
