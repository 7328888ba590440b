"""`password-link`: an invitation or password-reset link for a person, printed for the admin to pass on."""

from __future__ import annotations

import click

from orchard.admin.context import Admin, pass_admin
from orchard.errors import Invalid
from orchard.public_links import account_path, public_link
from orchard.registry.invitations import LinkPurpose, issue_link
from orchard.registry.people import find_user, normalize_username


@click.command("password-link")
@click.argument("username")
@pass_admin
def password_link(admin: Admin, username: str) -> None:
    """Print a single-use link where USERNAME sets a password: an invitation (14 days) if they have none,
    else a reset (24 hours). Orchard Live sends no e-mail: pass the link on yourself."""
    with admin.session() as session:
        user = find_user(session, username)
        if user is None:
            raise click.ClickException(f"there is no user {normalize_username(username)!r}")
        purpose = LinkPurpose.RESET if user.password_hash else LinkPurpose.INVITE
        try:
            link, token = issue_link(session, user, purpose)
        except Invalid as exc:
            raise click.ClickException(str(exc)) from None
        expires = link.expires_at
    click.echo(f"{purpose} link for {user.username}, until {expires:%Y-%m-%d %H:%M} UTC:")
    click.echo(public_link(admin.settings.public_url, account_path(purpose, token)))
