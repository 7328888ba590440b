"""API tokens: the plaintext is shown once at creation; only its SHA-256 is stored."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.registry.models import ApiToken, User, utcnow
from orchard.registry.passwords import new_secret

# A recognisable prefix lets secret scanners and people spot a leaked token.
TOKEN_PREFIX = "orl_"


def token_hash(token: str) -> str:
    """The stored form of a token; a fast hash is enough for 256 random bits."""
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(session: Session, user: User, name: str,
                     expires_at: datetime | None = None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the plaintext, which is not kept anywhere."""
    plaintext = TOKEN_PREFIX + new_secret()
    token = ApiToken(user=user, name=name, token_hash=token_hash(plaintext), expires_at=expires_at)
    session.add(token)
    session.flush()
    return token, plaintext


def find_api_token(session: Session, plaintext: str, at: datetime | None = None) -> ApiToken | None:
    """The token with this plaintext if it is usable at `at` (not revoked or expired, its user active).

    Records the use in `last_used_at`.
    """
    at = at or utcnow()
    if not plaintext.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == token_hash(plaintext)))
    if token is None or token.revoked or not token.user.active:
        return None
    if token.expires_at is not None and token.expires_at <= at:
        return None
    token.last_used_at = at
    session.flush()
    return token


def list_api_tokens(session: Session, user: User) -> list[ApiToken]:
    return list(session.scalars(select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id)))


def revoke_all_api_tokens(session: Session, user: User, at: datetime | None = None) -> None:
    """Revoke every token of `user` that is not revoked yet (new password, deactivation)."""
    for token in list_api_tokens(session, user):
        revoke_api_token(session, token, at)


def revoke_api_token(session: Session, token: ApiToken, at: datetime | None = None) -> None:
    if token.revoked_at is None:
        token.revoked_at = at or utcnow()
    session.flush()
