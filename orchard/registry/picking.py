"""Cloud picking's tables: the windows a farmer opens, the customers' requests, and the photos of the fruit.

A request belongs to a claim; its ship-to address is personal data, seen only by the claim's
customer and the farmers of the tree's farm, and erased ORCHARD_ADDRESS_DAYS after delivery.
Each step (requested, picked, shipped, delivered, cancelled) keeps its time and who did it.
"""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Boolean, CheckConstraint, Date, Float, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from orchard.registry.models import SLUG, Base, Claim, Farm, Plot, _enum, utcnow


class PickingStatus(enum.StrEnum):
    REQUESTED = "requested"
    PICKED = "picked"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"  # by the customer, before it was picked


class PhotoKind(enum.StrEnum):
    TREE = "tree"  # the fruit still on the tree
    BOX = "box"  # the fruit in its box


class PickingWindow(Base):
    """Dates a farm picks for customers: its whole farm, one plot, or one variety; both days included."""

    __tablename__ = "picking_windows"
    __table_args__ = (
        CheckConstraint("closes_on >= opens_on", name="closes_after_opening"),
        CheckConstraint("max_kg IS NULL OR max_kg > 0", name="max_kg_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(String(SLUG), ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="CASCADE"), index=True)
    variety: Mapped[str | None] = mapped_column(String(100))
    opens_on: Mapped[date] = mapped_column(Date)
    closes_on: Mapped[date] = mapped_column(Date)
    max_kg: Mapped[float | None] = mapped_column(Float)  # the most one claim may ask for in this window
    note: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    farm: Mapped[Farm] = relationship()
    plot: Mapped[Plot | None] = relationship()


class PickingRequest(Base):
    """A customer's request to pick their tree's fruit and ship it (to them, or as a gift)."""

    __tablename__ = "picking_requests"
    __table_args__ = (
        CheckConstraint("quantity_kg > 0", name="quantity_positive"),
        CheckConstraint("weight_kg IS NULL OR weight_kg > 0", name="weight_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    window_id: Mapped[int] = mapped_column(ForeignKey("picking_windows.id", ondelete="RESTRICT"), index=True)
    quantity_kg: Mapped[float] = mapped_column(Float)
    status: Mapped[PickingStatus] = mapped_column(_enum(PickingStatus, "status"), default=PickingStatus.REQUESTED,
                                                  index=True)
    # Ship-to: personal data, None once erased (address_erased_at says when).
    ship_name: Mapped[str | None] = mapped_column(String(100))
    ship_phone: Mapped[str | None] = mapped_column(String(32))
    ship_province: Mapped[str | None] = mapped_column(String(50))
    ship_city: Mapped[str | None] = mapped_column(String(50))
    ship_address: Mapped[str | None] = mapped_column(Text)  # street, building, room: one or more lines
    gift: Mapped[bool] = mapped_column(Boolean, default=False)
    address_erased_at: Mapped[datetime | None] = mapped_column()
    weight_kg: Mapped[float | None] = mapped_column(Float)  # weighed when picked
    courier: Mapped[str | None] = mapped_column(String(100))
    tracking_number: Mapped[str | None] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    requested_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    picked_at: Mapped[datetime | None] = mapped_column()
    picked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shipped_at: Mapped[datetime | None] = mapped_column()
    shipped_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    delivered_at: Mapped[datetime | None] = mapped_column(index=True)
    delivered_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    cancelled_at: Mapped[datetime | None] = mapped_column()
    cancelled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    claim: Mapped[Claim] = relationship()
    window: Mapped[PickingWindow] = relationship()
    photos: Mapped[list[PickingPhoto]] = relationship(back_populates="request", passive_deletes=True,
                                                      order_by="PickingPhoto.id")


class PickingPhoto(Base):
    """A photo of a request's fruit, a file under ORCHARD_DATA_DIR/picking, served only to who sees the request."""

    __tablename__ = "picking_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("picking_requests.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PhotoKind] = mapped_column(_enum(PhotoKind, "kind"))
    path: Mapped[str] = mapped_column(String(200))  # relative to ORCHARD_DATA_DIR
    content_type: Mapped[str] = mapped_column(String(32))
    uploaded_at: Mapped[datetime] = mapped_column(default=utcnow)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    request: Mapped[PickingRequest] = relationship(back_populates="photos")
