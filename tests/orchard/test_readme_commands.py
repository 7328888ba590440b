"""The README's command table against `orchard --help`: every command and option that exists, and no other."""

from __future__ import annotations

import re

from click.testing import CliRunner

from orchard.cli import main
from tests.services import REPO

OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*")


def help_text(*path: str) -> str:
    """What `orchard PATH --help` prints (run in this process: one interpreter for all of them)."""
    result = CliRunner().invoke(main, [*path, "--help"], prog_name="orchard", terminal_width=100)
    assert result.exit_code == 0, result.output
    return result.output


def section(text: str, title: str) -> list[str]:
    lines = text.split(f"\n{title}:\n", 1)[1].split("\n\n", 1)[0].splitlines() if f"\n{title}:\n" in text else []
    return [line for line in lines if line.strip()]


def commands_and_options() -> dict[str, set[str]]:
    """Every command path ("demo", "admin", "admin add-device", ...) with its long options (not --help)."""
    found: dict[str, set[str]] = {}
    pending = [()]
    while pending:
        path = pending.pop()
        text = help_text(*path)
        if path:
            names = [line.strip().split("  ")[0] for line in section(text, "Options") if line.startswith("  -")]
            found[" ".join(path)] = {o for name in names for o in OPTION.findall(name)} - {"--help"}
        pending += [(*path, line.split()[0]) for line in section(text, "Commands") if line.startswith("  ")
                    and not line.startswith("   ")]
    return found


def readme_rows() -> dict[str, str]:
    """The command table's rows, by the command path their first cell names."""
    text = (REPO / "README.md").read_text().split("\n### Commands\n", 1)[1].split("\n#", 1)[0]
    rows = {}
    for line in text.splitlines():
        match = re.match(r"\| `orchard ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", line)
        if match:
            rows[match.group(1)] = line
    return rows


def test_the_command_table_lists_every_command_and_option():
    rows = readme_rows()
    commands = commands_and_options()
    missing = sorted(set(commands) - set(rows))
    assert not missing, f"commands missing from the README's table: {missing}"
    for path, options in commands.items():
        absent = sorted(o for o in options if not re.search(re.escape(o) + r"(?![\w-])", rows[path]))
        assert not absent, f"`orchard {path}` options missing from its README row: {absent}"
    stale = sorted(set(rows) - set(commands))
    assert not stale, f"README rows for commands that do not exist: {stale}"
