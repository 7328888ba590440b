"""Alert rules by the names a farmer reads: built-in rules from the catalog, a farm's own by its key."""

from __future__ import annotations

from dashboard.i18n import catalog


def rule_name(key: str, lang: str) -> str:
    name = catalog(lang).get(f"alerts.rule.{key}")
    return name if name is not None else key.replace("_", " ")
