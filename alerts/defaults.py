"""The built-in rules the service evaluates: orchard/alert_rules.py's one table (with where each number
comes from), as the evaluator's `Rule`s. A farmer tunes them per farm, plot or tree (`alert_rules`)."""

from __future__ import annotations

from dataclasses import asdict

from alerts.rules import Rule
from orchard.alert_rules import DEFAULT_RULES

DEFAULTS: dict[str, Rule] = {rule.key: Rule(**asdict(rule)) for rule in DEFAULT_RULES}
