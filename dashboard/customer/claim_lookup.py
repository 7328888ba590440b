"""The customer's own claim in force that "My tree" shows, found again on every use.

The browser holds only the claim id (in "My tree"'s store); another customer's id, or a claim that
ended, finds nothing.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import services
from orchard.auth.policy import Viewer
from orchard.registry.access import in_force
from orchard.registry.models import Claim


def my_claim(session: Session, viewer: Viewer, memo: object) -> Claim | None:
    """The viewer's own claim in force that "My tree" shows (its store's `claim`), else None."""
    wanted = memo.get("claim") if isinstance(memo, dict) else memo
    try:
        claim_id = int(str(wanted))
    except ValueError:
        return None
    claim = session.scalar(select(Claim).where(Claim.id == claim_id, in_force()))
    policy = services.get().policy
    if claim is None or claim.user_id != viewer.user_id or \
            not policy.sees_claim(viewer, claim.user_id, claim.tree.farm_id):
        return None
    return claim
