"""`orchard admin backup|restore` from the command line."""

from __future__ import annotations

from tests.orchard.admin.conftest import run_admin


def test_backup_then_restore_into_a_new_registry_keeps_the_farm_and_its_trees(admin, hillside, tmp_path):
    backup_path = tmp_path / "nightly.json.gz"
    result = admin("backup", backup_path)
    assert backup_path.is_file() and "backed up" in result.output
    assert not list(tmp_path.glob("*.partial"))

    new_registry = f"sqlite:///{tmp_path / 'new' / 'registry.db'}"
    restored = run_admin(new_registry, "restore", backup_path)
    assert "registry restored" in restored.output
    listed = run_admin(new_registry, "list", "trees", "--farm", "hillside").output
    assert "17" in listed and "18" in listed


def test_restore_into_a_registry_in_use_is_refused_with_one_line(admin, hillside, tmp_path, db_url):
    backup_path = tmp_path / "nightly.json.gz"
    admin("backup", backup_path)
    refused = admin("restore", backup_path, ok=False)
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    assert "restore refused" in refused.output and "Traceback" not in refused.output
    assert "17" in admin("list", "trees", "--farm", "hillside").output


def test_a_file_that_is_not_a_backup_is_refused(admin, tmp_path):
    junk = tmp_path / "junk.json.gz"
    junk.write_bytes(b"not a backup")
    refused = run_admin(f"sqlite:///{tmp_path / 'fresh.db'}", "restore", junk, ok=False)
    assert refused.exit_code == 1 and isinstance(refused.exception, SystemExit)
    assert "restore refused: the backup file is damaged or not a backup" in refused.output
