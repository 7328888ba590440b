"""Which care-log entries a viewer may read, asked of the one policy.

Staff (admins, a farm's farmers) read their farms' whole log. A customer reads, for each
tree they hold a claim on now, the entries about that tree, its plot and its farm whose work
happened within the claim's dates; nobody else reads anything.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.auth.policy import EVERYTHING, Policy, Viewer
from orchard.care.visible import EntryView, entry_views, farm_care_log, tree_care_log
from orchard.registry.care_log import CareEntry
from orchard.registry.models import Farm, Role, Tree, utcnow


def _staff(viewer: Viewer) -> bool:
    return viewer.role in (Role.ADMIN, Role.FARMER)


def customer_entries(session: Session, policy: Policy, viewer: Viewer, *, tree_id: int | None = None,
                     now: datetime | None = None) -> list[EntryView]:
    """A customer's entries: about the trees of their claims in force, within the claims' dates, newest first."""
    now = now or utcnow()
    trees = policy.tree_ids(viewer)
    if trees is EVERYTHING or viewer.role != Role.CUSTOMER:
        return []
    found: dict[int, EntryView] = {}
    for tid in sorted(trees if tree_id is None else trees & {tree_id}):
        window = policy.readings_window(viewer, tid)
        tree = session.get(Tree, tid)
        if window is None or tree is None:
            continue
        for entry in tree_care_log(session, tree, window.start, min(window.end, now)):
            found[entry.id] = entry
    return sorted(found.values(), key=lambda e: (e.event_at, e.id), reverse=True)


def entries_seen_by(session: Session, policy: Policy, viewer: Viewer, *, farm_id: str | None = None,
                    tree_id: int | None = None, limit: int = 200, now: datetime | None = None) -> list[EntryView]:
    """The entries `viewer` may read, newest first (of one farm, or about one tree, when asked)."""
    if not _staff(viewer):
        mine = customer_entries(session, policy, viewer, tree_id=tree_id, now=now)
        return [e for e in mine if farm_id is None or e.farm_id == farm_id][:limit]
    if tree_id is not None:
        tree = session.get(Tree, tree_id)
        if tree is None or not policy.sees_farm(viewer, tree.farm_id) or farm_id not in (None, tree.farm_id):
            return []
        return farm_care_log(session, tree.farm_id, tree_id=tree_id, limit=limit)
    farms = [farm_id] if farm_id is not None else list(session.scalars(select(Farm.id).order_by(Farm.id)))
    entries: list[EntryView] = []
    for farm in farms:
        if policy.sees_farm(viewer, farm):
            entries += farm_care_log(session, farm, limit=limit)
    return sorted(entries, key=lambda e: (e.event_at, e.id), reverse=True)[:limit]


def entry_seen_by(session: Session, policy: Policy, viewer: Viewer, entry_id: int,
                  now: datetime | None = None) -> EntryView | None:
    """One entry if `viewer` may read it, else None (whether or not it exists)."""
    entry = session.get(CareEntry, entry_id)
    if entry is None:
        return None
    if _staff(viewer):
        return entry_views(session, [entry])[0] if policy.sees_farm(viewer, entry.farm_id) else None
    return next((e for e in customer_entries(session, policy, viewer, now=now) if e.id == entry_id), None)
