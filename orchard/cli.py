"""The `orchard` command: one console script whose subcommands live with their services."""

from __future__ import annotations

import importlib
import logging
import sys
from typing import Any

import click

from orchard.errors import SettingsError
from orchard.settings import Settings

# Subcommands are imported only when used, so `orchard device` on a Pi never loads the dashboard.
SUBCOMMANDS = {
    "demo": "orchard.demo:command",
    "ingest": "ingest.__main__:command",
    "device": "devices.__main__:device_command",
    "simulate": "devices.__main__:simulate_command",
    "readings": "orchard.report:command",
    "streams": "streams.__main__:command",
    "camera-token": "orchard.camera_token_cli:command",
    "api": "api.__main__:command",
    "dashboard": "dashboard.cli:command",
    "admin": "orchard.admin:group",
    "alerts": "alerts.cli:group",
    "retention": "orchard.retention_cli:command",
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(SUBCOMMANDS)

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        target = SUBCOMMANDS.get(name)
        if target is None:
            return None
        module, attr = target.split(":")
        return getattr(importlib.import_module(module), attr)


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment, or one clear line and exit status 2."""
    try:
        return Settings.load(**overrides)
    except SettingsError as exc:
        click.echo(f"orchard: configuration error: {exc}", err=True)
        sys.exit(2)


def setup_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level,
        format="%(asctime)s %(levelname)-7s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
    )


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="orchard-live")
def main() -> None:
    """Orchard Live: field sensors and cameras for a fruit cooperative, over MQTT.

    Configuration comes from ORCHARD_* environment variables (see the README).
    """


if __name__ == "__main__":
    main()
