"""Cloud picking, step by step: open a window, request, cancel, picked (photos, weight), shipped, delivered.

Rules the API and the dashboard share: a request needs a claim in force whose tree is inside a
window open today (on the farm's clock); quantities are kilograms, 0.5 to 100 in steps of 0.1, and
a window's `max_kg` caps what one claim asks for in it; a customer may cancel only before the fruit
is picked; a request is marked picked only with at least one photo. Who may do each step is the
policy's question (orchard/auth/policy.py), asked by the callers.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import cast
from zoneinfo import ZoneInfo

from sqlalchemy import CursorResult, func, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry.access import in_force
from orchard.registry.models import Claim, Plot, Tree, utcnow
from orchard.registry.picking import PhotoKind, PickingPhoto, PickingRequest, PickingStatus, PickingWindow
from orchard.text import control_problem, name_problem

log = logging.getLogger(__name__)

MIN_KG, MAX_KG = 0.5, 100.0
PHONE = re.compile(r"\+?[0-9][0-9 -]{5,19}")
ADDRESS_FIELDS = ("ship_name", "ship_phone", "ship_province", "ship_city", "ship_address")


@dataclass(frozen=True)
class ShipTo:
    """Where the fruit goes: a person, a phone the courier calls, and a Chinese address."""

    name: str
    phone: str
    province: str
    city: str
    address: str  # street, building, room; one or more lines

    def checked(self) -> ShipTo:
        """The address with spaces trimmed, or Invalid naming the field that is wrong."""
        fields = {name: str(value).strip() for name, value in vars(self).items()}
        for name in ("name", "province", "city"):
            problem = name_problem(fields[name]) if fields[name] else "is required"
            if problem or len(fields[name]) > 100:
                raise Invalid(f"ship_to.{name}: {problem or 'is too long (100 characters at most)'}")
        if not PHONE.fullmatch(fields["phone"]):
            raise Invalid("ship_to.phone: digits, spaces and dashes, 6 to 20 of them (e.g. 138 0000 0000)")
        lines = [line.strip() for line in fields["address"].splitlines() if line.strip()]
        if not lines or len(fields["address"]) > 500:
            raise Invalid("ship_to.address: the street, building and room, up to 500 characters")
        for line in lines:
            problem = control_problem(line) or name_problem(line)
            if problem:
                raise Invalid(f"ship_to.address: {problem}")
        return ShipTo(fields["name"], fields["phone"], fields["province"], fields["city"], "\n".join(lines))


def check_kg(value: float, what: str = "quantity_kg") -> float:
    """A weight in kilograms, 0.5 to 100, rounded to 0.1; Invalid otherwise."""
    try:
        kg = round(float(value), 1)
    except (TypeError, ValueError):
        raise Invalid(f"{what}: a number of kilograms") from None
    if not MIN_KG <= kg <= MAX_KG:
        raise Invalid(f"{what}: between {MIN_KG:g} and {MAX_KG:g} kg")
    return kg


def farm_today(timezone: str, now: datetime | None = None) -> date:
    """Today's date on a farm's clock."""
    return (now or utcnow()).astimezone(ZoneInfo(timezone)).date()


# -- windows ------------------------------------------------------------------------------

def window_values(session: Session, farm_id: str, opens_on: date, closes_on: date, *, plot_id: int | None = None,
                  variety: str | None = None, max_kg: float | None = None, note: str = "") -> dict:
    """A window's fields, checked (Invalid naming the one that is wrong)."""
    if closes_on < opens_on:
        raise Invalid("closes_on: must be on or after opens_on")
    if plot_id is not None:
        plot = session.get(Plot, plot_id)
        if plot is None or plot.farm_id != farm_id:
            raise Invalid(f"plot_id: farm {farm_id!r} has no plot {plot_id}")
    for name, text in (("variety", variety or ""), ("note", note)):
        problem = name_problem(text) if text else None
        if problem:
            raise Invalid(f"{name}: {problem}")
    return {"farm_id": farm_id, "opens_on": opens_on, "closes_on": closes_on, "plot_id": plot_id,
            "variety": (variety or "").strip() or None, "note": note.strip(),
            "max_kg": check_kg(max_kg, "max_kg") if max_kg is not None else None}


def create_window(session: Session, farm_id: str, opens_on: date, closes_on: date, **options) -> PickingWindow:
    """Open picking on a farm (or one plot, or one variety) for the days opens_on..closes_on, both included."""
    window = PickingWindow(**window_values(session, farm_id, opens_on, closes_on, **options))
    session.add(window)
    session.flush()
    return window


def windows_for_tree(session: Session, tree: Tree, day: date) -> list[PickingWindow]:
    """The windows open on `day` that take in this tree (its farm, its plot or its variety)."""
    query = select(PickingWindow).where(
        PickingWindow.farm_id == tree.farm_id, PickingWindow.opens_on <= day, PickingWindow.closes_on >= day,
        or_(PickingWindow.plot_id.is_(None), PickingWindow.plot_id == tree.plot_id),
        or_(PickingWindow.variety.is_(None), PickingWindow.variety == tree.variety),
    ).order_by(PickingWindow.closes_on, PickingWindow.id)
    return list(session.scalars(query))


# -- a customer's steps -------------------------------------------------------------------

def request_picking(session: Session, claim: Claim, quantity_kg: float, ship_to: ShipTo, *, gift: bool = False,
                    by: int | None = None, now: datetime | None = None) -> PickingRequest:
    """A request on `claim` (which must be in force, its tree inside a window open today)."""
    now = now or utcnow()
    if session.scalar(select(Claim.id).where(Claim.id == claim.id, in_force(now))) is None:
        raise Conflict("this claim is not in force: picking is for a claim's season")
    kg = check_kg(quantity_kg)
    address = ship_to.checked()
    windows = windows_for_tree(session, claim.tree, farm_today(claim.tree.farm.timezone, now))
    if not windows:
        raise Conflict("picking is not open for this tree today")
    window = windows[0]
    if window.max_kg is not None:
        asked = session.scalar(select(func.coalesce(func.sum(PickingRequest.quantity_kg), 0.0)).where(
            PickingRequest.claim_id == claim.id, PickingRequest.window_id == window.id,
            PickingRequest.status != PickingStatus.CANCELLED))
        if (asked or 0.0) + kg > window.max_kg + 1e-9:
            raise Conflict(f"quantity_kg: this window allows {window.max_kg:g} kg per claim; "
                           f"{asked:g} kg are already requested")
    request = PickingRequest(claim_id=claim.id, window_id=window.id, quantity_kg=kg, gift=bool(gift),
                             ship_name=address.name, ship_phone=address.phone, ship_province=address.province,
                             ship_city=address.city, ship_address=address.address, requested_at=now,
                             requested_by=by)
    session.add(request)
    session.flush()
    return request


def cancel(request: PickingRequest, *, by: int | None, now: datetime | None = None) -> None:
    """The customer changed their mind: only before the fruit is picked."""
    _expect(request, PickingStatus.REQUESTED, "cancelled")
    request.status, request.cancelled_at, request.cancelled_by = PickingStatus.CANCELLED, now or utcnow(), by


# -- the farmer's steps -------------------------------------------------------------------

def add_photo(session: Session, request: PickingRequest, kind: PhotoKind | str, path: str, content_type: str, *,
              by: int | None) -> PickingPhoto:
    """Record a photo already saved under the data folder (orchard.picking_photos.save)."""
    if request.status not in (PickingStatus.REQUESTED, PickingStatus.PICKED):
        raise Conflict(f"request {request.id} is {request.status.value}: photos are taken when picking")
    photo = PickingPhoto(request_id=request.id, kind=PhotoKind(kind), path=path, content_type=content_type,
                         uploaded_by=by)
    session.add(photo)
    session.flush()
    return photo


def mark_picked(session: Session, request: PickingRequest, weight_kg: float, *, by: int | None,
                now: datetime | None = None) -> None:
    """Picked and weighed; at least one photo shows the customer their fruit."""
    _expect(request, PickingStatus.REQUESTED, "picked")
    weight = check_kg(weight_kg, "weight_kg")
    if not session.scalar(select(func.count()).where(PickingPhoto.request_id == request.id)):
        raise Invalid("add a photo of the fruit (on the tree or in the box) before marking it picked")
    request.status, request.weight_kg = PickingStatus.PICKED, weight
    request.picked_at, request.picked_by = now or utcnow(), by


def mark_shipped(request: PickingRequest, courier: str, tracking_number: str, *, by: int | None,
                 now: datetime | None = None) -> None:
    """Handed to a courier, with its tracking number."""
    _expect(request, PickingStatus.PICKED, "shipped")
    for name, value, longest in (("courier", courier, 100), ("tracking_number", tracking_number, 64)):
        text = str(value or "").strip()
        problem = (name_problem(text) if text else "is required") or \
            (None if len(text) <= longest else f"is too long ({longest} characters at most)")
        if problem:
            raise Invalid(f"{name}: {problem}")
    request.courier, request.tracking_number = courier.strip(), tracking_number.strip()
    request.status, request.shipped_at, request.shipped_by = PickingStatus.SHIPPED, now or utcnow(), by


def mark_delivered(request: PickingRequest, *, by: int | None, now: datetime | None = None) -> None:
    """Arrived; the address is erased ORCHARD_ADDRESS_DAYS later (purge_addresses)."""
    _expect(request, PickingStatus.SHIPPED, "delivered")
    request.status, request.delivered_at, request.delivered_by = PickingStatus.DELIVERED, now or utcnow(), by


def _expect(request: PickingRequest, status: PickingStatus, step: str) -> None:
    if request.status != status:
        raise Conflict(f"request {request.id} is {request.status.value}; only a {status.value} one can be {step}")


# -- reading and forgetting -----------------------------------------------------------------

def get_request(session: Session, request_id: int) -> PickingRequest:
    request = session.get(PickingRequest, request_id)
    if request is None:
        raise NotFound(f"no picking request {request_id}")
    return request


def purge_addresses(session: Session, days: float, now: datetime | None = None) -> int:
    """Erase the ship-to of requests delivered (or cancelled) more than `days` ago; how many were erased."""
    now = now or utcnow()
    cutoff = now - timedelta(days=days)
    erased = session.execute(
        update(PickingRequest)
        .where(or_(PickingRequest.delivered_at < cutoff, PickingRequest.cancelled_at < cutoff),
               PickingRequest.address_erased_at.is_(None))
        .values(**dict.fromkeys(ADDRESS_FIELDS), address_erased_at=now)
        .execution_options(synchronize_session=False))
    return cast(CursorResult, erased).rowcount or 0


def erase_old_addresses(sessions: sessionmaker[Session], days: float, now: datetime | None = None) -> int:
    """purge_addresses in a transaction of its own (the API's start and every few hours, the admin command)."""
    with sessions.begin() as session:
        erased = purge_addresses(session, days, now)
    if erased:
        log.info("erased the ship-to addresses of %s picking requests delivered over %s days ago", erased, days)
    return erased
