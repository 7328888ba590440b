"""People: admins manage them; farmers look up their colleagues and their trees' customers; anyone, themselves."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from api.access import CurrentViewer, load
from api.fields import Int64, Name
from api.services import ServicesDep
from api.times import UTCTime
from orchard.registry import people
from orchard.registry.models import Role, User

router = APIRouter(prefix="/users", tags=["users"])


class UserOut(BaseModel):
    id: int
    username: str
    display_name: str
    role: Role
    active: bool
    farm_ids: list[str]
    created_at: UTCTime
    last_login_at: UTCTime | None

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(id=user.id, username=user.username, display_name=user.display_name, role=user.role,
                   active=user.active, farm_ids=[farm.id for farm in user.farms], created_at=user.created_at,
                   last_login_at=user.last_login_at)


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Name = Field(min_length=1, max_length=254)
    role: Role
    display_name: Name = Field(default="", max_length=200)
    password: str | None = Field(default=None, min_length=8, max_length=1024,
                                 description="none: the user cannot log in until one is set")
    farm_ids: list[str] = Field(default=[], description="farmers only: the farms they work")


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    display_name: Name | None = Field(default=None, max_length=200)
    role: Role | None = None
    active: bool | None = None
    password: str | None = Field(default=None, min_length=8, max_length=1024,
                                 description="a new password ends the user's sessions and tokens")
    farm_ids: list[str] | None = None


@router.get("")
def list_users(viewer: CurrentViewer, services: ServicesDep, role: Role | None = None) -> list[UserOut]:
    """The people the asker may look up, by username."""
    with services.reading() as session:
        return [UserOut.of(user) for user in people.list_users(session, role)
                if services.policy.sees_user(viewer, user.id)]


@router.get("/{user_id}")
def get_user(user_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> UserOut:
    with services.reading() as session:
        return UserOut.of(load(session, User, user_id, viewer, services.policy))


@router.post("", status_code=201)
def create_user(body: UserIn, viewer: CurrentViewer, services: ServicesDep) -> UserOut:
    """Add a person (admins only)."""
    services.policy.require_admin(viewer, "add people")
    with services.writing() as session:
        user = people.create_user(session, body.username, body.role, password=body.password,
                                  display_name=body.display_name, farm_ids=body.farm_ids)
        return UserOut.of(user)


@router.patch("/{user_id}")
def update_user(user_id: Int64, body: UserPatch, viewer: CurrentViewer, services: ServicesDep) -> UserOut:
    """Change a person's name, role, farms, password or whether they may log in (admins only)."""
    with services.writing() as session:
        user = load(session, User, user_id, viewer, services.policy)
        services.policy.require_admin(viewer, "change people")
        changes = body.model_dump(exclude_unset=True)
        for name in ("display_name", "role"):
            if changes.get(name) is not None:
                setattr(user, name, changes[name])
        if changes.get("active") is not None:
            people.set_active(session, user, changes["active"])  # deactivating ends their sessions and tokens
        if "farm_ids" in changes or changes.get("role") not in (None, Role.FARMER):
            people.set_user_farms(session, user, changes.get("farm_ids") or [])
        if body.password is not None:
            people.set_password(session, user, body.password)
        session.flush()
        return UserOut.of(user)


@router.delete("/{user_id}", status_code=204)
def delete_user(user_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a person without claims (admins only); someone with claims is deactivated instead (409)."""
    with services.writing() as session:
        user = load(session, User, user_id, viewer, services.policy)
        services.policy.require_admin(viewer, "remove people")
        session.delete(user)
        session.flush()
    return Response(status_code=204)
