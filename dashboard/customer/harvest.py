"""What a customer does with their tree's season besides watching: picking (picking.py) and visits (visits.py).

Each callback there finds the claim again among the viewer's own claims in force (claim_lookup.py).
"""

from __future__ import annotations

from dashboard import services
from dashboard.customer import picking, visits
from dashboard.customer.claim_lookup import my_claim
from orchard.auth.policy import Viewer


def sections(viewer: Viewer, claim_id: int, lang: str) -> list:
    """The picking and visit sections of "My tree" for a claim in force."""
    with services.get().reading() as session:
        claim = my_claim(session, viewer, claim_id)
        if claim is None:
            return []
        return [picking.section(session, claim, lang), visits.section(session, claim, lang)]
