"""Cloud picking: farmers open windows and work the queue; customers request picking of their tree's fruit.

A request, with its ship-to address, is seen only by its claim's customer and by the staff of
the tree's farm (the policy's sees_claim); anyone else gets 404, as for a row that does not exist.
"""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Int64
from api.picking_answers import RequestOut, WindowOut
from api.services import ServicesDep
from orchard.auth.policy import Policy, Viewer
from orchard.errors import Forbidden, NotFound
from orchard.registry import picking_requests as steps
from orchard.registry.models import Claim, Role, Tree
from orchard.registry.picking import PickingRequest, PickingStatus, PickingWindow

router = APIRouter(prefix="/picking", tags=["picking"])


class WindowIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    farm_id: str
    plot_id: Int64 | None = Field(default=None, description="only this plot's trees")
    variety: str | None = Field(default=None, max_length=100, description="only trees of this variety")
    opens_on: date
    closes_on: date = Field(description="included: customers request until the end of this day, farm time")
    max_kg: float | None = Field(default=None, description="the most one claim may request in this window")
    note: str = Field(default="", max_length=500)


class WindowPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    opens_on: date | None = None
    closes_on: date | None = None
    max_kg: float | None = None
    note: str | None = Field(default=None, max_length=500)


class ShipToIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(max_length=100)
    phone: str = Field(max_length=32)
    province: str = Field(max_length=100, description="e.g. 浙江省")
    city: str = Field(max_length=100, description="e.g. 杭州市")
    address: str = Field(max_length=500, description="district, street, building, room; lines allowed")


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim_id: Int64
    quantity_kg: float = Field(description="kilograms, 0.5 to 100")
    ship_to: ShipToIn
    gift: bool = Field(default=False, description="shipped to someone else than the buyer")


class PickedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    weight_kg: float


class ShippedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    courier: str = Field(max_length=100)
    tracking_number: str = Field(max_length=64)


# -- windows ------------------------------------------------------------------------------------------

@router.get("/windows")
def list_windows(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None) -> list[WindowOut]:
    """Picking windows of the farms the asker works on, or (customers) of their claimed trees' farms."""
    farms = services.policy.visiting_farm_ids(viewer)
    query = select(PickingWindow).order_by(PickingWindow.opens_on.desc(), PickingWindow.id)
    if farms is not None:
        query = query.where(PickingWindow.farm_id.in_(farms))
    if farm is not None:
        query = query.where(PickingWindow.farm_id == farm)
    with services.reading() as session:
        return [WindowOut.of(window) for window in session.scalars(query)]


@router.post("/windows", status_code=201)
def create_window(body: WindowIn, viewer: CurrentViewer, services: ServicesDep) -> WindowOut:
    """Open picking on a farm, one plot or one variety (admins, and the farm's farmers)."""
    services.policy.require_edit(viewer, "picking", body.farm_id)
    with services.writing() as session:
        window = steps.create_window(session, body.farm_id, body.opens_on, body.closes_on, plot_id=body.plot_id,
                                     variety=body.variety, max_kg=body.max_kg, note=body.note)
        return WindowOut.of(window)


@router.patch("/windows/{window_id}")
def update_window(window_id: Int64, body: WindowPatch, viewer: CurrentViewer, services: ServicesDep) -> WindowOut:
    """Move a window's dates (close it early), its cap or its note (admins, and the farm's farmers)."""
    with services.writing() as session:
        window = session.get(PickingWindow, window_id)
        if window is None or not services.policy.visits_farm(viewer, window.farm_id):
            raise NotFound(f"no picking window {window_id}")
        services.policy.require_edit(viewer, "picking", window.farm_id)
        changes = body.model_dump(exclude_unset=True)
        values = steps.window_values(
            session, window.farm_id, changes.get("opens_on") or window.opens_on,
            changes.get("closes_on") or window.closes_on, plot_id=window.plot_id, variety=window.variety,
            max_kg=changes.get("max_kg", window.max_kg),
            note=window.note if changes.get("note") is None else changes["note"])
        for name in ("opens_on", "closes_on", "max_kg", "note"):
            setattr(window, name, values[name])
        session.flush()
        return WindowOut.of(window)


# -- requests -----------------------------------------------------------------------------------------

def load_request(session: Session, request_id: int, viewer: Viewer, policy: Policy) -> PickingRequest:
    """A request the asker sees (its claim's customer, the farm's staff); NotFound alike for others."""
    request = session.get(PickingRequest, request_id)
    if request is None or not policy.sees_claim(viewer, request.claim.user_id, request.claim.tree.farm_id):
        raise NotFound(f"no picking request {request_id}")
    return request


@router.get("/requests")
def list_requests(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None,
                  status: PickingStatus | None = None) -> list[RequestOut]:
    """A farmer's queue (their farms' requests, oldest first); a customer's own requests."""
    query = (select(PickingRequest).join(Claim, PickingRequest.claim_id == Claim.id).join(Tree)
             .order_by(PickingRequest.requested_at, PickingRequest.id))
    if viewer.role == Role.CUSTOMER:
        query = query.where(Claim.user_id == viewer.user_id)
    else:
        farms = services.policy.farm_ids(viewer)
        if farms is not None:
            query = query.where(Tree.farm_id.in_(farms))
    if farm is not None:
        query = query.where(Tree.farm_id == farm)
    if status is not None:
        query = query.where(PickingRequest.status == status)
    with services.reading() as session:
        return [RequestOut.of(request) for request in session.scalars(query)
                if services.policy.sees_claim(viewer, request.claim.user_id, request.claim.tree.farm_id)]


@router.get("/requests/{request_id}")
def get_request(request_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    with services.reading() as session:
        return RequestOut.of(load_request(session, request_id, viewer, services.policy))


@router.post("/requests", status_code=201)
def request_picking(body: RequestIn, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    """Ask the farm to pick your tree's fruit and ship it (the claim's customer; the claim must be in force)."""
    with services.writing() as session:
        claim = load(session, Claim, body.claim_id, viewer, services.policy)
        if claim.user_id != viewer.user_id:
            raise Forbidden("only the claim's customer requests picking")
        ship_to = steps.ShipTo(**body.ship_to.model_dump())
        request = steps.request_picking(session, claim, body.quantity_kg, ship_to, gift=body.gift,
                                        by=viewer.user_id)
        return RequestOut.of(request)


@router.post("/requests/{request_id}/cancel")
def cancel_request(request_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    """The customer withdraws a request, before it is picked."""
    with services.writing() as session:
        request = load_request(session, request_id, viewer, services.policy)
        if request.claim.user_id != viewer.user_id:
            raise Forbidden("only the customer who asked cancels a request")
        steps.cancel(request, by=viewer.user_id)
        session.flush()
        return RequestOut.of(request)


@router.post("/requests/{request_id}/picked")
def mark_picked(request_id: Int64, body: PickedIn, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    """Picked and weighed (the farm's staff); its photos come first (POST /picking/photos)."""
    with services.writing() as session:
        request = load_request(session, request_id, viewer, services.policy)
        services.policy.require_edit(viewer, "picking", request.claim.tree.farm_id)
        steps.mark_picked(session, request, body.weight_kg, by=viewer.user_id)
        session.flush()
        return RequestOut.of(request)


@router.post("/requests/{request_id}/shipped")
def mark_shipped(request_id: Int64, body: ShippedIn, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    """Handed to a courier (the farm's staff)."""
    with services.writing() as session:
        request = load_request(session, request_id, viewer, services.policy)
        services.policy.require_edit(viewer, "picking", request.claim.tree.farm_id)
        steps.mark_shipped(request, body.courier, body.tracking_number, by=viewer.user_id)
        session.flush()
        return RequestOut.of(request)


@router.post("/requests/{request_id}/delivered")
def mark_delivered(request_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> RequestOut:
    """Arrived: said by the farm's staff or by the customer who received it."""
    with services.writing() as session:
        request = load_request(session, request_id, viewer, services.policy)
        if request.claim.user_id != viewer.user_id:
            services.policy.require_edit(viewer, "picking", request.claim.tree.farm_id)
        steps.mark_delivered(request, by=viewer.user_id)
        session.flush()
        return RequestOut.of(request)
