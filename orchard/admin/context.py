"""What every admin command shares: settings, a migrated registry, and reading what a person types."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

import click
from sqlalchemy import Engine
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from orchard.cli import load_settings, setup_logging
from orchard.errors import Conflict, Invalid, NotFound, SettingsError
from orchard.registry.db import make_engine, session_factory, session_scope
from orchard.registry.migrate import upgrade
from orchard.settings import Settings

MIN_PASSWORD = 8


class Admin:
    """The settings and registry sessions of one admin command, made on first use (so --help needs neither)."""

    def __init__(self, db_url: str | None = None) -> None:
        self.db_url = db_url
        self._engine: Engine | None = None

    @cached_property
    def settings(self) -> Settings:
        settings = load_settings(**({"db_url": self.db_url} if self.db_url else {}))
        setup_logging(settings)
        if settings.log_level != "DEBUG":  # alembic says what it does on every run; a person needs none of it
            for name in ("alembic", "orchard.registry.migrate"):
                logging.getLogger(name).setLevel(logging.WARNING)
        return settings

    def migrate(self) -> None:
        """Bring the registry to the current schema; a bad URL or an unreachable database is one line."""
        try:
            upgrade(self.settings.db_url)
        except SettingsError as exc:
            click.echo(f"orchard: configuration error: {exc}", err=True)
            sys.exit(2)
        except OperationalError as exc:
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise click.ClickException(f"cannot open the registry database: {reason}") from None

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        self.migrate()
        self._engine = make_engine(self.settings.db_url)
        return session_factory(self._engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed when the command succeeds; any error saves nothing and reads as one line."""
        try:
            with session_scope(self.sessions) as session:
                yield session
        except (NotFound, Invalid, Conflict) as exc:  # a bug (KeyError, say) keeps its traceback
            raise click.ClickException(str(exc)) from None
        except IntegrityError as exc:
            reason = str(exc.orig).strip().splitlines()[0]
            raise click.ClickException(f"the registry refused the change: {reason}") from None

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


pass_admin = click.make_pass_decorator(Admin, ensure=True)


def read_password(from_stdin: bool, who: str) -> str:
    """A person's new password: the first line of stdin, or typed twice at a hidden prompt."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt(f"Password for {who}", hide_input=True, confirmation_prompt=True)
    if len(password) < MIN_PASSWORD:
        raise click.ClickException(f"a password needs at least {MIN_PASSWORD} characters")
    return password


class Day(click.ParamType):
    """A YYYY-MM-DD date on the command line."""

    name = "YYYY-MM-DD"

    def convert(self, value: object, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            if len(str(value)) == 10:
                return date.fromisoformat(str(value))
        except ValueError:
            pass
        self.fail(f"{value!r} is not a date like 2025-03-01", param, ctx)


DAY = Day()


def farm_midnight(day: date, timezone: str) -> datetime:
    """The start of `day` on a farm's clock, as an aware datetime."""
    return datetime.combine(day, time(), tzinfo=ZoneInfo(timezone))


def day_after(day: date) -> date:
    return day + timedelta(days=1)


def table(headers: list[str], rows: list[list[object]]) -> str:
    """Rows as a plain text table with aligned columns; None shows as '-'."""
    cells = [[("-" if value is None else str(value)) for value in row] for row in rows]
    widths = [max([len(h), *(len(row[i]) for row in cells)]) for i, h in enumerate(headers)]
    lines = ["  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    return "\n".join(lines)
