"""The shop's order webhook: a signed order becomes a customer (if new) and an active claim, once per order."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import time as clock
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, PlainValidator, ValidationError
from sqlalchemy.orm import Session

from api.fields import Line, Name
from api.routes.claims import ClaimOut
from api.services import Services, ServicesDep
from api.times import check_year
from orchard.auth import AuthError
from orchard.errors import Conflict, Invalid, Unavailable
from orchard.public_links import account_path, public_link
from orchard.registry import orchards, people
from orchard.registry.invitations import LinkPurpose, issue_link
from orchard.registry.models import Claim, ClaimStatus, Role

log = logging.getLogger(__name__)

router = APIRouter(prefix="/claims", tags=["shop"])

SIGNATURE_HEADER = "X-Orchard-Signature"
TIMESTAMP_HEADER = "X-Orchard-Timestamp"
FRESH_FOR_S = 300  # a signed order older (or newer) than this is refused: replays of old orders stop here
STAMP = re.compile(r"[0-9]{1,12}")  # ASCII digits only: int() would also take other scripts' digits
ORDERS_PATH = "/claims/orders"  # authenticated by its HMAC, not a cookie; its body is capped small in api.app


def _day(value: object) -> date | datetime:
    """An ISO date (2025-03-01) or date-time; a time without a zone is taken in the farm's zone."""
    text = value if isinstance(value, str) else ""
    try:
        day = date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{str(value)[:40]!r} is not an ISO date like 2025-03-01") from None
    return check_year(day)


Day = Annotated[date | datetime, PlainValidator(_day)]


class Customer(BaseModel):
    username: Name = Field(min_length=1, max_length=254)
    display_name: Name = Field(default="", max_length=200)


class Order(BaseModel):
    order_id: Name = Field(min_length=1, max_length=128)
    customer: Customer
    farm: Line = Field(max_length=64)
    tree: Line = Field(min_length=1, max_length=32, description="the tree's label on the farm, e.g. 17")
    start: Day = Field(description="first day of the claim")
    end: Day = Field(description="last day of the claim, included (a date-time: the moment it ends)")


async def signed_body(request: Request, services: ServicesDep) -> bytes:
    """The raw body, once `X-Orchard-Signature: sha256=<hex>` is the HMAC-SHA256 (ORCHARD_SHOP_SECRET)
    of `<X-Orchard-Timestamp>.<body>` and that timestamp is within FRESH_FOR_S of now."""
    if services.shop_secret is None:
        raise Unavailable("the shop webhook is not configured: set ORCHARD_SHOP_SECRET")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not given.startswith("sha256="):
        raise AuthError(f"the order must be signed: {SIGNATURE_HEADER}: sha256=<hex HMAC of timestamp.body>")
    stamp = request.headers.get(TIMESTAMP_HEADER, "").strip()
    if not STAMP.fullmatch(stamp):
        raise AuthError(f"the order must carry {TIMESTAMP_HEADER}: <Unix seconds>, signed with the body")
    if abs(clock.time() - int(stamp)) > FRESH_FOR_S:
        raise AuthError(f"the {TIMESTAMP_HEADER} is more than {FRESH_FOR_S} s from now: an old or replayed order")
    body = await request.body()  # capped by orchard.web.BodyLimit before any byte is hashed
    expected = hmac.new(services.shop_secret.encode(), stamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given[len("sha256="):].strip().lower().encode("latin-1")):
        raise AuthError(f"the {SIGNATURE_HEADER} does not match the timestamp and body")
    return body


def parse_order(body: bytes) -> Order:
    """The order in a body; Invalid naming each wrong field."""
    try:
        return Order.model_validate_json(body)
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            where = ".".join(str(part) for part in error["loc"]) or "body"
            problems.append(f"{where}: {error['msg'].removeprefix('Value error, ')}")
        raise Invalid("; ".join(problems)) from None


def _moment(value: date | datetime, zone: ZoneInfo, *, end: bool) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=zone)
    return datetime.combine(value + timedelta(days=1) if end else value, time(0), zone)


class OrderOut(ClaimOut):
    invitation_url: str | None = Field(
        default=None, description="while the customer has no password: a single-use link (14 days) where they "
        "set one; a replayed order gets a fresh link. On ORCHARD_PUBLIC_URL, a path when that is not set")


def _invitation(services: Services, user_id: int) -> str | None:
    """A new invitation link for a customer who cannot sign in yet, else None."""
    with services.writing() as session:
        user = people.get_user(session, user_id)
        if user is None or user.password_hash or not user.active:
            return None
        _, token = issue_link(session, user, LinkPurpose.INVITE)
    return public_link(services.public_url, account_path(LinkPurpose.INVITE, token))


class OrderConflict(Conflict):
    """An order id already used by a claim that differs from this order (HTTP 409)."""


def _replayed(session: Session, order: Order, existing: Claim) -> ClaimOut:
    """The claim an order made before, if this is truly the same order; else OrderConflict."""
    zone = ZoneInfo(existing.tree.farm.timezone)
    customer = people.find_user(session, order.customer.username)
    same = (existing.tree.farm_id == order.farm and existing.tree.label == order.tree
            and customer is not None and customer.id == existing.user_id
            and existing.starts_at == _moment(order.start, zone, end=False)
            and existing.ends_at == _moment(order.end, zone, end=True))
    if not same:
        raise OrderConflict(f"order_id: {order.order_id!r} was already used by an order with another farm, "
                            "tree, customer or dates")
    return ClaimOut.of(existing)


def _claim_for(services: Services, order: Order) -> tuple[ClaimOut, bool]:
    """The order's claim and whether it was made now; a replayed order finds the one it made before."""
    with services.writing() as session:
        existing = people.find_claim_by_order(session, order.order_id)
        if existing is not None:
            return _replayed(session, order, existing), False
        farm = orchards.get_farm(session, order.farm)
        if farm is None:
            raise Invalid(f"farm: there is no farm {order.farm!r}")
        tree = orchards.find_tree(session, farm.id, order.tree)
        if tree is None:
            raise Invalid(f"tree: farm {farm.id!r} has no tree labelled {order.tree!r}")
        zone = ZoneInfo(farm.timezone)
        starts_at, ends_at = _moment(order.start, zone, end=False), _moment(order.end, zone, end=True)
        if ends_at <= starts_at:
            raise Invalid("end: must not be before start")
        customer = people.find_user(session, order.customer.username)
        if customer is None:
            customer = people.create_user(session, order.customer.username, Role.CUSTOMER,
                                          display_name=order.customer.display_name)
        elif customer.role != Role.CUSTOMER:
            # The buyer chose the name: tell the shop to pick another, not what the account is.
            raise Invalid(f"customer.username: {order.customer.username!r} is taken by an account that "
                          "cannot hold claims; the customer must choose another")
        claim = people.create_claim(session, customer, tree, starts_at, ends_at, status=ClaimStatus.ACTIVE,
                                    order_ref=order.order_id)
        return ClaimOut.of(claim), True


@router.post("/orders", status_code=201, responses={
    200: {"description": "a replayed order: the claim it made the first time"},
    401: {"description": "missing or wrong signature, or a timestamp more than 5 minutes from now"},
    409: {"description": "the order_id was used by an order with another farm, tree, customer or dates; or "
                         "another customer's active claim holds the tree for those dates (named in detail)"},
    413: {"description": "a body over 16 KB"},
    422: {"description": "a wrong field, or a farm or tree the registry lacks"},
    503: {"description": "ORCHARD_SHOP_SECRET is not set"}})
def receive_order(body: Annotated[bytes, Depends(signed_body)], response: Response,
                  services: ServicesDep) -> OrderOut:
    """Turn a paid shop order into an active claim (201), creating the customer, who has no password yet:
    `invitation_url` is where they set one.

    Idempotent on order_id: the same order again answers 200 with the claim it made; the same
    order_id with another farm, tree, customer or dates is 409.
    """
    order = parse_order(body)
    try:
        claim, created = _claim_for(services, order)
    except OrderConflict:
        raise
    except Conflict:  # the same order delivered twice at once: the other delivery made the claim
        with services.reading() as session:
            existing = people.find_claim_by_order(session, order.order_id)
            if existing is None:
                raise
            claim, created = _replayed(session, order, existing), False
    if created:
        log.info("order %s: claim %s on tree %s for %s", order.order_id, claim.id, claim.tree_id, claim.username)
    else:
        response.status_code = 200
    return OrderOut(**claim.model_dump(), invitation_url=_invitation(services, claim.user_id))
