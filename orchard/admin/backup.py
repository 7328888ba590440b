"""`orchard admin backup|restore`: the registry to a file and back, on SQLite or PostgreSQL alike."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

import click
from sqlalchemy.exc import OperationalError

from orchard.admin.context import Admin, pass_admin
from orchard.errors import Conflict, Invalid
from orchard.registry.backup import backup_file, restore
from orchard.registry.models import utcnow


def _summary(counts: dict[str, int]) -> str:
    return f"{sum(counts.values())} rows in {len(counts)} tables"


@click.command("backup")
@click.argument("file", required=False, type=click.Path(dir_okay=False, path_type=Path))
@pass_admin
def backup_command(admin: Admin, file: Path | None) -> None:
    """Write the whole registry to FILE (default: registry-<UTC time>.json.gz here).

    The backup is read in one transaction, so services may keep running. It restores into
    SQLite or PostgreSQL alike: `orchard admin --db-url postgresql://... restore FILE`.
    """
    path = file or Path(f"registry-{utcnow():%Y%m%d-%H%M%S}.json.gz")
    try:
        counts = backup_file(admin.settings.db_url, path)
    except (Invalid, OSError) as exc:
        raise click.ClickException(f"backup failed: {exc}") from None
    except OperationalError as exc:
        raise click.ClickException(f"cannot read the registry: {str(exc.orig or exc).strip().splitlines()[0]}") \
            from None
    click.echo(f"registry backed up to {path}: {_summary(counts)}")


@click.command("restore")
@click.argument("file", type=click.File("rb"))
@pass_admin
def restore_command(admin: Admin, file: BinaryIO) -> None:
    """Load a backup FILE ('-' for stdin) into an EMPTY registry, then migrate it to this version's schema.

    Stop the services that write the registry first; point ORCHARD_DB_URL (or --db-url) at a
    new database. A registry that already holds rows is refused, never overwritten.
    """
    try:
        counts = restore(admin.settings.db_url, file)
    except (Invalid, Conflict) as exc:
        raise click.ClickException(f"restore refused: {exc}") from None
    except OperationalError as exc:
        raise click.ClickException(f"cannot write the registry: {str(exc.orig or exc).strip().splitlines()[0]}") \
            from None
    click.echo(f"registry restored: {_summary(counts)}")
