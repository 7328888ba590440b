"""Plots, the named blocks of a farm: admins and the farm's farmers add and rename them; only admins delete."""

from __future__ import annotations

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from api.access import CurrentViewer, load
from api.fields import Int64, Name
from api.services import ServicesDep
from orchard.errors import NotFound
from orchard.registry import orchards
from orchard.registry.models import Plot

router = APIRouter(prefix="/plots", tags=["plots"])


class PlotOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    farm_id: str
    name: str


class PlotIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    farm_id: str
    name: Name = Field(min_length=1, max_length=100)


class PlotPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Name = Field(min_length=1, max_length=100)


@router.get("")
def list_plots(viewer: CurrentViewer, services: ServicesDep, farm: str | None = None) -> list[PlotOut]:
    """The plots of the farms the asker may see (of one farm with ?farm=)."""
    query = select(Plot).order_by(Plot.farm_id, Plot.name)
    if farm is not None:
        query = query.where(Plot.farm_id == farm)
    with services.reading() as session:
        return [PlotOut.model_validate(plot) for plot in session.scalars(query)
                if services.policy.sees_farm(viewer, plot.farm_id)]


@router.get("/{plot_id}")
def get_plot(plot_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> PlotOut:
    with services.reading() as session:
        return PlotOut.model_validate(load(session, Plot, plot_id, viewer, services.policy))


@router.post("", status_code=201)
def create_plot(body: PlotIn, viewer: CurrentViewer, services: ServicesDep) -> PlotOut:
    """Add a plot to a farm (admins, and the farm's farmers)."""
    services.policy.require_edit(viewer, "plot", body.farm_id)
    with services.writing() as session:
        if orchards.get_farm(session, body.farm_id) is None:
            raise NotFound(f"no farm {body.farm_id!r}")
        return PlotOut.model_validate(orchards.create_plot(session, body.farm_id, body.name))


@router.patch("/{plot_id}")
def update_plot(plot_id: Int64, body: PlotPatch, viewer: CurrentViewer, services: ServicesDep) -> PlotOut:
    """Rename a plot (admins, and the farm's farmers)."""
    with services.writing() as session:
        plot = load(session, Plot, plot_id, viewer, services.policy)
        services.policy.require_edit(viewer, "plot", plot.farm_id)
        plot.name = body.name
        session.flush()
        return PlotOut.model_validate(plot)


@router.delete("/{plot_id}", status_code=204)
def delete_plot(plot_id: Int64, viewer: CurrentViewer, services: ServicesDep) -> Response:
    """Remove a plot; its trees stay, in no plot (admins only)."""
    with services.writing() as session:
        plot = load(session, Plot, plot_id, viewer, services.policy)
        services.policy.require_edit(viewer, "plot", plot.farm_id, delete=True)
        session.delete(plot)
        session.flush()
    return Response(status_code=204)
