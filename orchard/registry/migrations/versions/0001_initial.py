"""The registry's first schema: farms, plots, trees, devices, cameras, users, claims, API tokens.

Revision ID: 0001
Revises:
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SLUG = sa.String(length=64)


def utc(name: str, nullable: bool) -> sa.Column:
    return sa.Column(name, sa.DateTime(timezone=True), nullable=nullable)


def choice(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=16)


def fk(table: str, column: str, target: str, ondelete: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint([column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}"),
                                   ondelete=ondelete)


def upgrade() -> None:
    op.create_table(
        "farms",
        sa.Column("id", SLUG, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("location", sa.String(length=200), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        utc("created_at", False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_farms")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=254), nullable=False),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("role", choice("role", "admin", "farmer", "customer"), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        utc("created_at", False),
        utc("last_login_at", True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        utc("created_at", False),
        utc("last_used_at", True),
        utc("expires_at", True),
        utc("revoked_at", True),
        fk("api_tokens", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    op.create_index(op.f("ix_api_tokens_user_id"), "api_tokens", ["user_id"])
    op.create_table(
        "plots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("farm_id", SLUG, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        fk("plots", "farm_id", "farms", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_plots")),
        sa.UniqueConstraint("farm_id", "name", name=op.f("uq_plots_farm_id_name")),
    )
    op.create_index(op.f("ix_plots_farm_id"), "plots", ["farm_id"])
    op.create_table(
        "user_farms",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("farm_id", SLUG, nullable=False),
        fk("user_farms", "farm_id", "farms", "CASCADE"),
        fk("user_farms", "user_id", "users", "CASCADE"),
        sa.PrimaryKeyConstraint("user_id", "farm_id", name=op.f("pk_user_farms")),
    )
    op.create_index(op.f("ix_user_farms_farm_id"), "user_farms", ["farm_id"])
    op.create_table(
        "trees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("farm_id", SLUG, nullable=False),
        sa.Column("plot_id", sa.Integer(), nullable=True),
        sa.Column("label", sa.String(length=32), nullable=False),
        sa.Column("variety", sa.String(length=100), nullable=True),
        sa.Column("planted_on", sa.Date(), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("photo", sa.String(length=500), nullable=True),
        sa.CheckConstraint("latitude BETWEEN -90 AND 90", name=op.f("ck_trees_latitude")),
        sa.CheckConstraint("longitude BETWEEN -180 AND 180", name=op.f("ck_trees_longitude")),
        fk("trees", "farm_id", "farms", "CASCADE"),
        fk("trees", "plot_id", "plots", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_trees")),
        sa.UniqueConstraint("farm_id", "label", name=op.f("uq_trees_farm_id_label")),
    )
    op.create_index(op.f("ix_trees_farm_id"), "trees", ["farm_id"])
    op.create_index(op.f("ix_trees_plot_id"), "trees", ["plot_id"])
    op.create_table(
        "claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("tree_id", sa.Integer(), nullable=False),
        utc("starts_at", False),
        utc("ends_at", False),
        sa.Column("status", choice("status", "pending", "active", "cancelled", "ended"), nullable=False),
        sa.Column("order_ref", sa.String(length=128), nullable=True),
        utc("created_at", False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_claims_ends_after_start")),
        fk("claims", "tree_id", "trees", "RESTRICT"),
        fk("claims", "user_id", "users", "RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claims")),
        sa.UniqueConstraint("order_ref", name=op.f("uq_claims_order_ref")),
    )
    op.create_index(op.f("ix_claims_tree_id"), "claims", ["tree_id"])
    op.create_index(op.f("ix_claims_user_id"), "claims", ["user_id"])
    op.create_table(
        "devices",
        sa.Column("id", SLUG, nullable=False),
        sa.Column("farm_id", SLUG, nullable=False),
        sa.Column("tree_id", sa.Integer(), nullable=True),
        sa.Column("plot_id", sa.Integer(), nullable=True),
        sa.Column("sensors", sa.Text(), nullable=False),
        sa.Column("mqtt_password_hash", sa.String(length=255), nullable=True),
        utc("created_at", False),
        utc("revoked_at", True),
        fk("devices", "farm_id", "farms", "CASCADE"),
        fk("devices", "plot_id", "plots", "SET NULL"),
        fk("devices", "tree_id", "trees", "SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_devices")),
    )
    op.create_index(op.f("ix_devices_farm_id"), "devices", ["farm_id"])
    op.create_index(op.f("ix_devices_plot_id"), "devices", ["plot_id"])
    op.create_index(op.f("ix_devices_tree_id"), "devices", ["tree_id"])
    op.create_table(
        "cameras",
        sa.Column("id", SLUG, nullable=False),
        sa.Column("device_id", SLUG, nullable=False),
        utc("created_at", False),
        fk("cameras", "device_id", "devices", "CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cameras")),
    )
    op.create_index(op.f("ix_cameras_device_id"), "cameras", ["device_id"])
    op.create_table(
        "camera_trees",
        sa.Column("camera_id", SLUG, nullable=False),
        sa.Column("tree_id", sa.Integer(), nullable=False),
        fk("camera_trees", "camera_id", "cameras", "CASCADE"),
        fk("camera_trees", "tree_id", "trees", "CASCADE"),
        sa.PrimaryKeyConstraint("camera_id", "tree_id", name=op.f("pk_camera_trees")),
    )
    op.create_index(op.f("ix_camera_trees_tree_id"), "camera_trees", ["tree_id"])


def downgrade() -> None:
    # Dropping a table drops its indexes too; children before parents.
    for table in ("camera_trees", "cameras", "devices", "claims", "trees", "user_farms", "plots",
                  "api_tokens", "users", "farms"):
        op.drop_table(table)
