"""The shop's order webhook: a signed order becomes a customer (if new) and an active claim, once per order."""

from __future__ import annotations

import hashlib
import hmac
import logging
from datetime import date, datetime, time, timedelta
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel, Field, PlainValidator, ValidationError

from api.routes.claims import ClaimOut
from api.services import Services, ServicesDep
from orchard.auth import AuthError
from orchard.errors import Conflict, Invalid, Unavailable
from orchard.registry import orchards, people
from orchard.registry.models import ClaimStatus, Role

log = logging.getLogger(__name__)

router = APIRouter(prefix="/claims", tags=["shop"])

SIGNATURE_HEADER = "X-Orchard-Signature"


def _day(value: object) -> date | datetime:
    """An ISO date (2025-03-01) or date-time; a time without a zone is taken in the farm's zone."""
    text = value if isinstance(value, str) else ""
    try:
        return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{str(value)[:40]!r} is not an ISO date like 2025-03-01") from None


Day = Annotated[date | datetime, PlainValidator(_day)]


class Customer(BaseModel):
    username: str = Field(min_length=1, max_length=254)
    display_name: str = Field(default="", max_length=200)


class Order(BaseModel):
    order_id: str = Field(min_length=1, max_length=128)
    customer: Customer
    farm: str
    tree: str = Field(min_length=1, description="the tree's label on the farm, e.g. 17")
    start: Day = Field(description="first day of the claim")
    end: Day = Field(description="last day of the claim, included (a date-time: the moment it ends)")


async def signed_body(request: Request, services: ServicesDep) -> bytes:
    """The raw body, once its HMAC-SHA256 (ORCHARD_SHOP_SECRET) matches `X-Orchard-Signature: sha256=<hex>`."""
    if services.shop_secret is None:
        raise Unavailable("the shop webhook is not configured: set ORCHARD_SHOP_SECRET")
    given = request.headers.get(SIGNATURE_HEADER, "")
    if not given.startswith("sha256="):
        raise AuthError(f"the order must be signed: {SIGNATURE_HEADER}: sha256=<hex HMAC of the body>")
    body = await request.body()
    expected = hmac.new(services.shop_secret.encode(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected.encode(), given[len("sha256="):].strip().lower().encode("latin-1")):
        raise AuthError(f"the {SIGNATURE_HEADER} does not match the body")
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


def _claim_for(services: Services, order: Order) -> tuple[ClaimOut, bool]:
    """The order's claim and whether it was made now; a replayed order finds the one it made before."""
    with services.writing() as session:
        existing = people.find_claim_by_order(session, order.order_id)
        if existing is not None:
            return ClaimOut.of(existing), False
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
            raise Invalid(f"customer.username: {customer.username!r} is a {customer.role}, not a customer")
        claim = people.create_claim(session, customer, tree, starts_at, ends_at, status=ClaimStatus.ACTIVE,
                                    order_ref=order.order_id)
        return ClaimOut.of(claim), True


@router.post("/orders", status_code=201, responses={
    200: {"description": "a replayed order: the claim it made the first time"},
    401: {"description": "missing or wrong signature"},
    422: {"description": "a wrong field, or a farm or tree the registry lacks"},
    503: {"description": "ORCHARD_SHOP_SECRET is not set"}})
def receive_order(body: Annotated[bytes, Depends(signed_body)], response: Response,
                  services: ServicesDep) -> ClaimOut:
    """Turn a paid shop order into an active claim (201), creating the customer, who has no password yet.

    Idempotent on order_id: the same order again answers 200 with the claim it made.
    """
    order = parse_order(body)
    try:
        claim, created = _claim_for(services, order)
    except Conflict:  # the same order delivered twice at once: the other delivery made the claim
        with services.reading() as session:
            existing = people.find_claim_by_order(session, order.order_id)
            if existing is None:
                raise
            claim, created = ClaimOut.of(existing), False
    if created:
        log.info("order %s: claim %s on tree %s for %s", order.order_id, claim.id, claim.tree_id, claim.username)
    else:
        response.status_code = 200
    return claim
