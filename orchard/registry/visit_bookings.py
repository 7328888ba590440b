"""Field visits: publish a slot, book seats, cancel, and the day's list of who comes.

A slot is never oversold, even when many book at once, on PostgreSQL and on SQLite alike:
a booking's first statement is one conditional UPDATE (`booked = booked + n` only where
`booked + n <= capacity`), in the same transaction as the booking's row. PostgreSQL makes a
second writer of the row wait and re-check the condition; SQLite lets one writer in at a time
(the engine's busy timeout makes the others wait rather than fail).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry.access import in_force
from orchard.registry.models import Claim, Tree, utcnow
from orchard.registry.picking_requests import farm_today
from orchard.registry.visits import VisitBooking, VisitSlot
from orchard.text import name_problem

MAX_PARTY = 20
MAX_CAPACITY = 500


def create_slot(session: Session, farm_id: str, day: date, starts: time, ends: time, capacity: int,
                note: str = "") -> VisitSlot:
    """Publish a visit time on a farm's clock."""
    if ends <= starts:
        raise Invalid("ends: must be after starts")
    check_capacity(capacity)
    slot = VisitSlot(farm_id=farm_id, day=day, starts=starts, ends=ends, capacity=capacity, booked=0,
                     note=check_note(note))
    session.add(slot)
    session.flush()
    return slot


def check_note(note: str) -> str:
    problem = name_problem(note) if note else None
    if problem:
        raise Invalid(f"note: {problem}")
    return note.strip()


def check_capacity(capacity: int) -> int:
    if not isinstance(capacity, int) or not 1 <= capacity <= MAX_CAPACITY:
        raise Invalid(f"capacity: a whole number of people, 1 to {MAX_CAPACITY}")
    return capacity


def set_capacity(slot: VisitSlot, capacity: int) -> None:
    """Change how many may come; never below the seats already booked."""
    check_capacity(capacity)
    if capacity < slot.booked:
        raise Conflict(f"capacity: {slot.booked} seats are already booked")
    slot.capacity = capacity


def take_seats(session: Session, slot_id: int, party_size: int) -> bool:
    """Book `party_size` seats if they are free: True if taken. Call first in the booking's transaction."""
    if not isinstance(party_size, int) or not 1 <= party_size <= MAX_PARTY:
        raise Invalid(f"party_size: 1 to {MAX_PARTY} people")
    taken = session.execute(
        update(VisitSlot)
        .where(VisitSlot.id == slot_id, VisitSlot.booked + party_size <= VisitSlot.capacity)
        .values(booked=VisitSlot.booked + party_size)
        .execution_options(synchronize_session=False))
    return cast(CursorResult, taken).rowcount == 1


def book(session: Session, slot: VisitSlot, claim: Claim, party_size: int, *, now: datetime | None = None,
         seats_taken: bool) -> VisitBooking:
    """The booking of seats `take_seats` took (or Conflict: full, past, or not the claim's farm)."""
    now = now or utcnow()
    if session.scalar(select(Claim.id).join(Tree).where(Claim.id == claim.id, Tree.farm_id == slot.farm_id,
                                                         in_force(now))) is None:
        raise Conflict("a visit is booked with a claim in force on a tree of this farm")
    if slot.day < farm_today(slot.farm.timezone, now):
        raise Conflict("this visit is in the past")
    if not seats_taken:
        raise Conflict(f"this visit is full: {slot.capacity - slot.booked} of {slot.capacity} places left")
    booking = VisitBooking(slot_id=slot.id, claim_id=claim.id, user_id=claim.user_id, party_size=party_size,
                           created_at=now)
    session.add(booking)
    session.flush()
    return booking


def cancel_booking(session: Session, booking: VisitBooking, now: datetime | None = None) -> None:
    """Give the seats back (the same conditional way they were taken)."""
    if booking.cancelled_at is not None:
        raise Conflict(f"booking {booking.id} is already cancelled")
    session.execute(update(VisitSlot).where(VisitSlot.id == booking.slot_id)
                    .values(booked=VisitSlot.booked - booking.party_size)
                    .execution_options(synchronize_session=False))
    booking.cancelled_at = now or utcnow()
    session.flush()
    session.refresh(booking.slot)


def get_slot(session: Session, slot_id: int) -> VisitSlot:
    slot = session.get(VisitSlot, slot_id)
    if slot is None:
        raise NotFound(f"no visit slot {slot_id}")
    return slot


def slots(session: Session, farm_ids: frozenset[str] | None, first: date | None = None,
          last: date | None = None) -> list[VisitSlot]:
    """Slots of these farms (None: every farm) between two days, both included, in time order."""
    query = select(VisitSlot).order_by(VisitSlot.day, VisitSlot.starts, VisitSlot.id)
    if farm_ids is not None:
        query = query.where(VisitSlot.farm_id.in_(farm_ids))
    if first is not None:
        query = query.where(VisitSlot.day >= first)
    if last is not None:
        query = query.where(VisitSlot.day <= last)
    return list(session.scalars(query))
