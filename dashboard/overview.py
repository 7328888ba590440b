"""A farm at a glance, for its staff: trees (claimed or free, their device's health, their alerts), conditions per
plot, devices.

Four registry queries and one `latest` from the store per farm, whatever its size.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select

from dashboard import services
from dashboard.device_status import Health, judge
from orchard.auth.policy import Viewer
from orchard.registry import access, incidents
from orchard.registry.models import Claim, Device, Farm, Plot, Tree

CONDITIONS = ("air_temp_c", "air_humidity_pct", "soil_moisture_pct", "soil_temp_c")
HEALTH_RANK = {"offline": 0, "stale": 1, "unknown": 2, "online": 3}  # a tree shows its worst device


@dataclass
class DeviceRow:
    id: str
    farm_id: str
    tree_id: int | None
    plot_id: int | None
    health: Health
    last_reading_ms: int | None
    values: dict[str, tuple[float, int]] = field(default_factory=dict)  # metric -> (value, ts_ms)
    alerts: list[str] = field(default_factory=list)  # keys of the rules alerting on it now


@dataclass
class TreeTile:
    id: int
    label: str
    variety: str | None
    plot_id: int | None
    latitude: float | None
    longitude: float | None
    claimed: bool
    health: str | None  # its devices' worst state; None without a device
    alerts: list[str] = field(default_factory=list)  # keys of the rules alerting on it now


@dataclass
class PlotConditions:
    plot_id: int | None
    name: str | None
    values: dict[str, tuple[float, int]]  # metric -> newest (value, ts_ms) in the plot


@dataclass
class FarmOverview:
    farm_id: str
    name: str
    timezone: str
    now_ms: int
    trees: list[TreeTile]
    plots: list[PlotConditions]
    devices: list[DeviceRow]

    @property
    def on_map(self) -> bool:
        """Trees go on a map when every tree has coordinates, else on a grid per plot."""
        return bool(self.trees) and all(t.latitude is not None and t.longitude is not None for t in self.trees)


def visible_farms(viewer: Viewer) -> list[tuple[str, str]]:
    """(id, name) of the farms the viewer may see, by name."""
    svc = services.get()
    allowed = svc.policy.farm_ids(viewer)
    with svc.reading() as session:
        query = select(Farm.id, Farm.name).order_by(Farm.name)
        if allowed is not None:
            query = query.where(Farm.id.in_(allowed))
        return [(farm_id, name) for farm_id, name in session.execute(query)]


def farm_overview(viewer: Viewer, farm_id: object, now_ms: int | None = None) -> FarmOverview | None:
    """The overview of a farm the viewer may see; None for any other value (forged ids included)."""
    svc = services.get()
    if not isinstance(farm_id, str) or not svc.policy.sees_farm(viewer, farm_id):
        return None
    now_ms = now_ms or int(datetime.now(UTC).timestamp() * 1000)
    now = datetime.fromtimestamp(now_ms / 1000, UTC)
    with svc.reading() as session:
        farm = session.get(Farm, farm_id)
        if farm is None:
            return None
        plots = dict(session.execute(select(Plot.id, Plot.name).where(Plot.farm_id == farm_id)).all())
        trees = list(session.execute(
            select(Tree.id, Tree.label, Tree.variety, Tree.plot_id, Tree.latitude, Tree.longitude)
            .where(Tree.farm_id == farm_id).order_by(Tree.plot_id, Tree.label)))
        claimed = set(session.scalars(
            select(Claim.tree_id).join(Tree, Claim.tree_id == Tree.id)
            .where(Tree.farm_id == farm_id, access.in_force(now))))
        devices = list(session.execute(
            select(Device.id, Device.tree_id, Device.plot_id, Tree.plot_id)
            .outerjoin(Tree, Device.tree_id == Tree.id)
            .where(Device.farm_id == farm_id, Device.revoked_at.is_(None)).order_by(Device.id)))
        name, tz = farm.name, farm.timezone
        marks = incidents.active_marks(session, farm_id)

    by_device: dict[str, dict[str, tuple[float, int]]] = {}
    by_plot: dict[str, dict[str, tuple[float, int]]] = {}
    for latest in svc.store.latest({"farm": farm_id}):
        tags = latest.series.tag_dict
        metric, entry = latest.series.metric, (latest.value, latest.ts_ms)
        if "device" in tags:
            _keep_newest(by_device.setdefault(tags["device"], {}), metric, entry)
        if metric in CONDITIONS:
            _keep_newest(by_plot.setdefault(tags.get("plot", ""), {}), metric, entry)

    board = svc.device_status
    rows = []
    for device_id, tree_id, plot_id, tree_plot in devices:
        values = by_device.get(device_id, {})
        last = max((ts for _, ts in values.values()), default=None)
        status = board.get(farm_id, device_id) if board is not None else None
        rows.append(DeviceRow(device_id, farm_id, tree_id, plot_id if plot_id is not None else tree_plot,
                              judge(status, last, now_ms), last, values, marks.devices.get(device_id, [])))
    worst: dict[int, str] = {}
    for row in rows:
        if row.tree_id is not None:
            current = worst.get(row.tree_id)
            if current is None or HEALTH_RANK[row.health.state] < HEALTH_RANK[current]:
                worst[row.tree_id] = row.health.state
    tiles = [TreeTile(tree_id, label, variety, plot_id, lat, lon, tree_id in claimed, worst.get(tree_id),
                      marks.trees.get(tree_id, []))
             for tree_id, label, variety, plot_id, lat, lon in sorted(trees, key=lambda row: natural(row[1]))]
    conditions = [PlotConditions(plot_id, plot_name, by_plot.get(str(plot_id), {}))
                  for plot_id, plot_name in sorted(plots.items(), key=lambda item: item[1])]
    if by_plot.get(""):  # readings of devices that stand in no plot
        conditions.append(PlotConditions(None, None, by_plot[""]))
    return FarmOverview(farm_id, name, tz, now_ms, tiles, conditions, rows)


def natural(label: str) -> tuple:
    """Sort key reading the numbers in a label as numbers: 2 before 10, "A-9" before "A-10"."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", label.strip()) if part)


def _keep_newest(into: dict[str, tuple[float, int]], metric: str, entry: tuple[float, int]) -> None:
    if metric not in into or entry[1] > into[metric][1]:
        into[metric] = entry
