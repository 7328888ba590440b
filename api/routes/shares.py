"""Public share links of a claim ("your tree this year"): its customer makes, lists and revokes them; anyone
with a link reads the tree card it shows."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import ServicesDep
from api.times import UTCTime
from orchard.auth.policy import Viewer
from orchard.errors import Forbidden, NotFound
from orchard.public_links import public_link, share_path
from orchard.registry import shares
from orchard.registry.models import Claim
from orchard.registry.shares import MAX_SHARE_DAYS, SHARE_DAYS, ShareLink
from orchard.share_card import share_card

router = APIRouter(tags=["share links"])


class ShareOut(BaseModel):
    id: int
    claim_id: int
    frame_hour: int
    created_at: UTCTime
    expires_at: UTCTime
    revoked_at: UTCTime | None
    url: str | None = Field(default=None, description="only in the answer that made it: the token is not kept")

    @classmethod
    def of(cls, link: ShareLink, url: str | None = None) -> ShareOut:
        return cls(id=link.id, claim_id=link.claim_id, frame_hour=link.frame_hour, created_at=link.created_at,
                   expires_at=link.expires_at, revoked_at=link.revoked_at, url=url)


class ShareIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    days: int = Field(default=SHARE_DAYS, ge=1, le=MAX_SHARE_DAYS, description="how long the link works")
    frame_hour: int = Field(default=12, ge=0, le=23, description="the timelapse's hour of each day, farm time")


class SharedTree(BaseModel):
    """What a share link shows: no customer, order, coordinates or live camera."""

    farm_name: str
    tree_label: str
    variety: str | None
    plot: str | None
    planted_on: date | None
    season_start: date
    season_end: date
    timezone: str
    frame_hour: int
    expires_at: UTCTime


def _claim_for_shares(session: Session, claim_id: int, viewer: Viewer, services, *, make: bool = False) -> Claim:
    claim = load(session, Claim, claim_id, viewer, services.policy)
    allowed = services.policy.owns(viewer, claim.user_id) if make else \
        services.policy.manages_shares(viewer, claim.user_id)
    if not allowed:
        raise Forbidden("only the claim's customer shares their tree")
    return claim


@router.get("/claims/{claim_id}/shares")
def list_shares(claim_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> list[ShareOut]:
    """A claim's share links, revoked and expired ones too (its customer, and admins)."""
    with services.reading() as session:
        claim = _claim_for_shares(session, claim_id, viewer, services)
        return [ShareOut.of(link) for link in shares.list_shares(session, claim)]


@router.post("/claims/{claim_id}/shares", status_code=201)
def create_share(claim_id: Int64, body: ShareIn, viewer: CurrentViewer, services: ServicesDep) -> ShareOut:
    """A new public link to the claim's tree card, season timelapse and care log; its url is shown once."""
    with services.writing() as session:
        claim = _claim_for_shares(session, claim_id, viewer, services, make=True)
        link, token = shares.create_share(session, claim, days=body.days, frame_hour=body.frame_hour)
        return ShareOut.of(link, public_link(services.public_url, share_path(token)))


@router.delete("/shares/{share_id}", status_code=204)
def revoke_share(share_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """End a share link at once (its customer, and admins)."""
    with services.writing() as session:
        link = session.get(ShareLink, share_id)
        if link is None or not services.policy.sees_claim(viewer, link.claim.user_id, link.claim.tree.farm_id):
            raise NotFound(f"no share link {share_id}")
        _claim_for_shares(session, link.claim_id, viewer, services)
        shares.revoke_share(session, link)
    return Response(status_code=204)


@router.get("/shared/{token}", responses={404: {"description": "no such link"},
                                          410: {"description": "the link was revoked or has expired"}})
def read_shared(token: str, services: ServicesDep) -> SharedTree:
    """The tree card a share link shows; no login (the link is the credential)."""
    with services.reading() as session:
        card = share_card(shares.open_share(session, token))
    return SharedTree(farm_name=card.farm_name, tree_label=card.tree_label, variety=card.variety, plot=card.plot,
                      planted_on=card.planted_on, season_start=card.season_start, season_end=card.season_end,
                      timezone=card.timezone, frame_hour=card.frame_hour, expires_at=card.expires_at)
