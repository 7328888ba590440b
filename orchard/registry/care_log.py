"""The care log's tables: what farmers did to a tree, a plot or the whole farm, append-only.

An entry says where (farm, plot or tree), what kind of work and when it happened; what was
done is in its revisions. A correction adds a revision: nothing is updated or deleted in
place (`orchard.care.records` only inserts, and a flush that would change or delete a care
row is refused), so a customer can see that an entry changed and what it said before.
"""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint, event
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from orchard.registry.models import SLUG, Base, _enum, utcnow


class Scope(enum.StrEnum):
    TREE = "tree"
    PLOT = "plot"
    FARM = "farm"


class CareKind(enum.StrEnum):
    WATERING = "watering"
    PRUNING = "pruning"
    FERTILISING = "fertilising"
    PEST_CONTROL = "pest_control"
    INSPECTION = "inspection"
    HARVEST = "harvest"


class Method(enum.StrEnum):
    """How pests or diseases were fought."""

    BY_HAND = "by_hand"
    TRAPS = "traps"
    BIOLOGICAL = "biological"
    CHEMICAL = "chemical"


class InputClass(enum.StrEnum):
    """What a product applied is: the promise panel counts the synthetic ones."""

    SYNTHETIC = "synthetic"
    ORGANIC = "organic"  # allowed in organic farming (copper, sulphur, plant oils)
    BIOLOGICAL = "biological"  # living organisms or their products (Bt, predatory mites)


class CareEntry(Base):
    """One operation: where, what kind, when it happened and when and by whom it was first recorded."""

    __tablename__ = "care_entries"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    scope: Mapped[Scope] = mapped_column(_enum(Scope, "care_scope"))
    # RESTRICT: the log is evidence; a plot or tree with a care log is not deleted from under it.
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="RESTRICT"), index=True)
    tree_id: Mapped[int | None] = mapped_column(ForeignKey("trees.id", ondelete="RESTRICT"), index=True)
    kind: Mapped[CareKind] = mapped_column(_enum(CareKind, "care_kind"))
    event_at: Mapped[datetime] = mapped_column(index=True)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    # The tree's camera when the entry was made: its archived snapshot nearest event_at shows the work.
    camera_id: Mapped[str | None] = mapped_column(String(SLUG))

    revisions: Mapped[list[CareRevision]] = relationship(back_populates="entry", passive_deletes=True,
                                                         order_by="CareRevision.number")


class CareRevision(Base):
    """The full content of an entry as recorded at `recorded_at`; the highest number is current."""

    __tablename__ = "care_revisions"
    __table_args__ = (UniqueConstraint("entry_id", "number"), {"sqlite_autoincrement": True})

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("care_entries.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)  # 1 for the first recording, then 2, 3, ...
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)
    recorded_by: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    notes: Mapped[str] = mapped_column(Text, default="")
    material: Mapped[str | None] = mapped_column(String(200))  # what: a fertiliser, a variety of trap
    quantity: Mapped[float | None] = mapped_column(Float)  # how much (water, fertiliser, harvest)
    unit: Mapped[str | None] = mapped_column(String(16))
    method: Mapped[Method | None] = mapped_column(_enum(Method, "care_method"))
    reason: Mapped[str | None] = mapped_column(String(500))  # why it was corrected (revisions after the first)
    photo: Mapped[str | None] = mapped_column(String(200))  # a path under ORCHARD_DATA_DIR

    entry: Mapped[CareEntry] = relationship(back_populates="revisions")
    inputs: Mapped[list[CareInput]] = relationship(back_populates="revision", passive_deletes=True,
                                                   order_by="CareInput.id")


class CareInput(Base):
    """A product applied in a pest or disease control: name, registration, dose, pre-harvest interval."""

    __tablename__ = "care_inputs"
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    revision_id: Mapped[int] = mapped_column(ForeignKey("care_revisions.id", ondelete="CASCADE"), index=True)
    product: Mapped[str] = mapped_column(String(200))
    registration: Mapped[str | None] = mapped_column(String(32))  # China's pesticide registration: PD20080001
    dose: Mapped[float] = mapped_column(Float)
    dose_unit: Mapped[str] = mapped_column(String(16))
    pre_harvest_days: Mapped[int | None] = mapped_column(Integer)
    classification: Mapped[InputClass] = mapped_column(_enum(InputClass, "input_class"))

    revision: Mapped[CareRevision] = relationship(back_populates="inputs")


APPEND_ONLY = (CareEntry, CareRevision, CareInput)


class AppendOnly(RuntimeError):
    """A care-log row was about to be changed or deleted in place: a bug, never a user's mistake."""


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, _context: object, _instances: object) -> None:
    for row in (*session.dirty, *session.deleted):
        if isinstance(row, APPEND_ONLY) and (row in session.deleted or session.is_modified(row)):
            raise AppendOnly(f"the care log is append-only: {type(row).__name__} {row.id} may not change")
