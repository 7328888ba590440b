"""`orchard camera-token`: print a signed token that lets its bearer watch some cameras.

(The tokens themselves are made and read in orchard/auth/camera_tokens.py.)
"""

from __future__ import annotations

import click

from orchard.auth import mint_camera_token
from orchard.errors import OrchardError


@click.command("camera-token")
@click.argument("cameras", nargs=-1, required=True)
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(1), help="Seconds until it expires.")
@click.option("--user", "username", default=None, metavar="USERNAME",
              help="Make it that person's token: it shows only the cameras they may watch, "
                   "and ends when they log out or change their password.")
def command(cameras: tuple[str, ...], ttl: int, username: str | None) -> None:
    """Print a token for CAMERAS ("*" for all), signed with ORCHARD_SECRET_KEY.

    Use it as `?token=...`, an `Authorization: Bearer ...` header or the
    `orchard_camera` cookie on the streams service's camera endpoints. Without --user it
    is an operator's token, good for the cameras it names until it expires.
    """
    from orchard.auth.setup import policy_for, secret_of
    from orchard.auth.viewer import Viewer
    from orchard.cli import load_settings
    from orchard.registry.people import find_user

    settings = load_settings()
    try:
        if username is None:
            click.echo(mint_camera_token(secret_of(settings), cameras, ttl))
            return
        policy = policy_for(settings, cache_s=0)
        with policy.sessions() as session:
            user = find_user(session, username)
            if user is None or not user.active:
                raise click.UsageError(f"there is no active user {username!r} (see `orchard admin list users`)")
            viewer = Viewer.of(user)
        refused = [camera for camera in cameras if camera != "*" and not policy.may_watch(viewer, camera)]
        if refused:
            raise click.UsageError(f"{user.username} may not watch {', '.join(refused)} now, "
                                   "so the relay would refuse the token")
        click.echo(policy.camera_token(viewer, list(cameras), ttl))
    except (OrchardError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
