"""Credentials that end: users.credential_generation, user ids never reused, usernames in one form, the throttle.

- `users.credential_generation` (0): session cookies and user camera tokens carry it; logout,
  a new password and deactivation move it on, so cookies and tokens from before stop working.
- SQLite: `users` gets AUTOINCREMENT, so a deleted user's id never comes back for someone
  else (PostgreSQL sequences never reuse ids).
- usernames are stored NFKC-normalized and lower-case (orchard.registry.usernames); a stored
  name whose normal form another user already has is left as it was, and logged.
- `login_failures` and `known_logins`: the login throttle, shared by every process.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

log = logging.getLogger("alembic.runtime.migration")


def _normal(name: str) -> str:
    # A copy of orchard.registry.usernames.normalize_username as of this revision: migrations do not follow the code.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", name).lower()).strip()


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto",
                              table_kwargs={"sqlite_autoincrement": True} if sqlite else {}) as batch:
        batch.add_column(sa.Column("credential_generation", sa.Integer(), server_default="0", nullable=False))
    op.create_table(
        "login_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_login_failures")),
    )
    for column in ("name", "address", "at"):
        op.create_index(op.f(f"ix_login_failures_{column}"), "login_failures", [column])
    op.create_table(
        "known_logins",
        sa.Column("name", sa.String(length=254), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", "address", name=op.f("pk_known_logins")),
    )
    op.create_index(op.f("ix_known_logins_last_at"), "known_logins", ["last_at"])
    users = sa.table("users", sa.column("id", sa.Integer()), sa.column("username", sa.String()))
    connection = op.get_bind()
    rows = connection.execute(sa.select(users.c.id, users.c.username)).all()
    taken = {username for _, username in rows}
    for user_id, username in rows:
        normal = _normal(username)
        if normal == username:
            continue
        if normal in taken or not normal:
            log.warning("user %s keeps username %r: its normal form %r is taken or empty", user_id, username, normal)
            continue
        connection.execute(users.update().where(users.c.id == user_id).values(username=normal))
        taken.add(normal)


def downgrade() -> None:
    op.drop_table("known_logins")
    op.drop_table("login_failures")
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("users", recreate="always" if sqlite else "auto") as batch:
        batch.drop_column("credential_generation")
