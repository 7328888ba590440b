"""`orchard admin list ...`: what the registry holds, as plain tables."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.admin.channels import channels
from orchard.admin.context import Admin, pass_admin, table
from orchard.registry.models import Claim, Farm, Tree
from orchard.registry.orchards import list_cameras, list_devices, list_farms, list_trees
from orchard.registry.people import list_claims, list_users

Rows = tuple[list[str], list[list[object]]]


def _day(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%d") if at else None


def _local(at: datetime, farm: Farm, *, last: bool = False) -> str:
    """A claim bound on the farm's clock: a day when it falls at midnight (an end shows its last day)."""
    local = at.astimezone(ZoneInfo(farm.timezone))
    if local.time() != datetime.min.time():
        return local.strftime("%Y-%m-%d %H:%M") + (" (until)" if last else "")
    return (local - timedelta(days=1) if last else local).strftime("%Y-%m-%d")


def farms(session: Session, farm_id: str | None) -> Rows:
    chosen = [f for f in list_farms(session) if farm_id in (None, f.id)]
    return (["id", "name", "timezone", "location", "plots", "trees", "devices", "farmers"],
            [[f.id, f.name, f.timezone, f.location, len(f.plots), len(f.trees), len(f.devices),
              ", ".join(u.username for u in f.farmers)] for f in chosen])


def trees(session: Session, farm_id: str | None) -> Rows:
    return (["farm", "label", "plot", "variety", "planted", "lat", "lon", "cameras"],
            [[t.farm_id, t.label, t.plot.name if t.plot else None, t.variety, t.planted_on, t.latitude,
              t.longitude, ", ".join(c.id for c in t.cameras)] for t in list_trees(session, farm_id)])


def devices(session: Session, farm_id: str | None) -> Rows:
    def where(d) -> str | None:
        return f"tree {d.tree.label}" if d.tree else f"plot {d.plot.name}" if d.plot else None

    return (["id", "farm", "at", "sensors", "cameras", "added", "revoked"],
            [[d.id, d.farm_id, where(d), d.sensors or None, ", ".join(c.id for c in d.cameras),
              _day(d.created_at), _day(d.revoked_at)] for d in list_devices(session, farm_id)])


def cameras(session: Session, farm_id: str | None) -> Rows:
    return (["id", "device", "farm", "trees"],
            [[c.id, c.device_id, c.device.farm_id, ", ".join(t.label for t in c.trees)]
             for c in list_cameras(session, farm_id)])


def users(session: Session, farm_id: str | None) -> Rows:
    chosen = [u for u in list_users(session) if farm_id is None or farm_id in {f.id for f in u.farms}]
    return (["username", "role", "name", "farms", "active", "password", "last sign-in"],
            [[u.username, u.role, u.display_name or None, ", ".join(f.id for f in u.farms),
              "yes" if u.active else "no", "set" if u.password_hash else "none", _day(u.last_login_at)]
             for u in chosen])


def claims(session: Session, farm_id: str | None) -> Rows:
    chosen = list_claims(session)
    if farm_id is not None:
        ids = set(session.scalars(select(Claim.id).join(Claim.tree).where(Tree.farm_id == farm_id)))
        chosen = [c for c in chosen if c.id in ids]
    return (["id", "user", "farm", "tree", "first day", "last day", "status", "order"],
            [[c.id, c.user.username, c.tree.farm_id, c.tree.label, _local(c.starts_at, c.tree.farm),
              _local(c.ends_at, c.tree.farm, last=True), c.status, c.order_ref] for c in chosen])


KINDS: dict[str, Callable[[Session, str | None], Rows]] = {
    "farms": farms, "trees": trees, "devices": devices, "cameras": cameras, "users": users, "claims": claims,
    "channels": channels,
}


@click.command("list")
@click.argument("kind", type=click.Choice(list(KINDS)))
@click.option("--farm", "farm_id", help="Only what belongs to this farm.")
@pass_admin
def list_command(admin: Admin, kind: str, farm_id: str | None) -> None:
    """Show the registry's farms, trees, devices, cameras, users, claims or alert channels as a table."""
    with admin.session() as session:
        headers, rows = KINDS[kind](session, farm_id)
    click.echo(table(headers, rows) if rows else f"no {kind}")
