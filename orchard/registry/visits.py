"""Field visits' tables: the slots a farm publishes and the customers' bookings of them.

A slot's times are wall-clock times on the farm's clock (Farm.timezone). `booked` counts the
seats of its bookings not cancelled; it only moves through a conditional UPDATE
(orchard.registry.visit_bookings), and a CHECK keeps it within capacity, so a slot is never
oversold, even when many book at once.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchard.registry.models import SLUG, Base, Claim, Farm, User, utcnow


class VisitSlot(Base):
    """A time a farm receives visitors on a day, for up to `capacity` people."""

    __tablename__ = "visit_slots"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("booked >= 0 AND booked <= capacity", name="booked_within_capacity"),
        CheckConstraint("ends > starts", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(String(SLUG), ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    day: Mapped[date] = mapped_column(Date, index=True)
    starts: Mapped[time] = mapped_column(Time)  # on the farm's clock
    ends: Mapped[time] = mapped_column(Time)
    capacity: Mapped[int] = mapped_column(Integer)
    booked: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    farm: Mapped[Farm] = relationship()
    bookings: Mapped[list[VisitBooking]] = relationship(back_populates="slot", passive_deletes=True,
                                                        order_by="VisitBooking.id")


class VisitBooking(Base):
    """A customer's booking of seats in a slot, through one of their claims; cancelled ones are kept."""

    __tablename__ = "visit_bookings"
    __table_args__ = (CheckConstraint("party_size > 0", name="party_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("visit_slots.id", ondelete="CASCADE"), index=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    party_size: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column()

    slot: Mapped[VisitSlot] = relationship(back_populates="bookings")
    claim: Mapped[Claim] = relationship()
    user: Mapped[User] = relationship()
