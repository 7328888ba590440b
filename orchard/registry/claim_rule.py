"""One customer per tree at a time: a tree's active claims of different customers must not overlap in time,
unless its farm allows shared trees (`Farm.shared_trees`).

Checked here first, to name the claim in the way; enforced by the database as well (triggers made by
migration 0006, on SQLite and PostgreSQL), so two orders racing for one tree cannot both win. Overlap,
not mere status, because a tree is sold season by season: next year's claim may be made while this
year's is active. A customer's own claims may overlap (a renewal joins the season it extends).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Conflict
from orchard.registry.models import Claim, ClaimStatus, Farm, Tree

TRIGGER_WORDS = "one customer per tree"  # in the database's refusal; orchard.registry.db reads it


class TreeTaken(Conflict):
    """Another customer's active claim holds the tree for some of these dates (HTTP 409)."""

    def __init__(self, tree: Tree, holder: Claim) -> None:
        self.tree, self.holder = tree, holder
        order = f"order {holder.order_ref!r}" if holder.order_ref else f"claim {holder.id}"
        super().__init__(f"tree {tree.label!r} of farm {tree.farm_id!r} is already claimed by {order} from "
                         f"{holder.starts_at:%Y-%m-%d} until {holder.ends_at:%Y-%m-%d}")


def holder_in_the_way(session: Session, tree: Tree, user_id: int | None, starts_at: datetime, ends_at: datetime,
                      *, ignore_claim: int | None = None) -> Claim | None:
    """Another customer's active claim on `tree` overlapping [starts_at, ends_at), if the farm forbids it."""
    if tree.farm.shared_trees:
        return None
    query = (select(Claim).where(Claim.tree_id == tree.id, Claim.status == ClaimStatus.ACTIVE,
                                 Claim.starts_at < ends_at, Claim.ends_at > starts_at)
             .order_by(Claim.starts_at, Claim.id).limit(1))
    if user_id is not None:
        query = query.where(Claim.user_id != user_id)
    if ignore_claim is not None:
        query = query.where(Claim.id != ignore_claim)
    return session.scalar(query)


def check_tree_free(session: Session, claim: Claim) -> None:
    """TreeTaken if `claim`, were it active, would share its tree with another customer's active claim."""
    if claim.status != ClaimStatus.ACTIVE:
        return
    with session.no_autoflush:  # else the pending change reaches the database's trigger before this check
        holder = holder_in_the_way(session, claim.tree, claim.user_id or claim.user.id,
                                   claim.starts_at, claim.ends_at, ignore_claim=claim.id)
    if holder is not None:
        raise TreeTaken(claim.tree, holder)


def shared_now(session: Session, farm: Farm) -> list[tuple[Claim, Claim]]:
    """Pairs of different customers' overlapping active claims on one tree of `farm` (empty: it may stop sharing)."""
    claims = list(session.scalars(select(Claim).join(Tree).where(Tree.farm_id == farm.id,
                                                                 Claim.status == ClaimStatus.ACTIVE)
                                  .order_by(Claim.tree_id, Claim.starts_at, Claim.id)))
    pairs = []
    for index, first in enumerate(claims):
        for second in claims[index + 1:]:
            if second.tree_id != first.tree_id or second.starts_at >= first.ends_at:
                break
            if second.user_id != first.user_id:
                pairs.append((first, second))
    return pairs
