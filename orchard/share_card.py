"""What a public share link shows: the tree card and the season, never who claimed it or where exactly."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from orchard.registry.shares import ShareLink


@dataclass(frozen=True)
class ShareCard:
    """A claimed tree as a stranger may see it: no customer, order, coordinates or live camera."""

    farm_name: str
    tree_label: str
    variety: str | None
    plot: str | None
    planted_on: date | None
    season_start: date  # the claim's first and last day on the farm's clock
    season_end: date
    timezone: str
    frame_hour: int
    camera_ids: tuple[str, ...]
    claim_id: int
    starts_at: datetime
    ends_at: datetime
    expires_at: datetime


def share_card(link: ShareLink) -> ShareCard:
    """The card of a share link's claim (load it inside the session that found the link)."""
    claim, tree = link.claim, link.claim.tree
    zone = ZoneInfo(tree.farm.timezone)
    return ShareCard(
        farm_name=tree.farm.name, tree_label=tree.label, variety=tree.variety,
        plot=tree.plot.name if tree.plot is not None else None, planted_on=tree.planted_on,
        season_start=claim.starts_at.astimezone(zone).date(),
        season_end=(claim.ends_at - timedelta(microseconds=1)).astimezone(zone).date(),
        timezone=tree.farm.timezone, frame_hour=link.frame_hour,
        camera_ids=tuple(camera.id for camera in tree.cameras), claim_id=claim.id,
        starts_at=claim.starts_at, ends_at=claim.ends_at, expires_at=link.expires_at,
    )
