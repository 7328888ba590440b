"""Invitations, password resets, one active claim per tree, public share links (issue 11).

- `account_links`: single-use, expiring invitation and password-reset links (SHA-256 of the token).
- `share_links`: public, revocable, expiring links to a claim's "your tree this year" page.
- `farms.shared_trees` (false) and triggers on `claims`: different customers' active claims on one tree
  must not overlap in time unless the tree's farm shares trees. A database that already holds such
  claims is refused with the list of them: cancel or move one of each pair (or set the farm's
  shared_trees) and run the upgrade again.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from orchard.errors import OrchardError

revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Another customer's active claim on the same tree of a farm that does not share trees, overlapping NEW.
_CLASH = """
    SELECT 1 FROM claims AS other
    JOIN trees ON trees.id = NEW.tree_id JOIN farms ON farms.id = trees.farm_id
    WHERE NOT farms.shared_trees AND other.tree_id = NEW.tree_id AND other.status = 'active'
      AND other.id <> NEW.id AND other.user_id <> NEW.user_id
      AND other.starts_at < NEW.ends_at AND NEW.starts_at < other.ends_at
"""
# Words orchard.registry.claim_rule.TRIGGER_WORDS matches; copied, as migrations do not import the models.
_REFUSAL = "one customer per tree: another customer's active claim holds this tree for these dates"
_QUOTED = _REFUSAL.replace("'", "''")

_SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER claims_one_customer_insert BEFORE INSERT ON claims WHEN NEW.status = 'active'
    BEGIN SELECT RAISE(ABORT, '{_QUOTED}') WHERE EXISTS ({_CLASH.replace("NEW.id", "-1")}); END""",
    f"""CREATE TRIGGER claims_one_customer_update
    BEFORE UPDATE OF status, starts_at, ends_at, tree_id, user_id ON claims WHEN NEW.status = 'active'
    BEGIN SELECT RAISE(ABORT, '{_QUOTED}') WHERE EXISTS ({_CLASH}); END""",
]
_POSTGRES_TRIGGERS = [
    f"""CREATE FUNCTION claims_one_customer() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.status = 'active' THEN
        -- Writers of one tree's claims queue here, so two racing orders cannot both see it free.
        PERFORM 1 FROM trees WHERE id = NEW.tree_id FOR UPDATE;
        IF EXISTS ({_CLASH}) THEN
          RAISE EXCEPTION '{_QUOTED}' USING ERRCODE = 'exclusion_violation';
        END IF;
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER claims_one_customer BEFORE INSERT OR UPDATE ON claims
    FOR EACH ROW EXECUTE FUNCTION claims_one_customer()""",
]

_OVERLAPS = """
    SELECT trees.farm_id, trees.label, a.id, a.order_ref, b.id, b.order_ref FROM claims AS a
    JOIN claims AS b ON b.tree_id = a.tree_id AND b.id > a.id AND b.user_id <> a.user_id
    JOIN trees ON trees.id = a.tree_id
    WHERE a.status = 'active' AND b.status = 'active' AND a.starts_at < b.ends_at AND b.starts_at < a.ends_at
    ORDER BY trees.farm_id, trees.label, a.id, b.id
"""


def _refuse_shared_trees() -> None:
    """Stop, naming them, if different customers' active claims already overlap on one tree."""
    rows = op.get_bind().execute(sa.text(_OVERLAPS)).all()
    if rows:
        listed = "; ".join(f"farm {farm} tree {label}: claim {a} ({ref_a or 'no order'}) and claim {b} "
                           f"({ref_b or 'no order'})" for farm, label, a, ref_a, b, ref_b in rows[:20])
        raise OrchardError(
            f"migration 0006: {len(rows)} pair(s) of different customers' active claims overlap on one tree, "
            f"which the registry now refuses: {listed}. Cancel or move one claim of each pair (or set the "
            "farm's shared_trees to true), then run the upgrade again.")


def upgrade() -> None:
    _refuse_shared_trees()
    with op.batch_alter_table("farms", schema=None) as batch_op:
        batch_op.add_column(sa.Column("shared_trees", sa.Boolean(), server_default="0", nullable=False))

    op.create_table(
        "account_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("purpose", sa.Enum("invite", "reset", name="purpose", native_enum=False, create_constraint=True,
                                     length=16), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_account_links_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_account_links_token_hash")),
    )
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_account_links_user_id"), ["user_id"], unique=False)

    op.create_table(
        "share_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("frame_hour", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("frame_hour BETWEEN 0 AND 23", name=op.f("ck_share_links_frame_hour")),
        sa.ForeignKeyConstraint(["claim_id"], ["claims.id"], name=op.f("fk_share_links_claim_id_claims"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_share_links")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_share_links_token_hash")),
    )
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_share_links_claim_id"), ["claim_id"], unique=False)

    for statement in _SQLITE_TRIGGERS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS claims_one_customer_update")
        op.execute("DROP TRIGGER IF EXISTS claims_one_customer_insert")
    else:
        op.execute("DROP TRIGGER IF EXISTS claims_one_customer ON claims")
        op.execute("DROP FUNCTION IF EXISTS claims_one_customer()")
    with op.batch_alter_table("share_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_share_links_claim_id"))
    op.drop_table("share_links")
    with op.batch_alter_table("account_links", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_account_links_user_id"))
    op.drop_table("account_links")
    with op.batch_alter_table("farms", schema=None) as batch_op:
        batch_op.drop_column("shared_trees")
