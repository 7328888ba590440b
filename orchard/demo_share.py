"""The demo's links: a share link of the demo customer's tree and an invitation for a new customer.

Only a token's hash is kept, so each start makes fresh links (ending the previous start's share link).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from orchard.public_links import account_path, share_path
from orchard.registry import invitations, people, shares
from orchard.registry.models import Claim, Role

SHARED_ORDER = "DEMO-1"  # `customer`'s season on tree 1 (orchard/demo_orchard.py)
NEWCOMER = "newcomer"  # a customer the shop just created: no password until they open the invitation


def links(sessions: sessionmaker[Session]) -> dict[str, str]:
    """Paths of a fresh share link ("share") and, while the newcomer has no password, an invitation ("invite")."""
    made: dict[str, str] = {}
    with sessions.begin() as session:
        claim = session.scalar(select(Claim).where(Claim.order_ref == SHARED_ORDER))
        if claim is not None:
            for old in shares.live_shares(session, claim):
                shares.revoke_share(session, old)
            made["share"] = share_path(shares.create_share(session, claim, days=30)[1])
        newcomer = people.find_user(session, NEWCOMER) or people.create_user(
            session, NEWCOMER, Role.CUSTOMER, display_name="New customer")
        if not newcomer.password_hash:
            made["invite"] = account_path("invite", invitations.issue_link(session, newcomer, "invite")[1])
    return made
