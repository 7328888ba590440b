"""Trees: admins manage them; a farm's farmers add and change its trees; customers see the trees they claim."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.access import CurrentViewer, load
from api.fields import Int64, Name, Photo
from api.services import ServicesDep
from orchard.errors import Invalid, NotFound
from orchard.registry import orchards
from orchard.registry.models import Plot, Tree

router = APIRouter(prefix="/trees", tags=["trees"])


class TreeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    farm_id: str
    plot_id: int | None
    label: str
    variety: str | None
    planted_on: date | None
    latitude: float | None
    longitude: float | None
    photo: str | None


class TreeFields(BaseModel):
    model_config = ConfigDict(extra="forbid")

    plot_id: Int64 | None = None
    variety: Name | None = Field(default=None, max_length=100)
    planted_on: date | None = None
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)
    photo: Photo | None = Field(default=None, max_length=500, description="a path under ORCHARD_DATA_DIR or a URL")


class TreeIn(TreeFields):
    farm_id: str
    label: Name = Field(min_length=1, max_length=32, description="what the customer calls it, unique on the farm")


class TreePatch(TreeFields):
    label: Name | None = Field(default=None, min_length=1, max_length=32)


def _check_plot(session: Session, farm_id: str, plot_id: int | None) -> None:
    plot = session.get(Plot, plot_id) if plot_id is not None else None
    if plot_id is not None and (plot is None or plot.farm_id != farm_id):
        raise Invalid(f"plot_id: farm {farm_id!r} has no plot {plot_id}")


@router.get("")
def list_trees(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None) -> list[TreeOut]:
    """The trees the asker may see (of one farm with ?farm=): a customer's are those of claims in force."""
    ids = services.policy.tree_ids(viewer)
    query = select(Tree).order_by(Tree.farm_id, Tree.id)
    if ids is not None:
        query = query.where(Tree.id.in_(ids))
    if farm is not None:
        query = query.where(Tree.farm_id == farm)
    with services.reading() as session:
        return [TreeOut.model_validate(tree) for tree in session.scalars(query)]


@router.get("/{tree_id}")
def get_tree(tree_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> TreeOut:
    """One tree; a tree the asker may not see is 404, as if it did not exist."""
    with services.reading() as session:
        return TreeOut.model_validate(load(session, Tree, tree_id, viewer, services.policy))


@router.post("", status_code=201)
def create_tree(body: TreeIn, viewer: CurrentViewer, services: ServicesDep) -> TreeOut:
    """Plant a tree in the registry (admins, and the farm's farmers)."""
    services.policy.require_edit(viewer, "tree", body.farm_id)
    with services.writing() as session:
        if orchards.get_farm(session, body.farm_id) is None:
            raise NotFound(f"no farm {body.farm_id!r}")
        _check_plot(session, body.farm_id, body.plot_id)
        fields = body.model_dump(exclude={"farm_id", "label"})
        return TreeOut.model_validate(orchards.create_tree(session, body.farm_id, body.label, **fields))


@router.patch("/{tree_id}")
def update_tree(tree_id: Int64, body: TreePatch, viewer: CurrentViewer, services: ServicesDep) -> TreeOut:
    """Change a tree's label, plot, variety, planting date, position or photo (admins, the farm's farmers)."""
    with services.writing() as session:
        tree = load(session, Tree, tree_id, viewer, services.policy)
        services.policy.require_edit(viewer, "tree", tree.farm_id)
        changes = body.model_dump(exclude_unset=True)
        if "plot_id" in changes:
            _check_plot(session, tree.farm_id, changes["plot_id"])
        if "label" in changes and changes["label"] is None:
            raise Invalid("label: a tree keeps a label; send a new one instead of null")
        for name, value in changes.items():
            setattr(tree, name, value)
        session.flush()
        return TreeOut.model_validate(tree)


@router.delete("/{tree_id}", status_code=204)
def delete_tree(tree_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a tree (admins only; 409 while it has claims, which are paid orders)."""
    with services.writing() as session:
        tree = load(session, Tree, tree_id, viewer, services.policy)
        services.policy.require_edit(viewer, "tree", tree.farm_id, delete=True)
        session.delete(tree)
        session.flush()
    return Response(status_code=204)
