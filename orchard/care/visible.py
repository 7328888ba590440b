"""The care log as people read it: entries with every revision, for a tree (its plot and farm too).

`claim_care_log(session, claim)` is what a claim's holder may see: the entries for the
claimed tree, its plot and its whole farm whose work happened within the claim's dates (and
not after now), each with its revisions, oldest first. Customer pages and share pages both
show this; who may ask is decided before (orchard.auth.policy), not here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session, selectinload

from orchard.care.content import Input
from orchard.registry.care_log import CareEntry, CareKind, CareRevision, Method, Scope
from orchard.registry.models import Claim, Tree, User, utcnow


@dataclass(frozen=True)
class RevisionView:
    number: int
    recorded_at: datetime
    recorded_by: str  # the person's display name (their username if they have none)
    notes: str
    material: str | None
    quantity: float | None
    unit: str | None
    method: Method | None
    inputs: tuple[Input, ...]
    reason: str | None
    photo: str | None


@dataclass(frozen=True)
class EntryView:
    id: int
    farm_id: str
    scope: Scope
    plot_id: int | None
    tree_id: int | None
    kind: CareKind
    event_at: datetime
    recorded_at: datetime
    camera_id: str | None
    revisions: tuple[RevisionView, ...]  # oldest first; the last is what the entry says now

    @property
    def current(self) -> RevisionView:
        return self.revisions[-1]

    @property
    def changed(self) -> bool:
        return len(self.revisions) > 1


def _name(user: User | None) -> str:
    return (user.display_name or user.username) if user is not None else "?"


def entry_views(session: Session, entries: list[CareEntry]) -> list[EntryView]:
    """Plain views of `entries` (their revisions and inputs loaded in two queries)."""
    ids = [entry.id for entry in entries]
    revisions: dict[int, list[CareRevision]] = {i: [] for i in ids}
    found = session.scalars(select(CareRevision).where(CareRevision.entry_id.in_(ids))
                            .options(selectinload(CareRevision.inputs)).order_by(CareRevision.number))
    for revision in found:
        revisions[revision.entry_id].append(revision)
    people = {r.recorded_by for rs in revisions.values() for r in rs}
    names = {user.id: _name(user) for user in session.scalars(select(User).where(User.id.in_(people)))}
    return [EntryView(
        id=entry.id, farm_id=entry.farm_id, scope=entry.scope, plot_id=entry.plot_id, tree_id=entry.tree_id,
        kind=entry.kind, event_at=entry.event_at, recorded_at=entry.recorded_at, camera_id=entry.camera_id,
        revisions=tuple(RevisionView(
            number=r.number, recorded_at=r.recorded_at, recorded_by=names.get(r.recorded_by, "?"), notes=r.notes,
            material=r.material, quantity=r.quantity, unit=r.unit, method=r.method, reason=r.reason, photo=r.photo,
            inputs=tuple(Input(i.product, i.dose, i.dose_unit, i.classification, i.registration, i.pre_harvest_days)
                         for i in r.inputs),
        ) for r in revisions[entry.id]),
    ) for entry in entries if revisions[entry.id]]


def about_tree(tree: Tree) -> ColumnElement[bool]:
    """SQL condition on CareEntry: it concerns `tree` (the tree itself, its plot, or its whole farm)."""
    mine = [and_(CareEntry.scope == Scope.TREE, CareEntry.tree_id == tree.id),
            and_(CareEntry.scope == Scope.FARM, CareEntry.farm_id == tree.farm_id)]
    if tree.plot_id is not None:
        mine.append(and_(CareEntry.scope == Scope.PLOT, CareEntry.plot_id == tree.plot_id))
    return or_(*mine)


def tree_care_log(session: Session, tree: Tree, start: datetime, end: datetime) -> list[EntryView]:
    """Entries about `tree` whose work happened in [start, end), newest first."""
    query = (select(CareEntry).where(about_tree(tree), CareEntry.event_at >= start, CareEntry.event_at < end)
             .order_by(CareEntry.event_at.desc(), CareEntry.id.desc()))
    return entry_views(session, list(session.scalars(query)))


def claim_care_log(session: Session, claim: Claim, now: datetime | None = None) -> list[EntryView]:
    """What the holder of `claim` sees of the care log: its tree's, plot's and farm's entries within its dates."""
    now = now or utcnow()
    return tree_care_log(session, claim.tree, claim.starts_at, min(claim.ends_at, now))


def farm_care_log(session: Session, farm_id: str, *, tree_id: int | None = None, limit: int = 200,
                  before: datetime | None = None) -> list[EntryView]:
    """A farm's entries, newest first (only those about one tree with `tree_id`), for its farmers."""
    query = select(CareEntry).where(CareEntry.farm_id == farm_id)
    if tree_id is not None:
        tree = session.get(Tree, tree_id)
        if tree is None or tree.farm_id != farm_id:
            return []
        query = query.where(about_tree(tree))
    if before is not None:
        query = query.where(CareEntry.event_at < before)
    query = query.order_by(CareEntry.event_at.desc(), CareEntry.id.desc()).limit(limit)
    return entry_views(session, list(session.scalars(query)))


def concerns(entry: CareEntry | EntryView, tree: Tree) -> bool:
    """Whether `entry` is about `tree`: the tree, its plot, or its whole farm."""
    if entry.farm_id != tree.farm_id:
        return False
    if entry.scope == Scope.TREE:
        return entry.tree_id == tree.id
    if entry.scope == Scope.PLOT:
        return tree.plot_id is not None and entry.plot_id == tree.plot_id
    return True
