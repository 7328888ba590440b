"""The registry's tables: farms, plots, trees, devices, cameras, users, claims, API tokens, the login throttle."""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    Dialect,
    Enum,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, validates

from orchard.errors import Invalid
from orchard.registry.usernames import check_username
from orchard.topics import check_id

# Named constraints, so later migrations (and SQLite batch mode) can find them by name.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SLUG = 64  # the length ID_PATTERN allows


def utcnow() -> datetime:
    """The current time, timezone-aware, in UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware datetime stored as UTC: timestamptz on PostgreSQL, naive UTC text on SQLite."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: the registry stores timezone-aware UTC times")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Role(enum.StrEnum):
    ADMIN = "admin"
    FARMER = "farmer"
    CUSTOMER = "customer"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    CANCELLED = "cancelled"
    ENDED = "ended"


def _enum(cls: type[enum.StrEnum], name: str) -> Enum:
    # VARCHAR plus a CHECK rather than a PostgreSQL ENUM type: portable, and new values need no ALTER TYPE.
    return Enum(cls, name=name, native_enum=False, create_constraint=True, length=16,
                values_callable=lambda members: [m.value for m in members])


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime()}


user_farms = Table(
    "user_farms", Base.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("farm_id", ForeignKey("farms.id", ondelete="CASCADE"), primary_key=True, index=True),
)

camera_trees = Table(
    "camera_trees", Base.metadata,
    Column("camera_id", ForeignKey("cameras.id", ondelete="CASCADE"), primary_key=True),
    Column("tree_id", ForeignKey("trees.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Farm(Base):
    """A member farm (orchard) of the cooperative; its id is the `{farm}` of MQTT topics."""

    __tablename__ = "farms"

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    location: Mapped[str | None] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The language of the farm's alert messages: "zh-CN" or "en".
    language: Mapped[str] = mapped_column(String(8), default="zh-CN", server_default="zh-CN")
    # False: a tree has one customer at a time (orchard.registry.claim_rule; enforced by the database).
    shared_trees: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plots: Mapped[list[Plot]] = relationship(back_populates="farm", passive_deletes=True, order_by="Plot.name")
    trees: Mapped[list[Tree]] = relationship(back_populates="farm", passive_deletes=True, order_by="Tree.id")
    devices: Mapped[list[Device]] = relationship(back_populates="farm", passive_deletes=True,
                                                  order_by="Device.id")
    farmers: Mapped[list[User]] = relationship(secondary=user_farms, back_populates="farms",
                                               passive_deletes=True, order_by="User.username")

    @validates("id")
    def _check_id(self, key: str, value: str) -> str:
        return check_id(value, "farm")

    @validates("timezone")
    def _check_timezone(self, key: str, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(f"unknown time zone {value!r} (use a name like 'Asia/Shanghai')") from None
        return value


class Plot(Base):
    """A named block of trees within a farm."""

    __tablename__ = "plots"
    __table_args__ = (UniqueConstraint("farm_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))

    farm: Mapped[Farm] = relationship(back_populates="plots")
    trees: Mapped[list[Tree]] = relationship(back_populates="plot", passive_deletes=True, order_by="Tree.id")


class Tree(Base):
    """One fruit tree; `label` is what its customer sees ("17"), unique within its farm."""

    __tablename__ = "trees"
    __table_args__ = (
        UniqueConstraint("farm_id", "label"),
        CheckConstraint("latitude BETWEEN -90 AND 90", name="latitude"),
        CheckConstraint("longitude BETWEEN -180 AND 180", name="longitude"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="SET NULL"), index=True)
    label: Mapped[str] = mapped_column(String(32))
    variety: Mapped[str | None] = mapped_column(String(100))
    planted_on: Mapped[date | None] = mapped_column(Date)
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    photo: Mapped[str | None] = mapped_column(String(500))  # a path under ORCHARD_DATA_DIR or a URL

    farm: Mapped[Farm] = relationship(back_populates="trees")
    plot: Mapped[Plot | None] = relationship(back_populates="trees")
    cameras: Mapped[list[Camera]] = relationship(secondary=camera_trees, back_populates="trees",
                                                 passive_deletes=True, order_by="Camera.id")
    claims: Mapped[list[Claim]] = relationship(back_populates="tree", passive_deletes=True,
                                                order_by="Claim.starts_at")

    @validates("label")
    def _check_label(self, key: str, value: str) -> str:
        if not value or not value.strip():
            raise Invalid("a tree needs a label its customer can read, like '17'")
        return value.strip()


class Device(Base):
    """A field unit; its id is its MQTT username, so it is unique across the cooperative."""

    __tablename__ = "devices"

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    farm_id: Mapped[str] = mapped_column(ForeignKey("farms.id", ondelete="CASCADE"), index=True)
    tree_id: Mapped[int | None] = mapped_column(ForeignKey("trees.id", ondelete="SET NULL"), index=True)
    plot_id: Mapped[int | None] = mapped_column(ForeignKey("plots.id", ondelete="SET NULL"), index=True)
    sensors: Mapped[str] = mapped_column(Text, default="")  # as ORCHARD_SENSORS on the Pi
    # Mosquitto's own PBKDF2 format ($7$...), so `sync-broker` writes it to the password file as is.
    mqtt_password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column()

    farm: Mapped[Farm] = relationship(back_populates="devices")
    tree: Mapped[Tree | None] = relationship()
    plot: Mapped[Plot | None] = relationship()
    cameras: Mapped[list[Camera]] = relationship(back_populates="device", passive_deletes=True,
                                                  order_by="Camera.id")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @validates("id")
    def _check_id(self, key: str, value: str) -> str:
        return check_id(value, "device")


class Camera(Base):
    """A camera on a device, and the trees it sees."""

    __tablename__ = "cameras"

    id: Mapped[str] = mapped_column(String(SLUG), primary_key=True)
    device_id: Mapped[str] = mapped_column(ForeignKey("devices.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    device: Mapped[Device] = relationship(back_populates="cameras")
    trees: Mapped[list[Tree]] = relationship(secondary=camera_trees, back_populates="cameras",
                                             passive_deletes=True, order_by="Tree.id")

    @validates("id")
    def _check_id(self, key: str, value: str) -> str:
        return check_id(value, "camera")


class User(Base):
    """A person who signs in: an admin, a farmer (bound to farms) or a customer (with claims)."""

    __tablename__ = "users"
    # AUTOINCREMENT: SQLite would otherwise give a deleted user's id to the next one, and their tokens with it.
    __table_args__ = {"sqlite_autoincrement": True}

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(254), unique=True)  # normalized: orchard.registry.usernames
    display_name: Mapped[str] = mapped_column(String(200), default="")
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    password_hash: Mapped[str | None] = mapped_column(String(255))  # argon2id; None: cannot sign in
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column()
    # In every session cookie and user camera token; moving it on (logout, new password, deactivation) ends them.
    credential_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")

    farms: Mapped[list[Farm]] = relationship(secondary=user_farms, back_populates="farmers",
                                             passive_deletes=True, order_by="Farm.id")
    claims: Mapped[list[Claim]] = relationship(back_populates="user", passive_deletes=True,
                                                order_by="Claim.starts_at")
    api_tokens: Mapped[list[ApiToken]] = relationship(back_populates="user", passive_deletes=True,
                                                       order_by="ApiToken.id")

    @validates("username")
    def _normalise_username(self, key: str, value: str) -> str:
        # "Alice", " alice" and "ａｌｉｃｅ" are one person: one stored form keeps that true on both databases.
        return check_username(value)


class Claim(Base):
    """A customer's claim on a tree for a season; it shows the tree while active and start <= now < end."""

    __tablename__ = "claims"
    __table_args__ = (CheckConstraint("ends_at > starts_at", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # RESTRICT: a claim is a paid order; deactivate the user or retire the tree instead of deleting them.
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="RESTRICT"), index=True)
    tree_id: Mapped[int] = mapped_column(ForeignKey("trees.id", ondelete="RESTRICT"), index=True)
    starts_at: Mapped[datetime] = mapped_column()
    ends_at: Mapped[datetime] = mapped_column()
    status: Mapped[ClaimStatus] = mapped_column(_enum(ClaimStatus, "status"), default=ClaimStatus.PENDING)
    order_ref: Mapped[str | None] = mapped_column(String(128), unique=True)  # the shop's order id
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    user: Mapped[User] = relationship(back_populates="claims")
    tree: Mapped[Tree] = relationship(back_populates="claims")


class ApiToken(Base):
    """A named API token of a user; only the SHA-256 of the token is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column()
    expires_at: Mapped[datetime | None] = mapped_column()
    revoked_at: Mapped[datetime | None] = mapped_column()

    user: Mapped[User] = relationship(back_populates="api_tokens")

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None


class LoginFailure(Base):
    """A failed login, kept for the throttle's window, so every API and dashboard process counts it."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(254), index=True)  # normalized, whether such a user exists or not
    address: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(index=True)


class KnownLogin(Base):
    """An address a name logged in from: it is still let in while someone else guesses that name."""

    __tablename__ = "known_logins"

    name: Mapped[str] = mapped_column(String(254), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    last_at: Mapped[datetime] = mapped_column(index=True)
