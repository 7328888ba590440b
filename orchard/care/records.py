"""Recording care: a new entry with its first revision, and corrections as further revisions.

Only inserts: the registry's before-flush check (orchard.registry.care_log) refuses any
change or deletion of a care row, so a slip here fails loudly instead of rewriting history.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from orchard.care.content import Content, check_content
from orchard.errors import Invalid, NotFound
from orchard.registry.care_log import CareEntry, CareInput, CareKind, CareRevision, Scope
from orchard.registry.models import Farm, Plot, Tree, utcnow

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead is not "the future"
FIRST_YEAR = 2000


def check_event_time(event_at: datetime, now: datetime) -> datetime:
    """`event_at` if it is not in the future (beyond CLOCK_SKEW) nor before FIRST_YEAR; else Invalid."""
    if event_at.tzinfo is None:
        raise Invalid("event time: give the time with its zone (2026-06-01T08:00:00+08:00)")
    if event_at > now + CLOCK_SKEW:
        raise Invalid("event time: is in the future; record work once it is done")
    if event_at.year < FIRST_YEAR:
        raise Invalid(f"event time: must be in {FIRST_YEAR} or later")
    return event_at


def _place(session: Session, farm_id: str, scope: Scope, plot_id: int | None,
           tree_id: int | None) -> tuple[int | None, int | None, str | None]:
    """(plot_id, tree_id, camera_id) of an entry's place, checked to be on `farm_id`."""
    if session.get(Farm, farm_id) is None:
        raise NotFound(f"no farm {farm_id!r}")
    if scope == Scope.TREE:
        tree = session.get(Tree, tree_id) if tree_id is not None else None
        if tree is None or tree.farm_id != farm_id:
            raise NotFound(f"no tree {tree_id!r} on farm {farm_id!r}")
        return None, tree.id, tree.cameras[0].id if tree.cameras else None
    if tree_id is not None:
        raise Invalid("tree_id: only an entry for one tree names a tree")
    if scope == Scope.PLOT:
        plot = session.get(Plot, plot_id) if plot_id is not None else None
        if plot is None or plot.farm_id != farm_id:
            raise NotFound(f"no plot {plot_id!r} on farm {farm_id!r}")
        return plot.id, None, None
    if plot_id is not None:
        raise Invalid("plot_id: a farm-wide entry names no plot")
    return None, None, None


def _add_revision(session: Session, entry: CareEntry, number: int, by: int, content: Content,
                  now: datetime) -> CareRevision:
    revision = CareRevision(entry_id=entry.id, number=number, recorded_at=now, recorded_by=by,
                            notes=content.notes, material=content.material, quantity=content.quantity,
                            unit=content.unit, method=content.method, reason=content.reason, photo=content.photo)
    session.add(revision)
    session.flush()
    session.add_all(CareInput(revision_id=revision.id, product=i.product, registration=i.registration, dose=i.dose,
                              dose_unit=i.dose_unit, pre_harvest_days=i.pre_harvest_days,
                              classification=i.classification) for i in content.inputs)
    session.flush()
    return revision


def record_entry(session: Session, *, farm_id: str, scope: Scope | str, kind: CareKind | str,
                 event_at: datetime, by: int, content: Content, plot_id: int | None = None,
                 tree_id: int | None = None, now: datetime | None = None) -> CareEntry:
    """A new entry and its first revision; Invalid or NotFound (nothing written) for bad input."""
    now = now or utcnow()
    try:
        scope = Scope(scope)
    except ValueError:
        raise Invalid(f"scope: one of {', '.join(Scope)}") from None
    content = check_content(kind, content)
    check_event_time(event_at, now)
    plot_id, tree_id, camera_id = _place(session, farm_id, scope, plot_id, tree_id)
    entry = CareEntry(farm_id=farm_id, scope=scope, plot_id=plot_id, tree_id=tree_id, kind=CareKind(kind),
                      event_at=event_at, recorded_at=now, recorded_by=by, camera_id=camera_id)
    session.add(entry)
    session.flush()
    _add_revision(session, entry, 1, by, content, now)
    return entry


def correct_entry(session: Session, entry: CareEntry, *, by: int, content: Content,
                  now: datetime | None = None) -> CareRevision:
    """A correction: the entry's next revision, holding its full new content."""
    now = now or utcnow()
    content = check_content(entry.kind, content)
    latest = session.scalar(select(func.max(CareRevision.number)).where(CareRevision.entry_id == entry.id)) or 0
    revision = _add_revision(session, entry, latest + 1, by, content, now)
    session.expire(entry, ["revisions"])
    return revision
