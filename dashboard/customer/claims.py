"""A customer's claims as "My tree" shows them: which tree, its state, days left or until start.

Who may see what stays with `orchard/auth`'s policy: the claim rows come from the registry
and are kept only if `policy.sees_claim` allows; a claim is in force only when the policy
grants a readings window on its tree that covers it. This module only names the state.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from orchard.auth.policy import Policy, Viewer
from orchard.registry import people
from orchard.registry.access import Window
from orchard.registry.models import Claim, ClaimStatus

DAY = timedelta(days=1)


class ClaimState(enum.StrEnum):
    NOT_STARTED = "not_started"
    IN_FORCE = "in_force"
    NO_DATA = "no_data"  # in force, but the tree has sent nothing yet within the claim
    ENDED = "ended"


# In force first (the tree to show), then those to come, then the past; newest first within each.
ORDER = {ClaimState.IN_FORCE: 0, ClaimState.NO_DATA: 0, ClaimState.NOT_STARTED: 1, ClaimState.ENDED: 2}


@dataclass(frozen=True)
class TreeClaim:
    """One claim and the tree it is on, as plain values (safe outside the registry session)."""

    claim_id: int
    tree_id: int
    tree_label: str
    variety: str | None
    planted_on: date | None
    farm_id: str
    farm_name: str
    location: str | None  # the village, as the registry has it
    timezone: str
    cameras: tuple[str, ...]
    starts_at: datetime
    ends_at: datetime
    state: ClaimState
    days_left: int | None  # whole days until it ends (counting a started day), while it is in force
    days_until_start: int | None
    window: Window | None  # the span of readings and snapshots the policy grants now, clipped to this claim

    @property
    def live(self) -> bool:
        return self.state in (ClaimState.IN_FORCE, ClaimState.NO_DATA)


def _whole_days(span: timedelta) -> int:
    return max(0, math.ceil(span / DAY))


def claim_state(starts_at: datetime, ends_at: datetime, window: Window | None, has_data: bool,
                now: datetime) -> tuple[ClaimState, int | None, int | None]:
    """The state of a claim, its days left and days until start, from the policy's window on its tree."""
    granted = window is not None and window.start <= starts_at and ends_at <= window.end
    if granted and starts_at <= now < ends_at:
        state = ClaimState.IN_FORCE if has_data else ClaimState.NO_DATA
        return state, _whole_days(ends_at - now), None
    if now < starts_at:
        return ClaimState.NOT_STARTED, None, _whole_days(starts_at - now)
    return ClaimState.ENDED, None, None


def _row(claim: Claim, policy: Policy, viewer: Viewer, now: datetime,
         has_data: Callable[[int, str, Window], bool]) -> TreeClaim:
    tree, farm = claim.tree, claim.tree.farm
    window = policy.readings_window(viewer, tree.id)
    clipped = None
    if window is not None and window.start <= claim.starts_at and claim.ends_at <= window.end:
        clipped = Window(claim.starts_at, claim.ends_at)
    data = clipped is not None and has_data(tree.id, farm.id, clipped)
    state, left, until = claim_state(claim.starts_at, claim.ends_at, window, data, now)
    return TreeClaim(
        claim_id=claim.id, tree_id=tree.id, tree_label=tree.label, variety=tree.variety,
        planted_on=tree.planted_on, farm_id=farm.id, farm_name=farm.name, location=farm.location,
        timezone=farm.timezone, cameras=tuple(c.id for c in tree.cameras), starts_at=claim.starts_at,
        ends_at=claim.ends_at, state=state, days_left=left, days_until_start=until,
        window=clipped if state in (ClaimState.IN_FORCE, ClaimState.NO_DATA) else None,
    )


def customer_claims(session: Session, policy: Policy, viewer: Viewer, now: datetime,
                    has_data: Callable[[int, str, Window], bool]) -> list[TreeClaim]:
    """The viewer's own claims (cancelled ones left out), in force first.

    `has_data(tree_id, farm_id, window)` says whether the tree has sent anything inside the window.
    """
    if viewer.user_id is None:
        return []
    rows = [claim for claim in people.list_claims(session, user_id=viewer.user_id)
            if claim.status != ClaimStatus.CANCELLED
            and policy.sees_claim(viewer, claim.user_id, claim.tree.farm_id)]
    found = [_row(claim, policy, viewer, now, has_data) for claim in rows]
    return sorted(found, key=lambda c: (ORDER[c.state], -c.starts_at.timestamp(), c.claim_id))


def find(claims: list[TreeClaim], claim_id: object) -> TreeClaim | None:
    """The viewer's claim with this id, or None: ids from the browser are looked up, never trusted."""
    return next((c for c in claims if type(claim_id) is int and c.claim_id == claim_id), None)
