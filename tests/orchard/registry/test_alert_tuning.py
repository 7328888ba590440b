"""orchard/registry/alert_tuning.py on SQLite and PostgreSQL: the most specific override wins, clearing restores."""

from __future__ import annotations

import pytest

from orchard.alert_rules import DEFAULTS
from orchard.errors import Invalid, NotFound
from orchard.registry import alert_tuning
from orchard.registry.alert_tuning import effective_rules, scope
from orchard.registry.orchards import create_farm, create_plot, create_tree


@pytest.fixture
def farm(session):
    create_farm(session, "hill", "Hill")
    create_farm(session, "valley", "Valley")
    north = create_plot(session, "hill", "north")
    tree = create_tree(session, "hill", "17", plot_id=north.id)
    loose = create_tree(session, "hill", "30")
    other = create_tree(session, "valley", "5")
    return {"plot": north.id, "tree": tree.id, "loose": loose.id, "other": other.id}


def frost(session, where):
    return next(found for found in effective_rules(session, where) if found.rule.key == "frost")


def test_defaults_apply_until_a_farmer_tunes(session, farm):
    rules = effective_rules(session, scope(session, "hill"))
    assert [found.rule.key for found in rules] == list(DEFAULTS)
    assert {found.source for found in rules} == {"default"}


def test_the_most_specific_override_wins_and_clearing_brings_back_the_wider_one(session, farm):
    hill, plot = scope(session, "hill"), scope(session, "hill", plot_id=farm["plot"])
    tree, loose = scope(session, "hill", tree_id=farm["tree"]), scope(session, "hill", tree_id=farm["loose"])
    alert_tuning.set_override(session, hill, "frost", {"threshold": -1, "clear_threshold": 0.5})
    alert_tuning.set_override(session, plot, "frost", {"threshold": -2})
    assert (frost(session, tree).rule.threshold, frost(session, tree).source) == (-2, "plot")
    assert frost(session, tree).rule.clear_threshold == 0.5  # inherited from the farm's override
    assert (frost(session, loose).rule.threshold, frost(session, loose).source) == (-1, "farm")
    alert_tuning.set_override(session, tree, "frost", {"threshold": -3, "severity": "info"})
    found = frost(session, tree)
    assert (found.rule.threshold, found.rule.severity, found.source) == (-3, "info", "tree")
    assert found.overridden_here
    assert frost(session, plot).overridden_here and not frost(session, loose).overridden_here
    assert alert_tuning.clear_override(session, tree, "frost") is True
    assert frost(session, tree).rule.threshold == -2
    assert alert_tuning.clear_override(session, tree, "frost") is False
    alert_tuning.clear_override(session, plot, "frost")
    alert_tuning.clear_override(session, hill, "frost")
    assert frost(session, tree).rule == DEFAULTS["frost"]
    assert frost(session, scope(session, "valley")).source == "default"


def test_setting_the_same_override_twice_updates_one_row(session, farm):
    hill = scope(session, "hill")
    alert_tuning.set_override(session, hill, "heat_stress", {"threshold": 36, "clear_threshold": 33})
    alert_tuning.set_override(session, hill, "heat_stress", {"repeat_s": 0})
    heat = next(f for f in effective_rules(session, hill) if f.rule.key == "heat_stress")
    assert (heat.rule.threshold, heat.rule.repeat_s) == (36, 0)


def test_a_farm_may_add_a_rule_of_its_own(session, farm):
    hill = scope(session, "hill")
    alert_tuning.set_override(session, hill, "wet_leaves", {"metric": "leaf_wetness_pct", "condition": "above",
                                                             "threshold": 90, "clear_threshold": 80})
    assert [f.rule.key for f in effective_rules(session, hill)][-1] == "wet_leaves"
    assert "wet_leaves" not in [f.rule.key for f in effective_rules(session, scope(session, "valley"))]


def test_a_bad_scope_or_tuning_is_refused_and_keeps_nothing(session, farm):
    with pytest.raises(NotFound, match="no tree"):
        scope(session, "hill", tree_id=farm["other"])
    with pytest.raises(NotFound, match="no plot"):
        scope(session, "valley", plot_id=farm["plot"])
    with pytest.raises(Invalid, match="not both"):
        scope(session, "hill", plot_id=farm["plot"], tree_id=farm["tree"])
    hill = scope(session, "hill")
    with pytest.raises(Invalid, match="clear_threshold"):
        alert_tuning.set_override(session, hill, "frost", {"threshold": 4})
    assert frost(session, hill).source == "default"
