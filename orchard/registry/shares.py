"""Public share links of a claim ("your tree this year"): unguessable, revocable, expiring."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from orchard.errors import Conflict, Invalid, NotFound
from orchard.registry.invitations import LinkEnded
from orchard.registry.models import Base, Claim, ClaimStatus, utcnow
from orchard.registry.passwords import new_secret
from orchard.registry.tokens import token_hash


class ShareLink(Base):
    """A link anyone may open to see a claim's tree card, season timelapse and care log; SHA-256 of the token."""

    __tablename__ = "share_links"
    __table_args__ = (CheckConstraint("frame_hour BETWEEN 0 AND 23", name="frame_hour"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("claims.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The timelapse's frame of each day: the one nearest this hour on the farm's clock.
    frame_hour: Mapped[int] = mapped_column(Integer, default=12)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    claim: Mapped[Claim] = relationship()


SHARE_DAYS = 90  # the default life of a share link
MAX_SHARE_DAYS = 400  # a season and a bit: a link is never forever
MAX_LINKS_PER_CLAIM = 20


def create_share(session: Session, claim: Claim, *, days: int = SHARE_DAYS, frame_hour: int = 12,
                 at: datetime | None = None) -> tuple[ShareLink, str]:
    """A new share link of `claim`; returns the row and the token (256 random bits), kept nowhere."""
    if not 1 <= days <= MAX_SHARE_DAYS:
        raise Invalid(f"days: from 1 to {MAX_SHARE_DAYS}")
    if not 0 <= frame_hour <= 23:
        raise Invalid("frame_hour: an hour of the day, 0 to 23")
    if claim.status != ClaimStatus.ACTIVE:
        raise Invalid(f"claim {claim.id} is {claim.status}: only an active claim's tree can be shared")
    at = at or utcnow()
    if len(live_shares(session, claim, at)) >= MAX_LINKS_PER_CLAIM:
        raise Conflict(f"claim {claim.id} has {MAX_LINKS_PER_CLAIM} live share links; revoke one first")
    token = new_secret()
    link = ShareLink(claim=claim, token_hash=token_hash(token), frame_hour=frame_hour, created_at=at,
                     expires_at=at + timedelta(days=days))
    session.add(link)
    session.flush()
    return link, token


def list_shares(session: Session, claim: Claim) -> list[ShareLink]:
    return list(session.scalars(select(ShareLink).where(ShareLink.claim_id == claim.id).order_by(ShareLink.id)))


def live_shares(session: Session, claim: Claim, at: datetime | None = None) -> list[ShareLink]:
    at = at or utcnow()
    return [link for link in list_shares(session, claim) if link.revoked_at is None and link.expires_at > at]


def revoke_share(session: Session, link: ShareLink, at: datetime | None = None) -> None:
    if link.revoked_at is None:
        link.revoked_at = at or utcnow()
    session.flush()


def open_share(session: Session, token: str, at: datetime | None = None) -> ShareLink:
    """The share link with this token if it still shows its tree; NotFound if unknown, LinkEnded if not."""
    link = session.scalar(select(ShareLink).where(ShareLink.token_hash == token_hash(token[:200])))
    if link is None:
        raise NotFound("there is no such share link")
    at = at or utcnow()
    if link.revoked_at is not None or link.expires_at <= at or link.claim.status != ClaimStatus.ACTIVE:
        raise LinkEnded("this share link has ended")
    return link
