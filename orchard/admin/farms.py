"""Farms, plots and trees: `add-farm`, `add-plot`, `add-tree` and `import-trees`."""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.admin.context import DAY, Admin, pass_admin
from orchard.registry.models import Farm, Plot
from orchard.registry.orchards import create_farm, create_plot, create_tree, find_tree, get_farm
from orchard.registry.trees_csv import TreesCsvError, decode_csv, import_trees, parse_trees_csv


def need_farm(session: Session, farm_id: str) -> Farm:
    """The farm, or an error that says how to add it."""
    farm = get_farm(session, farm_id)
    if farm is None:
        raise click.ClickException(f"there is no farm {farm_id!r} (see `orchard admin list farms`)")
    return farm


def need_plot(session: Session, farm: Farm, name: str) -> Plot:
    plot = session.scalar(select(Plot).where(Plot.farm_id == farm.id, Plot.name == name))
    if plot is None:
        raise click.ClickException(f"farm {farm.id!r} has no plot {name!r} "
                                   f"(add it with `orchard admin add-plot {farm.id} {name}`)")
    return plot


@click.command("add-farm")
@click.argument("farm_id", metavar="ID")
@click.option("--name", required=True, help="The farm's name as people know it.")
@click.option("--timezone", default="Asia/Shanghai", show_default=True,
              help="The farm's clock: claim dates start at its midnight.")
@click.option("--location", help="Village, county, province: free text.")
@pass_admin
def add_farm(admin: Admin, farm_id: str, name: str, timezone: str, location: str | None) -> None:
    """Add a farm; ID (lower-case letters, digits, - and _) is its name in MQTT topics."""
    with admin.session() as session:
        if get_farm(session, farm_id) is not None:
            raise click.ClickException(f"farm {farm_id!r} already exists")
        create_farm(session, farm_id, name, location=location, timezone=timezone)
    click.echo(f"farm {farm_id} added ({name}, {timezone})")


@click.command("add-plot")
@click.argument("farm_id", metavar="FARM")
@click.argument("name")
@pass_admin
def add_plot(admin: Admin, farm_id: str, name: str) -> None:
    """Add a named block of trees to a farm."""
    with admin.session() as session:
        farm = need_farm(session, farm_id)
        if session.scalar(select(Plot).where(Plot.farm_id == farm.id, Plot.name == name)) is not None:
            raise click.ClickException(f"farm {farm_id!r} already has a plot {name!r}")
        create_plot(session, farm.id, name)
    click.echo(f"plot {name} added to farm {farm_id}")


@click.command("add-tree")
@click.argument("farm_id", metavar="FARM")
@click.argument("label")
@click.option("--plot", help="The plot it stands in (add it first with add-plot).")
@click.option("--variety", help="e.g. 'Fuji apple'.")
@click.option("--planted", type=DAY, help="When it was planted.")
@click.option("--lat", type=click.FloatRange(-90, 90), help="Latitude, decimal degrees.")
@click.option("--lon", type=click.FloatRange(-180, 180), help="Longitude, decimal degrees.")
@pass_admin
def add_tree(admin: Admin, farm_id: str, label: str, plot: str | None, variety: str | None,
             planted: date | None, lat: float | None, lon: float | None) -> None:
    """Add a tree to a farm; LABEL is what its customer sees, like 17, unique on the farm."""
    if (lat is None) != (lon is None):
        raise click.UsageError("give both --lat and --lon, or neither")
    with admin.session() as session:
        farm = need_farm(session, farm_id)
        if find_tree(session, farm.id, label) is not None:
            raise click.ClickException(f"farm {farm_id!r} already has a tree {label.strip()!r}")
        plot_id = need_plot(session, farm, plot).id if plot else None
        tree = create_tree(session, farm.id, label, plot_id=plot_id, variety=variety, planted_on=planted,
                           latitude=lat, longitude=lon)
    click.echo(f"tree {tree.label} added to farm {farm_id}" + (f", plot {plot}" if plot else ""))


@click.command("import-trees")
@click.argument("file", type=click.File("rb"))
@pass_admin
def import_trees_command(admin: Admin, file: BinaryIO) -> None:
    """Create or update trees from a CSV file (- for stdin), all or nothing.

    The first line names the columns: farm,label,plot,variety,planted,lat,lon (only farm
    and label are required; planted is YYYY-MM-DD). A tree already on the farm with the same
    label is updated, so importing the same file twice changes nothing the second time;
    plots are created when missing. If any row is wrong, each problem is shown with its line
    number and column, and nothing is imported.
    """
    name = getattr(file, "name", "-")
    try:
        rows = parse_trees_csv(decode_csv(file.read()))
        with admin.session() as session:
            summary = import_trees(session, rows)
    except TreesCsvError as exc:
        for problem in exc.problems:
            click.echo(f"{name}: {problem}", err=True)
        raise click.ClickException(f"{name}: nothing was imported "
                                   f"({len(exc.problems)} problem{'s' if len(exc.problems) > 1 else ''})") from None
    click.echo(f"{name}: {summary.created} trees added, {summary.updated} updated, "
               f"{summary.plots_created} plots added")
