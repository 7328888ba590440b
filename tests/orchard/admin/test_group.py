"""`orchard admin` itself: help everywhere without touching the registry, and migration first."""

import subprocess
import sys

import pytest
from click.testing import CliRunner

from orchard.admin import group
from orchard.registry.migrate import current_revision
from tests.orchard.admin.conftest import run_admin

COMMANDS = sorted(group.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_admin_command_has_help_and_needs_no_database(tmp_path, command):
    db = tmp_path / "untouched.db"
    result = run_admin(f"sqlite:///{db}", command, "--help")
    assert "Usage:" in result.output and not db.exists()


def test_admin_is_a_subcommand_of_orchard():
    result = subprocess.run([sys.executable, "-m", "orchard.cli", "admin", "--help"],
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0 and "sync-broker" in result.stdout


def test_any_command_migrates_a_new_registry_first(admin, db_url):
    assert "no farms" in admin("list", "farms").output
    assert current_revision(db_url) is not None


def test_migrate_says_which_revision_the_registry_is_at(admin, db_url):
    output = admin("migrate").output
    assert current_revision(db_url) and f"registry at revision {current_revision(db_url)}" in output


def test_a_bad_setting_is_one_line_naming_it(monkeypatch):
    monkeypatch.setenv("ORCHARD_DB_URL", "mysql://db/orchard")
    result = CliRunner().invoke(group, ["list", "farms"])
    assert result.exit_code == 2 and "ORCHARD_DB_URL" in result.output
