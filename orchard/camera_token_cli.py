"""`orchard camera-token`: print a signed token that lets its bearer watch some cameras.

(The tokens themselves are made and read in orchard/auth/camera_tokens.py.)
"""

from __future__ import annotations

import click

from orchard.auth import check_secret, mint_camera_token
from orchard.errors import OrchardError


@click.command("camera-token")
@click.argument("cameras", nargs=-1, required=True)
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(1), help="Seconds until it expires.")
@click.option("--user", "username", default=None, metavar="USERNAME",
              help="Make it that person's token: it shows only the cameras they may watch, "
                   "and ends when they log out or change their password.")
def command(cameras: tuple[str, ...], ttl: int, username: str | None) -> None:
    """Print a token for CAMERAS ("*" for all), signed with ORCHARD_SECRET_KEY.

    Without ORCHARD_SECRET_KEY, the key `orchard demo` keeps in ORCHARD_DATA_DIR/demo-secret-key is used.

    Use it as `?token=...`, an `Authorization: Bearer ...` header or the
    `orchard_camera` cookie on the streams service's camera endpoints. Without --user it
    is an operator's token, good for the cameras it names until it expires.
    """
    from orchard.auth.policy import Policy
    from orchard.auth.viewer import Viewer
    from orchard.cli import load_settings
    from orchard.demo import demo_secret_path
    from orchard.registry.db import session_factory
    from orchard.registry.people import find_user

    settings = load_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    demo_key = demo_secret_path(settings.data_dir)
    if secret is None and demo_key.exists():
        # `orchard demo` made its own key there when ORCHARD_SECRET_KEY was not set.
        secret = demo_key.read_text().strip()
        click.echo(f"signed with the demo's key in {demo_key} (ORCHARD_SECRET_KEY is not set)", err=True)
    try:
        if username is None:
            click.echo(mint_camera_token(check_secret(secret), cameras, ttl))
            return
        policy = Policy(session_factory(settings.db_url), check_secret(secret), cache_s=0)
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
