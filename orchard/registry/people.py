"""Users and their claims: create, get, list, sign in, and end every credential of a user."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Invalid, NotFound
from orchard.registry.claim_rule import check_tree_free
from orchard.registry.models import Claim, ClaimStatus, Farm, Role, Tree, User, utcnow
from orchard.registry.passwords import hash_password, password_needs_rehash, verify_password
from orchard.registry.tokens import revoke_all_api_tokens

# Re-exported: people is where every service compares usernames.
from orchard.registry.usernames import check_username as check_username
from orchard.registry.usernames import normalize_username as normalize_username


def create_user(session: Session, username: str, role: Role | str, *, password: str | None = None,
                display_name: str = "", farm_ids: Iterable[str] = ()) -> User:
    """A new user; without a password they cannot sign in until one is set."""
    user = User(username=username, role=Role(role), display_name=display_name,
                password_hash=hash_password(password) if password is not None else None)
    session.add(user)
    if farm_ids:
        set_user_farms(session, user, farm_ids)
    session.flush()
    return user


def get_user(session: Session, user_id: int) -> User | None:
    return session.get(User, user_id)


def find_user(session: Session, username: str) -> User | None:
    """The user with this username, however it is spelled (case, full-width letters, blanks around it)."""
    return session.scalar(select(User).where(User.username == normalize_username(username)))


def list_users(session: Session, role: Role | str | None = None) -> list[User]:
    query = select(User).order_by(User.username)
    if role is not None:
        query = query.where(User.role == Role(role))
    return list(session.scalars(query))


def set_user_farms(session: Session, user: User, farm_ids: Iterable[str]) -> None:
    """Bind a farmer to exactly these farms."""
    farm_ids = set(farm_ids)
    if farm_ids and user.role != Role.FARMER:
        raise Invalid(f"only farmers are bound to farms, and {user.username!r} is a {user.role}")
    farms = list(session.scalars(select(Farm).where(Farm.id.in_(farm_ids)))) if farm_ids else []
    missing = farm_ids - {farm.id for farm in farms}
    if missing:
        raise NotFound(f"no farms {sorted(missing)}")
    user.farms = sorted(farms, key=lambda farm: farm.id)
    session.flush()


def end_sessions(session: Session, user: User) -> None:
    """End the user's session cookies and camera tokens, on every device (logout)."""
    user.credential_generation = (user.credential_generation or 0) + 1
    session.flush()


def end_credentials(session: Session, user: User) -> None:
    """End every credential of the user: sessions, camera tokens and API tokens."""
    end_sessions(session, user)
    revoke_all_api_tokens(session, user)


def set_password(session: Session, user: User, password: str) -> None:
    """A new password; it ends every session and token made before it."""
    user.password_hash = hash_password(password)
    end_credentials(session, user)


def set_active(session: Session, user: User, active: bool) -> None:
    """Let a user sign in or not; deactivating ends their credentials, so reactivating revives none."""
    if user.active and not active:
        end_credentials(session, user)
    user.active = active
    session.flush()


def authenticate(session: Session, username: str, password: str, at: datetime | None = None) -> User | None:
    """The active user with this username and password, recording the sign-in; None otherwise."""
    user = find_user(session, username)
    if user is None or not user.active or not user.password_hash:
        # As slow as a real check: no hint which names exist, are deactivated or have no password.
        verify_password(_decoy_hash(), password)
        return None
    if not verify_password(user.password_hash, password):
        return None
    if password_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.last_login_at = at or utcnow()
    session.flush()
    return user


@cache
def _decoy_hash() -> str:
    return hash_password("not anyone's password")


def create_claim(session: Session, user: User, tree: Tree, starts_at: datetime, ends_at: datetime, *,
                 status: ClaimStatus | str = ClaimStatus.PENDING, order_ref: str | None = None) -> Claim:
    """A customer's claim on a tree from `starts_at` until (not including) `ends_at`."""
    if user.role != Role.CUSTOMER:
        raise Invalid(f"claims belong to customers, and {user.username!r} is a {user.role}")
    claim = Claim(user=user, tree=tree, starts_at=starts_at, ends_at=ends_at, status=ClaimStatus(status),
                  order_ref=order_ref)
    check_tree_free(session, claim)
    session.add(claim)
    session.flush()
    return claim


def get_claim(session: Session, claim_id: int) -> Claim | None:
    return session.get(Claim, claim_id)


def find_claim_by_order(session: Session, order_ref: str) -> Claim | None:
    """The claim a shop order created, so a repeated webhook finds it instead of adding another."""
    return session.scalar(select(Claim).where(Claim.order_ref == order_ref))


def list_claims(session: Session, *, user_id: int | None = None, tree_id: int | None = None,
                status: ClaimStatus | str | None = None) -> list[Claim]:
    query = select(Claim).order_by(Claim.starts_at, Claim.id)
    if user_id is not None:
        query = query.where(Claim.user_id == user_id)
    if tree_id is not None:
        query = query.where(Claim.tree_id == tree_id)
    if status is not None:
        query = query.where(Claim.status == ClaimStatus(status))
    return list(session.scalars(query))


def set_claim_status(session: Session, claim: Claim, status: ClaimStatus | str) -> None:
    claim.status = ClaimStatus(status)
    check_tree_free(session, claim)
    session.flush()
