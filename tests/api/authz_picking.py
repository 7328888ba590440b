"""Rows of the API's authorization table for cloud picking and field visits (tests/api/test_authorization.py).

Farm hill has an open picking window, a request of ana (tree 17, with a photo) and one of cy
(tree 18), and a visit slot booked by both (tests/picking_world.py). A customer sees their own
requests and bookings only; bo, whose claim ended, sees no window or slot; the other farm's
farmer sees nothing of hill. Staff may not request or book in a customer's name (403).
"""

from __future__ import annotations

from orchard.registry import picking_requests, visit_bookings
from tests.authz import Case
from tests.picking_world import ANA_ADDRESS, claim_of, fruit_jpeg

IDS: dict[str, int] = {}  # the world's ids, picking rows included, filled in before the table runs
SHIP_TO = {"name": "王小明", "phone": "138 0000 0001", "province": "浙江省", "city": "杭州市", "address": "文三路 1 号"}

CASES = [
    # -- picking -------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/picking/windows",               "401 200 200 200 200 200 200"),
    Case("POST", "/api/picking/windows",              "401 403 403 403 403 201 201",
         json={"farm_id": "hill", "opens_on": "2030-01-01", "closes_on": "2030-01-31"}),
    Case("PATCH", "/api/picking/windows/{window_id}", "401 403 404 403 404 200 200",
         args={"window_id": "window_hill"}, json={"note": "bring a basket"}),
    Case("GET", "/api/picking/requests",              "401 200 200 200 200 200 200"),
    Case("GET", "/api/picking/requests/{request_id}", "401 200 404 404 404 200 200",
         args={"request_id": "request_ana"}),
    Case("GET", "/api/picking/requests/{request_id}", "401 404 404 200 404 200 200",
         args={"request_id": "request_cy"}),
    Case("POST", "/api/picking/requests",             "401 201 404 404 404 403 403",
         json=lambda who: {"claim_id": IDS["claim_ana"], "quantity_kg": 1, "ship_to": SHIP_TO}),
    Case("POST", "/api/picking/requests",             "401 404 409 404 404 403 403",
         json=lambda who: {"claim_id": IDS["claim_bo"], "quantity_kg": 1, "ship_to": SHIP_TO}),
    Case("POST", "/api/picking/requests/{request_id}/cancel", "401 200 404 404 404 403 403",
         args={"request_id": "new_request_of_ana"}),
    Case("POST", "/api/picking/photos",               "401 403 404 404 404 201 201",
         params={"request": lambda: IDS["request_ana"], "kind": "box"}, content=fruit_jpeg(),
         content_type="image/jpeg"),
    Case("GET", "/api/picking/photos/{photo_id}",     "401 200 404 404 404 200 200", args={"photo_id": "photo_ana"}),
    Case("POST", "/api/picking/requests/{request_id}/picked", "401 403 404 404 404 200 200",
         args={"request_id": "new_request_of_ana_with_photo"}, json={"weight_kg": 2.5}),
    Case("POST", "/api/picking/requests/{request_id}/shipped", "401 403 404 404 404 200 200",
         args={"request_id": "new_picked_request_of_ana"}, json={"courier": "顺丰", "tracking_number": "SF1"}),
    Case("POST", "/api/picking/requests/{request_id}/delivered", "401 200 404 404 404 200 200",
         args={"request_id": "new_shipped_request_of_ana"}),
    # -- visits --------------------------------------- anon ana bo  cy  fv  fh  admin
    Case("GET", "/api/visits/slots",                  "401 200 200 200 200 200 200"),
    Case("POST", "/api/visits/slots",                 "401 403 403 403 403 201 201",
         json={"farm_id": "hill", "day": "2030-05-01", "starts": "09:00", "ends": "10:00", "capacity": 5}),
    Case("PATCH", "/api/visits/slots/{slot_id}",      "401 403 404 403 404 200 200",
         args={"slot_id": "slot_hill"}, json={"note": "meet at the gate"}),
    Case("GET", "/api/visits/slots/{slot_id}/bookings", "401 403 404 403 404 200 200", args={"slot_id": "slot_hill"}),
    Case("GET", "/api/visits/bookings",               "401 200 200 200 200 200 200"),
    Case("POST", "/api/visits/bookings",              "401 201 404 404 404 403 403",
         json=lambda who: {"slot_id": IDS["slot_hill"], "claim_id": IDS["claim_ana"], "party_size": 1}),
    Case("POST", "/api/visits/bookings/{booking_id}/cancel", "401 200 404 404 404 200 200",
         args={"booking_id": "new_booking_of_ana"}),
]

# What each list shows each persona: the customers of the requests and bookings.
LISTS = {
    "/api/picking/requests": {"customer_active": {"ana"}, "customer_expired": set(), "customer_other_tree": {"cy"},
                              "farmer_other_farm": set(), "farmer_this_farm": {"ana", "cy"}, "admin": {"ana", "cy"}},
    "/api/visits/bookings": {"customer_active": {"ana"}, "customer_expired": set(), "customer_other_tree": {"cy"},
                             "farmer_other_farm": set(), "farmer_this_farm": {"ana", "cy"}, "admin": {"ana", "cy"}},
}


def fresh_rows(server) -> dict:
    """Makers of requests and bookings of ana in each state, made afresh for every persona's request."""
    sessions, data_dir = server.sessions, server.settings.data_dir

    def request(step: str):
        def fresh():
            from orchard.picking_photos import save_photo

            with sessions.begin() as session:
                claim = claim_of(session, "A-1")
                made = picking_requests.request_picking(session, claim, 1, ANA_ADDRESS, by=claim.user_id)
                if step == "requested":
                    return made.id
                path, content_type = save_photo(data_dir, made.id, fruit_jpeg())
                picking_requests.add_photo(session, made, "box", path, content_type, by=None)
                if step != "photographed":
                    picking_requests.mark_picked(session, made, 1.2, by=None)
                if step == "shipped":
                    picking_requests.mark_shipped(made, "顺丰", "SF2", by=None)
                return made.id
        return fresh

    def booking():
        with sessions.begin() as session:
            slot = visit_bookings.get_slot(session, IDS["slot_hill"])
            assert visit_bookings.take_seats(session, slot.id, 1)
            return visit_bookings.book(session, slot, claim_of(session, "A-1"), 1, seats_taken=True).id

    return {"new_request_of_ana": request("requested"), "new_request_of_ana_with_photo": request("photographed"),
            "new_picked_request_of_ana": request("picked"), "new_shipped_request_of_ana": request("shipped"),
            "new_booking_of_ana": booking}
