"""What a customer does with their tree's season besides watching: picking (picking.py) and visits (visits.py).

The browser holds only the claim id (in "My tree"'s store); each callback finds it again among the
viewer's own claims in force, so another customer's id, or a claim that ended, reaches nothing.
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


def sections(viewer: Viewer, claim_id: int, lang: str) -> list:
    """The picking and visit sections of "My tree" for a claim in force."""
    from dashboard.customer import picking, visits

    with services.get().reading() as session:
        claim = my_claim(session, viewer, claim_id)
        if claim is None:
            return []
        return [picking.section(session, claim, lang), visits.section(session, claim, lang)]
