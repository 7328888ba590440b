"""Field visits: farmers publish slots and read each day's list; customers book seats and cancel.

A customer sees the slots of the farms where they hold a claim in force, and only their own
bookings; the farm's staff see every booking of their farms. Others get 404.
"""

from __future__ import annotations

from datetime import date, time

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Int64
from api.picking_answers import BookingOut, SlotOut
from api.services import ServicesDep
from orchard.auth.policy import Policy, Viewer
from orchard.errors import Forbidden, NotFound
from orchard.registry import visit_bookings
from orchard.registry.models import Claim, Role
from orchard.registry.visits import VisitBooking, VisitSlot

router = APIRouter(prefix="/visits", tags=["visits"])


class SlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    farm_id: str
    day: date
    starts: time = Field(description="on the farm's clock, e.g. 09:30")
    ends: time
    capacity: int = Field(description="how many people may come")
    note: str = Field(default="", max_length=500)


class SlotPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    capacity: int | None = None
    note: str | None = Field(default=None, max_length=500)


class BookingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    slot_id: Int64
    claim_id: Int64 = Field(description="your claim in force on a tree of the slot's farm")
    party_size: int = Field(default=1, description="how many people come, you included")


def load_slot(session: Session, slot_id: int, viewer: Viewer, policy: Policy) -> VisitSlot:
    slot = session.get(VisitSlot, slot_id)
    if slot is None or not policy.visits_farm(viewer, slot.farm_id):
        raise NotFound(f"no visit slot {slot_id}")
    return slot


def load_booking(session: Session, booking_id: int, viewer: Viewer, policy: Policy) -> VisitBooking:
    booking = session.get(VisitBooking, booking_id)
    if booking is None or not policy.sees_claim(viewer, booking.user_id, booking.slot.farm_id):
        raise NotFound(f"no booking {booking_id}")
    return booking


@router.get("/slots")
def list_slots(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None, start: date | None = None,
               end: date | None = None) -> list[SlotOut]:
    """Visit slots between two days (both included) of the farms the asker works on or has a tree on."""
    farms = services.policy.visiting_farm_ids(viewer)
    if farm is not None:
        farms = frozenset({farm}) if farms is None or farm in farms else frozenset()
    with services.reading() as session:
        return [SlotOut.of(slot) for slot in visit_bookings.slots(session, farms, start, end)]


@router.post("/slots", status_code=201)
def create_slot(body: SlotIn, viewer: CurrentViewer, services: ServicesDep) -> SlotOut:
    """Publish a visit time (admins, and the farm's farmers)."""
    services.policy.require_edit(viewer, "visit", body.farm_id)
    with services.writing() as session:
        return SlotOut.of(visit_bookings.create_slot(session, body.farm_id, body.day, body.starts, body.ends,
                                                     body.capacity, body.note))


@router.patch("/slots/{slot_id}")
def update_slot(slot_id: Int64, body: SlotPatch, viewer: CurrentViewer, services: ServicesDep) -> SlotOut:
    """Change a slot's capacity (never below what is booked) or note (admins, and the farm's farmers)."""
    with services.writing() as session:
        slot = load_slot(session, slot_id, viewer, services.policy)
        services.policy.require_edit(viewer, "visit", slot.farm_id)
        if body.capacity is not None:
            visit_bookings.set_capacity(slot, body.capacity)
        if body.note is not None:
            slot.note = visit_bookings.check_note(body.note)
        session.flush()
        return SlotOut.of(slot)


@router.get("/slots/{slot_id}/bookings")
def slot_bookings(slot_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> list[BookingOut]:
    """Who comes in this slot, cancelled bookings included (the farm's staff)."""
    with services.reading() as session:
        slot = load_slot(session, slot_id, viewer, services.policy)
        services.policy.require_edit(viewer, "visit", slot.farm_id)
        return [BookingOut.of(booking) for booking in slot.bookings]


@router.get("/bookings")
def list_bookings(viewer: CurrentViewer, services: ServicesDep, day: date | None = None) -> list[BookingOut]:
    """A customer's own bookings; the farm's staff: their farms' (one day's with ?day=)."""
    query = select(VisitBooking).join(VisitSlot).order_by(VisitSlot.day, VisitSlot.starts, VisitBooking.id)
    if viewer.role == Role.CUSTOMER:
        query = query.where(VisitBooking.user_id == viewer.user_id)
    else:
        farms = services.policy.farm_ids(viewer)
        if farms is not None:
            query = query.where(VisitSlot.farm_id.in_(farms))
    if day is not None:
        query = query.where(VisitSlot.day == day)
    with services.reading() as session:
        return [BookingOut.of(b) for b in session.scalars(query)
                if services.policy.sees_claim(viewer, b.user_id, b.slot.farm_id)]


@router.post("/bookings", status_code=201)
def book(body: BookingIn, viewer: CurrentViewer, services: ServicesDep) -> BookingOut:
    """Book places in a slot (the claim's customer); 409 when the slot is full, even if many book at once."""
    visiting = services.policy.visiting_farm_ids(viewer)  # before a session: many book at once
    with services.reading() as session:
        slot = session.get(VisitSlot, body.slot_id)
        if slot is None or (visiting is not None and slot.farm_id not in visiting):
            raise NotFound(f"no visit slot {body.slot_id}")
        claim = load(session, Claim, body.claim_id, viewer, services.policy)
        if claim.user_id != viewer.user_id:
            raise Forbidden("only the claim's customer books a visit")
    with services.writing() as session:
        taken = visit_bookings.take_seats(session, body.slot_id, body.party_size)  # first: see visit_bookings
        slot, booker = visit_bookings.get_slot(session, body.slot_id), session.get(Claim, body.claim_id)
        if booker is None:
            raise NotFound(f"no claim {body.claim_id}")
        booking = visit_bookings.book(session, slot, booker, body.party_size, seats_taken=taken)
        return BookingOut.of(booking)


@router.post("/bookings/{booking_id}/cancel")
def cancel_booking(booking_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> BookingOut:
    """Give the places back (the customer who booked, or the farm's staff)."""
    with services.writing() as session:
        booking = load_booking(session, booking_id, viewer, services.policy)
        if booking.user_id != viewer.user_id:
            services.policy.require_edit(viewer, "visit", booking.slot.farm_id)
        visit_bookings.cancel_booking(session, booking)
        return BookingOut.of(booking)
