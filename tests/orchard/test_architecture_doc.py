"""docs/ARCHITECTURE.md keeps the contracts the code has: every setting, every metric and its range."""

from __future__ import annotations

import re
from pathlib import Path

from orchard.settings import PREFIX, Settings
from orchard.vocabulary import KNOWN_METRICS
from tests.services import REPO

DOC = REPO / "docs" / "ARCHITECTURE.md"


def test_every_setting_is_documented():
    text = DOC.read_text()
    missing = [PREFIX + name.upper() for name in Settings.model_fields if PREFIX + name.upper() not in text]
    assert not missing, f"settings missing from {DOC.name}: {missing}"


def test_every_known_metric_is_documented_with_its_range():
    text = DOC.read_text()
    for metric, (low, high) in KNOWN_METRICS.items():
        row = next((line for line in text.splitlines() if line.startswith(f"| `{metric}`")), None)
        assert row is not None, f"{metric} is not in the metric table"
        numbers = [float(n.replace(",", "").replace("−", "-")) for n in re.findall(r"[−-]?[\d,]+(?:\.\d+)?", row)]
        assert low in numbers and (high is None or high in numbers), (metric, low, high, row)


def test_nothing_cites_a_design_document_outside_the_repository():
    cited = [str(path.relative_to(REPO)) for pattern in ("*.md", "**/*.py") for path in REPO.glob(pattern)
             if ".venv" not in path.parts and path != Path(__file__)
             and "DESIGN" + ".md" in path.read_text(errors="replace")]
    assert not cited, f"these cite DESIGN.md, which is not in the repository: {cited}"
