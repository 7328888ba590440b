"""`orchard alerts list` and `orchard alerts ack`: a farm's alerts from a terminal, as the API shows them."""

from __future__ import annotations

from zoneinfo import ZoneInfo

import click
from sqlalchemy import select

from orchard.admin.context import Admin, table
from orchard.auth.policy import Policy
from orchard.auth.viewer import Viewer
from orchard.errors import NotFound
from orchard.registry import incidents
from orchard.registry.alerting import AlertIncident, Severity
from orchard.registry.incidents import Filter, State
from orchard.registry.models import Farm, Tree
from orchard.registry.people import find_user
from orchard.times import parse_instant

HEADERS = ["id", "farm", "rule", "severity", "state", "where", "value", "fired (farm time)", "acknowledged",
           "resolved (farm time)"]


def _admin(ctx: click.Context, db_url: str | None) -> Admin:
    admin = Admin(db_url)
    ctx.call_on_close(admin.close)
    return admin


def _where(incident: AlertIncident, trees: dict[int, str]) -> str:
    parts = [f"tree {trees[incident.tree_id]}" if incident.tree_id in trees else None,
             f"device {incident.device_id}" if incident.device_id else None]
    return ", ".join(p for p in parts if p) or incident.subject


def _value(value: float | None) -> str | None:
    return None if value is None else f"{value:g}"


@click.command("list")
@click.option("--farm", help="Only this farm's alerts.")
@click.option("--state", type=click.Choice([s.value for s in State]),
              help="active (firing or acknowledged), firing, acknowledged or resolved.")
@click.option("--severity", type=click.Choice([s.value for s in Severity]))
@click.option("--rule", help="A rule key, e.g. frost.")
@click.option("--tree", "tree_label", help="A tree's label (with --farm).")
@click.option("--device", help="A device id.")
@click.option("--since", help="Alerts still active at or after this time (ISO 8601; no zone means UTC).")
@click.option("--until", help="Alerts fired at or before this time.")
@click.option("--limit", type=click.IntRange(1, incidents.MAX_LIMIT), default=50, show_default=True)
@click.option("--db-url", help="The registry database (default: ORCHARD_DB_URL).")
@click.pass_context
def list_command(ctx: click.Context, farm: str | None, state: str | None, severity: str | None, rule: str | None,
                 tree_label: str | None, device: str | None, since: str | None, until: str | None, limit: int,
                 db_url: str | None) -> None:
    """Show alerts, active ones first: what fired, where, the value, who acknowledged it and when it cleared."""
    admin = _admin(ctx, db_url)
    with admin.session() as session:
        tree_id = None
        if tree_label is not None:
            if farm is None:
                raise click.UsageError("--tree needs --farm (tree labels are per farm)")
            tree_id = session.scalar(select(Tree.id).where(Tree.farm_id == farm, Tree.label == tree_label))
            if tree_id is None:
                raise NotFound(f"farm {farm!r} has no tree {tree_label!r}")
        where = Filter(farm_id=farm, state=State(state) if state else None,
                       severity=Severity(severity) if severity else None, rule_key=rule, tree_id=tree_id,
                       device_id=device, since=parse_instant(since, "--since"), until=parse_instant(until, "--until"),
                       limit=limit)
        found = incidents.list_incidents(session, None, where)
        zones = dict(session.execute(select(Farm.id, Farm.timezone)).all())
        trees = dict(session.execute(select(Tree.id, Tree.label).where(
            Tree.id.in_({i.tree_id for i, _ in found if i.tree_id is not None}))).all())

        def local(incident: AlertIncident, at) -> str | None:
            return at.astimezone(ZoneInfo(zones.get(incident.farm_id, "UTC"))).strftime("%Y-%m-%d %H:%M") \
                if at else None

        rows: list[list[object]] = [[
            i.id, i.farm_id, i.rule_key, i.severity.value, incidents.state_of(i).value, _where(i, trees),
            _value(i.fired_value), local(i, i.fired_at),
            f"{who or '?'} {local(i, i.acknowledged_at)}" if i.acknowledged_at else None, local(i, i.resolved_at),
        ] for i, who in found]
    click.echo(table(HEADERS, rows) if rows else "no alerts")


@click.command("ack")
@click.argument("alert_id", type=click.IntRange(1, 2 ** 63 - 1))
@click.option("--user", "username", required=True, help="Who acknowledges it: an admin or a farmer of its farm.")
@click.option("--db-url", help="The registry database (default: ORCHARD_DB_URL).")
@click.pass_context
def ack_command(ctx: click.Context, alert_id: int, username: str, db_url: str | None) -> None:
    """Acknowledge an alert in someone's name: the farm's channels hear who took it on."""
    admin = _admin(ctx, db_url)
    # The one policy decides who may acknowledge; the command line signs nothing, so it needs no secret.
    policy = Policy(admin.sessions, secret="", cache_s=0)
    with admin.session() as session:
        user = find_user(session, username)
        incident = incidents.get_incident(session, alert_id)
        if user is None or not user.active:
            raise NotFound(f"no active user {username!r}")
        if incident is None:
            raise NotFound(f"no alert {alert_id}")
        if not policy.may_edit(Viewer.of(user), "alert", incident.farm_id):
            raise click.ClickException(f"{user.username} ({user.role}) may not acknowledge the alerts of farm "
                                       f"{incident.farm_id!r}")
        incident = incidents.acknowledge(session, alert_id, user)
        where = f" on {incident.device_id}" if incident.device_id else ""
    click.echo(f"alert {alert_id} ({incident.rule_key}{where}) acknowledged by {user.username}")
