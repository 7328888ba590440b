"""Invitation and password-reset links: single-use, expiring; only the SHA-256 of the token is kept."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String, select, update
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from orchard.errors import Invalid, NotFound
from orchard.registry.models import Base, User, _enum, utcnow
from orchard.registry.passwords import new_secret
from orchard.registry.people import set_password
from orchard.registry.tokens import token_hash


class LinkEnded(NotFound):
    """A link that was good once and is no more: used, expired, revoked (HTTP 410 Gone)."""

    status_code = 410


class LinkPurpose(enum.StrEnum):
    INVITE = "invite"  # a new account sets its first password
    RESET = "reset"  # an existing account sets a new one


class AccountLink(Base):
    """A link that lets its holder set a user's password once, before `expires_at`."""

    __tablename__ = "account_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[LinkPurpose] = mapped_column(_enum(LinkPurpose, "purpose"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    used_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship()


INVITE_DAYS = 14  # a new customer may take a while to open the shop's message
RESET_HOURS = 24
PASSWORD_MIN, PASSWORD_MAX = 8, 1024  # as the API's user routes


def check_new_password(password: str) -> str:
    """The password if it follows the rules for people's passwords; Invalid naming the rule otherwise."""
    if len(password) < PASSWORD_MIN:
        raise Invalid(f"password: at least {PASSWORD_MIN} characters")
    if len(password) > PASSWORD_MAX:
        raise Invalid(f"password: at most {PASSWORD_MAX} characters")
    return password


def issue_link(session: Session, user: User, purpose: LinkPurpose | str, *, valid_for: timedelta | None = None,
               at: datetime | None = None) -> tuple[AccountLink, str]:
    """A new link for `user`; returns the row and the token (≥ 256 random bits), which is kept nowhere."""
    purpose = LinkPurpose(purpose)
    if not user.active:
        raise Invalid(f"{user.username!r} is deactivated; activate the account first")
    at = at or utcnow()
    if valid_for is None:
        valid_for = timedelta(days=INVITE_DAYS) if purpose == LinkPurpose.INVITE else timedelta(hours=RESET_HOURS)
    token = new_secret()
    link = AccountLink(purpose=purpose, user=user, token_hash=token_hash(token), created_at=at,
                       expires_at=at + valid_for)
    session.add(link)
    session.flush()
    return link, token


def find_link(session: Session, token: str, purpose: LinkPurpose | str, at: datetime | None = None) -> AccountLink:
    """The usable link with this token; NotFound if there is none, LinkEnded if used or expired."""
    link = session.scalar(select(AccountLink).where(AccountLink.token_hash == token_hash(token[:200])))
    if link is None or link.purpose != LinkPurpose(purpose):
        raise NotFound("this link is not valid: check that it was copied whole")
    if link.used_at is not None:
        raise LinkEnded("this link was already used; ask for a new one")
    if link.expires_at <= (at or utcnow()) or not link.user.active:
        raise LinkEnded("this link has expired; ask for a new one")
    return link


def redeem_link(session: Session, token: str, purpose: LinkPurpose | str, password: str,
                at: datetime | None = None) -> User:
    """Set the password the link is for and use the link up, in the caller's transaction.

    The new password ends the user's sessions and tokens (credential generation moves on).
    """
    check_new_password(password)
    link = find_link(session, token, purpose, at)
    # Claimed first with a conditional UPDATE, so two requests with one token cannot both set a password.
    taken = session.execute(update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
                            .values(used_at=at or utcnow()))
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise LinkEnded("this link was already used; ask for a new one")
    set_password(session, link.user, password)
    return link.user
