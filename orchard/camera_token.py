"""`orchard camera-token`: print a signed token that lets its bearer watch some cameras."""

from __future__ import annotations

import click

from orchard.auth import mint_camera_token
from orchard.errors import OrchardError


@click.command("camera-token")
@click.argument("cameras", nargs=-1, required=True)
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(1), help="Seconds until it expires.")
@click.option("--subject", default=None, help="Who it is for (shown in logs).")
def command(cameras: tuple[str, ...], ttl: int, subject: str | None) -> None:
    """Print a token for CAMERAS ("*" for all), signed with ORCHARD_SECRET_KEY.

    Use it as `?token=...`, an `Authorization: Bearer ...` header or the
    `orchard_camera` cookie on the streams service's camera endpoints.
    """
    from orchard.cli import load_settings

    settings = load_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    try:
        click.echo(mint_camera_token(secret, cameras, ttl, subject=subject))
    except (OrchardError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
