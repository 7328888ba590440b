"""`orchard camera-token`: print a signed token that lets its bearer watch some cameras."""

from __future__ import annotations

import click

from orchard.auth import check_secret, mint_camera_token
from orchard.errors import OrchardError


@click.command("camera-token")
@click.argument("cameras", nargs=-1, required=True)
@click.option("--ttl", default=3600, show_default=True, type=click.IntRange(1), help="Seconds until it expires.")
@click.option("--subject", default=None, help="Who it is for (shown in logs).")
def command(cameras: tuple[str, ...], ttl: int, subject: str | None) -> None:
    """Print a token for CAMERAS ("*" for all), signed with ORCHARD_SECRET_KEY.

    Without ORCHARD_SECRET_KEY, the key `orchard demo` keeps in ORCHARD_DATA_DIR/demo-secret-key is used.

    Use it as `?token=...`, an `Authorization: Bearer ...` header or the
    `orchard_camera` cookie on the streams service's camera endpoints.
    """
    from orchard.cli import load_settings
    from orchard.demo import demo_secret_path

    settings = load_settings()
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    demo_key = demo_secret_path(settings.data_dir)
    if secret is None and demo_key.exists():
        # `orchard demo` made its own key there when ORCHARD_SECRET_KEY was not set.
        secret = demo_key.read_text().strip()
        click.echo(f"signed with the demo's key in {demo_key} (ORCHARD_SECRET_KEY is not set)", err=True)
    try:
        click.echo(mint_camera_token(check_secret(secret), cameras, ttl, subject=subject))
    except (OrchardError, ValueError) as exc:
        raise click.UsageError(str(exc)) from None
