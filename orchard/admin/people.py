"""People and their claims: `create-admin`, `add-farmer`, `add-customer` and `add-claim`."""

from __future__ import annotations

from datetime import date

import click

from orchard.admin.context import DAY, Admin, day_after, farm_midnight, pass_admin, read_password
from orchard.admin.devices import need_tree
from orchard.admin.farms import need_farm
from orchard.registry.models import ClaimStatus, Role
from orchard.registry.people import create_claim, create_user, find_claim_by_order, find_user, normalize_username

PASSWORD_STDIN = click.option("--password-stdin", is_flag=True,
                              help="Read the password from the first line of stdin (for scripts) instead of asking.")


def add_user(admin: Admin, username: str, role: Role, password: str | None, name: str,
             farm_ids: tuple[str, ...] = ()) -> None:
    with admin.session() as session:
        if find_user(session, username) is not None:
            raise click.ClickException(f"there is already a user {normalize_username(username)!r}")
        for farm_id in farm_ids:
            need_farm(session, farm_id)
        user = create_user(session, username, role, password=password, display_name=name, farm_ids=farm_ids)
    farms = f" of farm{'s' if len(farm_ids) > 1 else ''} {', '.join(farm_ids)}" if farm_ids else ""
    click.echo(f"{role} {user.username} added{farms}" + ("" if password else " (no password: cannot sign in yet)"))


@click.command("create-admin")
@click.argument("username")
@click.option("--name", default="", help="The name shown in the dashboard.")
@PASSWORD_STDIN
@pass_admin
def create_admin(admin: Admin, username: str, name: str, password_stdin: bool) -> None:
    """Create an administrator, who may see and change everything (the first one is made this way)."""
    add_user(admin, username, Role.ADMIN, read_password(password_stdin, username), name)


@click.command("add-farmer")
@click.argument("username")
@click.option("--farm", "farm_ids", multiple=True, required=True, help="A farm they work on; repeat for each.")
@click.option("--name", default="", help="The name shown in the dashboard.")
@PASSWORD_STDIN
@pass_admin
def add_farmer(admin: Admin, username: str, farm_ids: tuple[str, ...], name: str, password_stdin: bool) -> None:
    """Add a farmer, who sees the readings, trees and cameras of their farms."""
    add_user(admin, username, Role.FARMER, read_password(password_stdin, username), name, farm_ids)


@click.command("add-customer")
@click.argument("username")
@click.option("--name", default="", help="The name shown in the dashboard.")
@PASSWORD_STDIN
@click.option("--no-password", is_flag=True,
              help="Create the account without a password: it cannot sign in until one is set "
                   "(e.g. when the shop creates the account and the customer signs in another way later).")
@pass_admin
def add_customer(admin: Admin, username: str, name: str, password_stdin: bool, no_password: bool) -> None:
    """Add a customer, who sees the trees they claim while their claims run."""
    if no_password and password_stdin:
        raise click.UsageError("give --password-stdin or --no-password, not both")
    password = None if no_password else read_password(password_stdin, username)
    add_user(admin, username, Role.CUSTOMER, password, name)


@click.command("add-claim")
@click.argument("username")
@click.argument("farm_id", metavar="FARM")
@click.argument("tree_label", metavar="TREE_LABEL")
@click.option("--start", required=True, type=DAY, help="The first day the customer sees the tree.")
@click.option("--end", required=True, type=DAY, help="The last day the customer sees the tree (included).")
@click.option("--order", "order_ref", help="The shop's order reference; one claim per order.")
@click.option("--status", type=click.Choice([s.value for s in ClaimStatus]), default=ClaimStatus.ACTIVE.value,
              show_default=True, help="Only active claims show the tree.")
@pass_admin
def add_claim(admin: Admin, username: str, farm_id: str, tree_label: str, start: date, end: date,
              order_ref: str | None, status: str) -> None:
    """Give a customer a claim on a tree from --start to --end, both days included, on the farm's clock."""
    if end < start:
        raise click.BadParameter("the last day comes before the first", param_hint="--end")
    with admin.session() as session:
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"there is no user {username!r} (add them with add-customer)")
        farm = need_farm(session, farm_id)
        tree = need_tree(session, farm, tree_label)
        if order_ref and (other := find_claim_by_order(session, order_ref)) is not None:
            raise click.ClickException(f"order {order_ref!r} already made claim {other.id}")
        claim = create_claim(session, user, tree, farm_midnight(start, farm.timezone),
                             farm_midnight(day_after(end), farm.timezone), status=status, order_ref=order_ref)
    click.echo(f"claim {claim.id}: {user.username} on tree {tree.label} of farm {farm.id}, "
               f"{start} to {end} ({status})")
