"""Claims, a customer's season with a tree: admins manage all; farmers their farms'; customers read their own."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator

from api.access import CurrentViewer, load
from api.fields import Int64, Name
from api.services import ServicesDep
from api.times import Moment, UTCTime
from orchard.errors import Invalid, NotFound
from orchard.registry import orchards, people
from orchard.registry.models import Claim, ClaimStatus, Role

router = APIRouter(prefix="/claims", tags=["claims"])


class ClaimOut(BaseModel):
    id: int
    user_id: int
    username: str
    tree_id: int
    tree_label: str
    farm_id: str
    starts_at: UTCTime
    ends_at: UTCTime
    status: ClaimStatus
    order_ref: str | None
    created_at: UTCTime

    @classmethod
    def of(cls, claim: Claim) -> ClaimOut:
        return cls(id=claim.id, user_id=claim.user_id, username=claim.user.username, tree_id=claim.tree_id,
                   tree_label=claim.tree.label, farm_id=claim.tree.farm_id, starts_at=claim.starts_at,
                   ends_at=claim.ends_at, status=claim.status, order_ref=claim.order_ref,
                   created_at=claim.created_at)


class ClaimIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    user_id: Int64 = Field(description="a customer")
    tree_id: Int64
    starts_at: Moment
    ends_at: Moment = Field(description="not included: the claim shows the tree while start <= now < end")
    status: ClaimStatus = ClaimStatus.PENDING
    order_ref: Name | None = Field(default=None, max_length=128, description="admins only: the shop's order id")

    @field_validator("ends_at")
    @classmethod
    def _after_start(cls, value: datetime, info: ValidationInfo) -> datetime:
        start = info.data.get("starts_at")
        if start is not None and value <= start:
            raise ValueError("must be after starts_at")
        return value


class ClaimPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    starts_at: Moment | None = None
    ends_at: Moment | None = None
    status: ClaimStatus | None = None


@router.get("")
def list_claims(viewer: CurrentViewer, services: ServicesDep, tree: Int64 | None = None, user: Int64 | None = None,
                status: ClaimStatus | None = None) -> list[ClaimOut]:
    """The claims the asker may see: a customer's own (ended ones too), a farmer's on their farms' trees."""
    with services.reading() as session:
        return [ClaimOut.of(claim) for claim in people.list_claims(session, user_id=user, tree_id=tree, status=status)
                if services.policy.sees_claim(viewer, claim.user_id, claim.tree.farm_id)]


@router.get("/{claim_id}")
def get_claim(claim_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> ClaimOut:
    with services.reading() as session:
        return ClaimOut.of(load(session, Claim, claim_id, viewer, services.policy))


@router.post("", status_code=201)
def create_claim(body: ClaimIn, viewer: CurrentViewer, services: ServicesDep) -> ClaimOut:
    """Give a customer a claim on a tree (admins, and the tree's farm's farmers); only admins set order_ref."""
    if body.order_ref is not None:  # else a farmer could squat a shop order that has not arrived yet
        services.policy.require_admin(viewer, "set order_ref; the shop's webhook sets it")
    with services.writing() as session:
        tree = orchards.get_tree(session, body.tree_id)
        # A farm the asker may not see is not named in the refusal: a tree id must not reveal its farm.
        seen = tree.farm_id if tree is not None and services.policy.sees_farm(viewer, tree.farm_id) else None
        services.policy.require_edit(viewer, "claim", seen)
        if tree is None:
            raise NotFound(f"no tree {body.tree_id}")
        user = people.get_user(session, body.user_id)
        if user is None or (user.role != Role.CUSTOMER and viewer.role != Role.ADMIN):
            raise Invalid(f"user_id: there is no customer {body.user_id}")  # nor a word of others' roles
        claim = people.create_claim(session, user, tree, body.starts_at, body.ends_at, status=body.status,
                                    order_ref=body.order_ref)
        return ClaimOut.of(claim)


@router.patch("/{claim_id}")
def update_claim(claim_id: Int64, body: ClaimPatch, viewer: CurrentViewer, services: ServicesDep) -> ClaimOut:
    """Move a claim's dates or change its status (admins, and the tree's farm's farmers)."""
    with services.writing() as session:
        claim = load(session, Claim, claim_id, viewer, services.policy)
        services.policy.require_edit(viewer, "claim", claim.tree.farm_id)
        changes = {name: value for name, value in body.model_dump(exclude_unset=True).items() if value is not None}
        if changes.get("ends_at", claim.ends_at) <= changes.get("starts_at", claim.starts_at):
            raise Invalid("ends_at: must be after starts_at")
        for name, value in changes.items():
            setattr(claim, name, value)
        session.flush()
        return ClaimOut.of(claim)


@router.delete("/{claim_id}", status_code=204)
def delete_claim(claim_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a claim made by mistake (admins only); a refunded order is better set to cancelled."""
    with services.writing() as session:
        claim = load(session, Claim, claim_id, viewer, services.policy)
        services.policy.require_edit(viewer, "claim", claim.tree.farm_id, delete=True)
        session.delete(claim)
        session.flush()
    return Response(status_code=204)
