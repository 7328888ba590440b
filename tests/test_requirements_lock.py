"""requirements.lock pins every dependency pyproject.toml names, so ./run installs only tested versions."""

from __future__ import annotations

import re
import tomllib

from tests.services import REPO


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(spec: str) -> str:
    match = re.match(r"[A-Za-z0-9][A-Za-z0-9._-]*", spec.strip())
    assert match, spec
    return normalized(match.group(0))


def test_every_dependency_and_extra_is_pinned_exactly():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = {requirement_name(spec) for spec in project["dependencies"]}
    wanted |= {requirement_name(spec) for specs in project["optional-dependencies"].values() for spec in specs}
    pinned = {}
    for line in (REPO / "requirements.lock").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"not an exact pin: {line!r}"
            pinned[normalized(name)] = version
    missing = sorted(wanted - set(pinned))
    assert not missing, f"not in requirements.lock (regenerate it with ./run lock): {missing}"
    assert "orchard-live" not in pinned
