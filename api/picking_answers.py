"""What the picking and visit routes answer: windows, requests with their timeline and photos, slots, bookings."""

from __future__ import annotations

from datetime import date, time

from pydantic import BaseModel
from sqlalchemy.orm import object_session

from api.times import UTCTime
from orchard.registry.models import User
from orchard.registry.picking import PhotoKind, PickingRequest, PickingStatus, PickingWindow
from orchard.registry.picking_requests import farm_today
from orchard.registry.visits import VisitBooking, VisitSlot

PHOTO_PATH = "/api/picking/photos/{photo_id}"


class WindowOut(BaseModel):
    id: int
    farm_id: str
    plot_id: int | None
    plot_name: str | None
    variety: str | None
    opens_on: date
    closes_on: date
    max_kg: float | None
    note: str
    open_today: bool  # on the farm's clock

    @classmethod
    def of(cls, window: PickingWindow) -> WindowOut:
        today = farm_today(window.farm.timezone)
        return cls(id=window.id, farm_id=window.farm_id, plot_id=window.plot_id,
                   plot_name=window.plot.name if window.plot else None, variety=window.variety,
                   opens_on=window.opens_on, closes_on=window.closes_on, max_kg=window.max_kg, note=window.note,
                   open_today=window.opens_on <= today <= window.closes_on)


class ShipToOut(BaseModel):
    name: str
    phone: str
    province: str
    city: str
    address: str


class PhotoOut(BaseModel):
    id: int
    kind: PhotoKind
    url: str
    uploaded_at: UTCTime


class StepOut(BaseModel):
    step: PickingStatus
    at: UTCTime
    by: str | None  # who did it, by display name (or username)


class RequestOut(BaseModel):
    id: int
    claim_id: int
    customer: str
    tree_id: int
    tree_label: str
    farm_id: str
    window_id: int
    quantity_kg: float
    status: PickingStatus
    gift: bool
    ship_to: ShipToOut | None  # None once erased, ORCHARD_ADDRESS_DAYS after delivery
    address_erased_at: UTCTime | None
    weight_kg: float | None
    courier: str | None
    tracking_number: str | None
    timeline: list[StepOut]
    photos: list[PhotoOut]

    @classmethod
    def of(cls, request: PickingRequest) -> RequestOut:
        claim = request.claim
        ship_to = None if request.ship_name is None else ShipToOut(
            name=request.ship_name, phone=request.ship_phone or "", province=request.ship_province or "",
            city=request.ship_city or "", address=request.ship_address or "")
        return cls(id=request.id, claim_id=claim.id, customer=claim.user.username, tree_id=claim.tree_id,
                   tree_label=claim.tree.label, farm_id=claim.tree.farm_id, window_id=request.window_id,
                   quantity_kg=request.quantity_kg, status=request.status, gift=request.gift, ship_to=ship_to,
                   address_erased_at=request.address_erased_at, weight_kg=request.weight_kg,
                   courier=request.courier, tracking_number=request.tracking_number,
                   timeline=timeline(request), photos=[
                       PhotoOut(id=p.id, kind=p.kind, url=PHOTO_PATH.format(photo_id=p.id), uploaded_at=p.uploaded_at)
                       for p in request.photos])


def timeline(request: PickingRequest) -> list[StepOut]:
    """Each step the request went through, in order, with its time and who."""
    session = object_session(request)
    steps = []
    for step in (PickingStatus.REQUESTED, PickingStatus.PICKED, PickingStatus.SHIPPED, PickingStatus.DELIVERED,
                 PickingStatus.CANCELLED):
        at = getattr(request, f"{step.value}_at")
        if at is None:
            continue
        who = getattr(request, f"{step.value}_by")
        user = session.get(User, who) if who is not None and session is not None else None
        steps.append(StepOut(step=step, at=at, by=(user.display_name or user.username) if user else None))
    return sorted(steps, key=lambda s: s.at)


class SlotOut(BaseModel):
    id: int
    farm_id: str
    day: date
    starts: time  # on the farm's clock
    ends: time
    timezone: str
    capacity: int
    booked: int
    left: int
    note: str

    @classmethod
    def of(cls, slot: VisitSlot) -> SlotOut:
        return cls(id=slot.id, farm_id=slot.farm_id, day=slot.day, starts=slot.starts, ends=slot.ends,
                   timezone=slot.farm.timezone, capacity=slot.capacity, booked=slot.booked,
                   left=slot.capacity - slot.booked, note=slot.note)


class BookingOut(BaseModel):
    id: int
    slot: SlotOut
    claim_id: int
    customer: str
    party_size: int
    created_at: UTCTime
    cancelled_at: UTCTime | None

    @classmethod
    def of(cls, booking: VisitBooking) -> BookingOut:
        return cls(id=booking.id, slot=SlotOut.of(booking.slot), claim_id=booking.claim_id,
                   customer=booking.user.display_name or booking.user.username, party_size=booking.party_size,
                   created_at=booking.created_at, cancelled_at=booking.cancelled_at)
