"""docker-compose.yml read as the IT helper's docker would: every name it uses must exist.

No Docker engine runs here, so the pieces it uses are tested elsewhere (the broker
config, the commands); this checks the file wires them together without typos.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from orchard.cli import SUBCOMMANDS
from orchard.settings import PREFIX, Settings

REPO = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((REPO / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
OURS = {name: svc for name, svc in SERVICES.items() if svc.get("image") == "orchard-live"}


def test_every_orchard_variable_is_a_setting():
    known = {PREFIX + name.upper() for name in Settings.model_fields}
    for name, service in OURS.items():
        for variable in service.get("environment", {}):
            assert variable in known or variable.removesuffix("_FILE") in known, f"{name}: {variable}"


@pytest.mark.parametrize("name", sorted(OURS))
def test_every_command_is_an_orchard_subcommand(name):
    service = OURS[name]
    command = service.get("entrypoint", ["orchard"])[1:] + service.get("command", [])
    assert command and command[0] in SUBCOMMANDS, f"{name} runs {command}"


def test_every_secret_and_volume_is_declared_and_every_file_exists():
    for name, service in SERVICES.items():
        for secret in service.get("secrets", []):
            assert secret in COMPOSE["secrets"], f"{name} uses undeclared secret {secret}"
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (REPO / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in COMPOSE["volumes"], f"{name} uses undeclared volume {source}"
        for secret_file in (Path(s["file"]) for s in COMPOSE["secrets"].values()):
            assert secret_file.parts[0] == "secrets"  # made by the header's one-liner, never committed


def test_secret_files_named_in_environment_are_mounted():
    for name, service in OURS.items():
        mounted = {f"/run/secrets/{s}" for s in service.get("secrets", [])}
        for variable, value in service.get("environment", {}).items():
            if variable.endswith("_FILE"):
                assert value in mounted, f"{name}: {variable} points at {value}, which is not mounted"


def test_the_broker_entrypoint_knows_every_service_account_secret():
    entrypoint = (REPO / "deploy" / "mosquitto" / "entrypoint.sh").read_text()
    mounted = set(SERVICES["mosquitto"]["secrets"])
    for account in ("orchard-ingest", "orchard-streams", "orchard-simulator", "orchard-dashboard"):
        assert account in entrypoint
        assert "mqtt_" + account.removeprefix("orchard-") in mounted
