"""A farm's alert rules as a farmer tunes them: the built-in defaults, overridden per farm, plot or tree.

For a tree the most specific row of a key wins: the tree's own, else its plot's, else the farm's,
else the built-in rule (orchard/alert_rules.py). An override holds a whole rule, so clearing it
brings back what the next wider scope says.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from orchard.alert_rules import DEFAULTS, Rule, rule_from_row, tuned
from orchard.errors import Invalid, NotFound
from orchard.registry.alerting import AlertRule
from orchard.registry.models import Plot, Tree

DEFAULT, FARM, PLOT, TREE = "default", "farm", "plot", "tree"


@dataclass(frozen=True)
class Scope:
    """Where a rule applies: a whole farm, one plot of it, or one tree (with the plot it stands in)."""

    farm_id: str
    plot_id: int | None = None
    tree_id: int | None = None
    tree_plot_id: int | None = None  # the tree's plot, whose overrides the tree inherits

    @property
    def level(self) -> str:
        return TREE if self.tree_id is not None else PLOT if self.plot_id is not None else FARM


@dataclass(frozen=True)
class EffectiveRule:
    """A rule in force for a scope, and where it comes from ("default", "farm", "plot" or "tree")."""

    rule: Rule
    source: str
    overridden_here: bool  # the scope itself holds an override of this key (one a farmer may clear)


def scope(session: Session, farm_id: str, *, plot_id: int | None = None, tree_id: int | None = None) -> Scope:
    """The scope named by a farm and at most one of its plots or trees; NotFound or Invalid otherwise."""
    if plot_id is not None and tree_id is not None:
        raise Invalid("plot: give a plot or a tree, not both")
    if plot_id is not None:
        plot = session.get(Plot, plot_id)
        if plot is None or plot.farm_id != farm_id:
            raise NotFound(f"farm {farm_id!r} has no plot {plot_id}")
        return Scope(farm_id, plot_id=plot_id)
    if tree_id is not None:
        tree = session.get(Tree, tree_id)
        if tree is None or tree.farm_id != farm_id:
            raise NotFound(f"farm {farm_id!r} has no tree {tree_id}")
        return Scope(farm_id, tree_id=tree_id, tree_plot_id=tree.plot_id)
    return Scope(farm_id)


def effective_rules(session: Session, where: Scope) -> list[EffectiveRule]:
    """Every rule in force at `where`, by key: defaults first in their order, then the farm's own keys."""
    found: dict[str, tuple[int, AlertRule]] = {}
    for row in _rows_above(session, where):
        rank = _rank(row)
        if row.key not in found or rank > found[row.key][0]:
            found[row.key] = (rank, row)
    level = {0: FARM, 1: PLOT, 2: TREE}
    answer = []
    for key in [*DEFAULTS, *sorted(set(found) - set(DEFAULTS))]:
        if key in found:
            rank, row = found[key]
            answer.append(EffectiveRule(rule_from_row(row), level[rank], level[rank] == where.level))
        else:
            answer.append(EffectiveRule(DEFAULTS[key], DEFAULT, False))
    return answer


def set_override(session: Session, where: Scope, key: str, changes: dict[str, Any]) -> EffectiveRule:
    """Override `key` at `where` with the rule in force there changed by `changes`; Invalid says what is wrong."""
    in_force = {found.rule.key: found.rule for found in effective_rules(session, where)}
    rule = tuned(key, in_force.get(key), changes)
    row = _own_row(session, where, key)
    if row is None:
        row = AlertRule(farm_id=where.farm_id, plot_id=where.plot_id, tree_id=where.tree_id, key=key)
        session.add(row)
    for field in fields(Rule):
        setattr(row, field.name, getattr(rule, field.name))
    session.flush()
    return EffectiveRule(rule, where.level, True)


def clear_override(session: Session, where: Scope, key: str) -> bool:
    """Remove the override of `key` at `where` (the wider rule applies again); False if there was none."""
    row = _own_row(session, where, key)
    if row is None:
        return False
    session.delete(row)
    session.flush()
    return True


def _own_row(session: Session, where: Scope, key: str) -> AlertRule | None:
    return session.scalar(select(AlertRule).where(
        AlertRule.farm_id == where.farm_id, AlertRule.key == key,
        AlertRule.plot_id.is_(None) if where.plot_id is None else AlertRule.plot_id == where.plot_id,
        AlertRule.tree_id.is_(None) if where.tree_id is None else AlertRule.tree_id == where.tree_id))


def _rows_above(session: Session, where: Scope) -> list[AlertRule]:
    """The farm's override rows that apply at `where`: the farm's, its plot's, its own."""
    farm_wide = (AlertRule.plot_id.is_(None)) & (AlertRule.tree_id.is_(None))
    plot = where.plot_id if where.plot_id is not None else where.tree_plot_id
    applies: list[ColumnElement[bool]] = [farm_wide]
    if plot is not None:
        applies.append((AlertRule.plot_id == plot) & AlertRule.tree_id.is_(None))
    if where.tree_id is not None:
        applies.append(AlertRule.tree_id == where.tree_id)
    return list(session.scalars(select(AlertRule).where(AlertRule.farm_id == where.farm_id, or_(*applies))))


def _rank(row: AlertRule) -> int:
    return 2 if row.tree_id is not None else 1 if row.plot_id is not None else 0
