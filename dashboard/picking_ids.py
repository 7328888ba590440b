"""Component ids of cloud picking and field visits (farmer pages and the customer's sections).

Pattern-matching ids are dicts built by the functions at the end; their `type` is a constant here.
"""

# Farmer: the picking queue (dashboard/pages/picking.py).
PICKING_QUEUE = "picking-queue"
PICKING_WINDOWS = "picking-windows"
PICKING_CARD = "picking-card"              # {"type", "request"}: one request, re-drawn after each step
PICKING_REDRAW = "picking-redraw"          # hidden button: assets/picking.js presses it after an upload
PICKING_KIND = "picking-kind"              # on the tree / in the box
PICKING_WEIGHT = "picking-weight"
PICKING_PICKED = "picking-picked"          # button: mark picked
PICKING_COURIER = "picking-courier"
PICKING_TRACKING = "picking-tracking"
PICKING_SHIPPED = "picking-shipped"        # button: mark shipped
PICKING_DELIVERED = "picking-delivered"    # button: mark delivered

# Farmer: visit slots and the day lists (dashboard/pages/visits.py).
VISITS_FARM = "visits-farm"
VISITS_DAY = "visits-day"
VISITS_START = "visits-start"
VISITS_END = "visits-end"
VISITS_CAPACITY = "visits-capacity"
VISITS_NOTE = "visits-note"
VISITS_PUBLISH = "visits-publish"
VISITS_MESSAGE = "visits-message"
VISITS_LIST = "visits-list"

# Customer: on "My tree" (dashboard/customer/picking.py and visits.py).
MY_PICKING = "my-picking"                  # the section, re-drawn after a request or a cancellation
MY_PICKING_QUANTITY = "my-picking-quantity"
MY_PICKING_NAME = "my-picking-name"
MY_PICKING_PHONE = "my-picking-phone"
MY_PICKING_PROVINCE = "my-picking-province"
MY_PICKING_CITY = "my-picking-city"
MY_PICKING_ADDRESS = "my-picking-address"
MY_PICKING_GIFT = "my-picking-gift"
MY_PICKING_SUBMIT = "my-picking-submit"
MY_PICKING_CANCEL = "my-picking-cancel"    # {"type", "request"}
MY_VISITS = "my-visits"                    # the section
MY_VISIT_PARTY = "my-visit-party"          # {"type", "slot"}
MY_VISIT_BOOK = "my-visit-book"            # {"type", "slot"}
MY_VISIT_CANCEL = "my-visit-cancel"        # {"type", "booking"}


def request_part(kind: str, request_id: object) -> dict:
    return {"type": kind, "request": request_id}


def slot_part(kind: str, slot_id: object) -> dict:
    return {"type": kind, "slot": slot_id}


def booking_part(kind: str, booking_id: object) -> dict:
    return {"type": kind, "booking": booking_id}
