"""Farms: admins manage them; farmers read theirs; customers none (they see trees, not farms)."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Name
from api.services import ServicesDep
from api.times import UTCTime
from orchard.errors import Conflict
from orchard.registry import orchards
from orchard.registry.claim_rule import shared_now
from orchard.registry.models import Claim, Farm
from orchard.topics import ID_PATTERN

router = APIRouter(prefix="/farms", tags=["farms"])


class FarmOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    name: str
    location: str | None
    timezone: str
    shared_trees: bool
    created_at: UTCTime


class FarmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=f"^{ID_PATTERN.pattern}$", description="the farm's slug in MQTT topics")
    name: Name = Field(min_length=1, max_length=200)
    location: Name | None = Field(default=None, max_length=200)
    timezone: str = Field(default="UTC", description="a name like Asia/Shanghai")
    shared_trees: bool = Field(default=False, description="let several customers hold one tree at a time")


class FarmPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name | None = Field(default=None, min_length=1, max_length=200)
    location: Name | None = Field(default=None, max_length=200)
    timezone: str | None = None
    shared_trees: bool | None = Field(default=None, description="false is refused (409) while customers share a tree")


@router.get("")
def list_farms(viewer: CurrentViewer, services: ServicesDep) -> list[FarmOut]:
    """The farms the asker may see, by id."""
    with services.reading() as session:
        return [FarmOut.model_validate(farm) for farm in orchards.list_farms(session)
                if services.policy.sees_farm(viewer, farm.id)]


@router.get("/{farm_id}")
def get_farm(farm_id: str, viewer: CurrentViewer, services: ServicesDep) -> FarmOut:
    with services.reading() as session:
        return FarmOut.model_validate(load(session, Farm, farm_id, viewer, services.policy))


@router.post("", status_code=201)
def create_farm(body: FarmIn, viewer: CurrentViewer, services: ServicesDep) -> FarmOut:
    """Add a member farm (admins only)."""
    services.policy.require_admin(viewer, "add farms")
    with services.writing() as session:
        farm = orchards.create_farm(session, body.id, body.name, location=body.location, timezone=body.timezone)
        farm.shared_trees = body.shared_trees
        return FarmOut.model_validate(farm)


@router.patch("/{farm_id}")
def update_farm(farm_id: str, body: FarmPatch, viewer: CurrentViewer, services: ServicesDep) -> FarmOut:
    """Rename a farm, or change its location or time zone (admins only)."""
    with services.writing() as session:
        farm = load(session, Farm, farm_id, viewer, services.policy)
        services.policy.require_edit(viewer, "farm", farm.id)
        for name, value in body.model_dump(exclude_unset=True).items():
            if value is not None or name == "location":
                setattr(farm, name, value)
        if body.shared_trees is False:
            _refuse_if_shared(session, farm)
        session.flush()
        return FarmOut.model_validate(farm)


def _refuse_if_shared(session: Session, farm: Farm) -> None:
    """Conflict naming the first claims that share a tree, if the farm cannot stop sharing yet."""
    pairs = shared_now(session, farm)
    if pairs:
        named = "; ".join(f"tree {a.tree.label!r}: {_name(a)} and {_name(b)}" for a, b in pairs[:5])
        raise Conflict(f"shared_trees: {len(pairs)} pair(s) of customers hold one tree at once ({named}); "
                       "cancel or move one claim of each first")


def _name(claim: Claim) -> str:
    return f"order {claim.order_ref!r}" if claim.order_ref else f"claim {claim.id}"


@router.delete("/{farm_id}", status_code=204)
def delete_farm(farm_id: str, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a farm with its plots, trees and devices (admins only; 409 while its trees have claims)."""
    with services.writing() as session:
        farm = load(session, Farm, farm_id, viewer, services.policy)
        services.policy.require_edit(viewer, "farm", farm.id, delete=True)
        session.delete(farm)
        session.flush()
    return Response(status_code=204)
