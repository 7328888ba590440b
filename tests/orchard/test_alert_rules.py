"""orchard/alert_rules.py: the built-in rules are valid, and tuning refuses rules that could not fire or clear."""

from __future__ import annotations

import pytest

from orchard.alert_rules import DEFAULT_RULES, DEFAULTS, check, tuned
from orchard.errors import Invalid
from orchard.registry.alerting import Aggregate, Condition, Severity


@pytest.mark.parametrize("rule", DEFAULT_RULES, ids=lambda rule: rule.key)
def test_every_built_in_rule_passes_its_own_checks(rule):
    check(rule)
    assert rule.repeat_s >= 0


def test_frost_warns_at_two_degrees_with_hysteresis_and_reminds_every_four_hours():
    frost = DEFAULTS["frost"]
    assert (frost.metric, frost.condition, frost.threshold, frost.clear_threshold) == ("air_temp_c", "below", 2, 3)
    assert frost.severity == Severity.CRITICAL and frost.repeat_s == 4 * 3600


def test_tuning_changes_only_what_is_given():
    rule = tuned("frost", DEFAULTS["frost"], {"threshold": -2, "clear_threshold": -0.5, "severity": "warning"})
    assert (rule.threshold, rule.clear_threshold, rule.severity, rule.metric) == (-2, -0.5, "warning", "air_temp_c")
    assert rule.duration_s == DEFAULTS["frost"].duration_s


@pytest.mark.parametrize(("changes", "words"), [
    ({"threshold": 4}, "clear_threshold: a rule that fires below 4 clears at or above it, not at 3"),
    ({"condition": "above"}, "clear_threshold: a rule that fires above 2 clears at or below it"),
    ({"metric": "air_temp_f"}, "metric: 'air_temp_f' is not a known metric"),
    ({"threshold": -80, "clear_threshold": -70}, "threshold: -80 is outside what air_temp_c can read"),
    ({"duration_s": -1}, "duration_s: must be whole seconds"),
    ({"repeat_s": -60}, "repeat_s: must be whole seconds"),
    ({"window_s": -5}, "window_s: must be whole seconds"),
    ({"aggregate": "mean"}, "window_s: give a window"),
    ({"threshold": float("nan")}, "threshold: must be a finite number"),
    ({"condition": "sideways"}, "condition: 'sideways' is not one of above, below"),
    ({"colour": "red"}, "colour: not a setting of a rule"),
    ({"kind": "offline"}, "kind: the rule 'frost' is a threshold rule"),
])
def test_a_tuning_that_cannot_work_is_refused_with_words_naming_the_setting(changes, words):
    with pytest.raises(Invalid) as refused:
        tuned("frost", DEFAULTS["frost"], changes)
    assert words in str(refused.value)


def test_offline_rules_count_missed_intervals():
    assert tuned("offline", DEFAULTS["offline"], {"threshold": 6}).threshold == 6
    with pytest.raises(Invalid, match="threshold: a device or camera is late after 1 or more"):
        tuned("offline", DEFAULTS["offline"], {"threshold": 0.5, "clear_threshold": 0})
    with pytest.raises(Invalid, match="metric: a offline rule"):
        tuned("offline", DEFAULTS["offline"], {"metric": "air_temp_c"})


def test_a_new_rule_needs_its_metric_and_thresholds():
    with pytest.raises(Invalid, match="metric: a new rule 'wet_leaves' needs it"):
        tuned("wet_leaves", None, {"threshold": 90, "clear_threshold": 80})
    rule = tuned("wet_leaves", None, {"metric": "leaf_wetness_pct", "condition": "above", "threshold": 90,
                                      "clear_threshold": 80, "aggregate": "mean", "window_s": 7200})
    assert (rule.kind, rule.condition, rule.aggregate) == ("threshold", Condition.ABOVE, Aggregate.MEAN)
    with pytest.raises(Invalid, match="key: 'Bad Key'"):
        tuned("Bad Key", None, {"metric": "air_temp_c", "threshold": 1, "clear_threshold": 2})
