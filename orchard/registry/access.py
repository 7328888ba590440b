"""Who may see which trees and cameras, and for which dates: deny unless a rule allows.

Admins see everything; farmers see the trees and cameras of their farms; customers see
a tree (and every camera that has it in view) while they hold a claim on it that is
active and has start <= at < end. Inactive users see nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Select, and_, func, select
from sqlalchemy.orm import Session

from orchard.registry.models import (
    Camera,
    Claim,
    ClaimStatus,
    Device,
    Role,
    Tree,
    User,
    camera_trees,
    user_farms,
    utcnow,
)

# The window of someone who may see a tree at any time: bounds, not None, so callers can clip with max/min.
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FOREVER = datetime(9999, 12, 31, tzinfo=UTC)


class Window(NamedTuple):
    """The times [start, end) whose readings and snapshots of a tree someone may see."""

    start: datetime
    end: datetime


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return utcnow()
    if at.tzinfo is None:
        raise ValueError(f"naive datetime {at!r}: pass a timezone-aware time")
    return at


def in_force(at: datetime | None = None) -> ColumnElement[bool]:
    """SQL condition on Claim: active and starts_at <= at < ends_at (now if None), the one rule of who holds a tree."""
    at = _moment(at)
    return and_(Claim.status == ClaimStatus.ACTIVE, Claim.starts_at <= at, Claim.ends_at > at)


def _claims_in_force(user: User, at: datetime) -> Select[Claim]:
    return select(Claim).where(Claim.user_id == user.id, in_force(at))


def _farms_of(user: User) -> Select[tuple[str]]:
    return select(user_farms.c.farm_id).where(user_farms.c.user_id == user.id)


def active_claims(session: Session, user: User, at: datetime | None = None) -> list[Claim]:
    """The user's claims that are active and cover `at` (now if None)."""
    if not user.active:
        return []
    query = _claims_in_force(user, _moment(at)).order_by(Claim.starts_at, Claim.id)
    return list(session.scalars(query))


def visible_tree_ids(session: Session, user: User, at: datetime | None = None) -> set[int]:
    """Ids of the trees the user may see at `at` (now if None)."""
    at = _moment(at)
    if not user.active:
        return set()
    if user.role == Role.ADMIN:
        query = select(Tree.id)
    elif user.role == Role.FARMER:
        query = select(Tree.id).where(Tree.farm_id.in_(_farms_of(user)))
    else:
        query = _claims_in_force(user, at).with_only_columns(Claim.tree_id)
    return set(session.scalars(query))


def claim_window(session: Session, user: User, tree: Tree | int, at: datetime | None = None) -> Window | None:
    """The window of a tree's readings and snapshots the user may see at `at`; None if none.

    A customer gets the span of their claims on the tree that are in force at `at`;
    an admin, or a farmer of the tree's farm, gets (EPOCH, FOREVER).
    """
    at = _moment(at)
    tree_id = tree if isinstance(tree, int) else tree.id
    if not user.active:
        return None
    if user.role == Role.ADMIN:
        found = session.get(Tree, tree_id) is not None
        return Window(EPOCH, FOREVER) if found else None
    if user.role == Role.FARMER:
        query = select(Tree.id).where(Tree.id == tree_id, Tree.farm_id.in_(_farms_of(user)))
        return Window(EPOCH, FOREVER) if session.scalar(query) is not None else None
    in_force = _claims_in_force(user, at).where(Claim.tree_id == tree_id).subquery()
    start, end = session.execute(select(func.min(in_force.c.starts_at), func.max(in_force.c.ends_at))).one()
    return None if start is None else Window(start, end)


def cameras_visible_to(session: Session, user: User, at: datetime | None = None) -> list[Camera]:
    """The cameras the user may watch at `at`, by id: a customer's are those seeing any tree they claim."""
    at = _moment(at)
    if not user.active:
        return []
    query = select(Camera).order_by(Camera.id)
    if user.role == Role.FARMER:
        query = query.join(Camera.device).where(Device.farm_id.in_(_farms_of(user)))
    elif user.role == Role.CUSTOMER:
        claimed = _claims_in_force(user, at).with_only_columns(Claim.tree_id)
        seeing = select(camera_trees.c.camera_id).where(camera_trees.c.tree_id.in_(claimed))
        query = query.where(Camera.id.in_(seeing))
    elif user.role != Role.ADMIN:
        return []
    return list(session.scalars(query))

