"""Forged chart inputs (zoom and custom range) get a harmless answer: no 500, no traceback, a bounded query."""

from __future__ import annotations

import pytest

from dashboard import chart_panel
from orchard import times
from tests.dashboard.conftest import call_callback

OUTPUTS = [("chart-graph", "figure"), ("chart-state", "data")]
WEEK = 7 * 86_400_000
FORGED_ZOOMS = [
    {"xaxis.range[0]": 1e20, "xaxis.range[1]": 2e20},
    {"xaxis.range[0]": 1e20},
    {"xaxis.range[0]": -1e20, "xaxis.range[1]": 0},
    {"xaxis.range[0]": "1970-01-01 00:00:00", "xaxis.range[1]": "9998-12-31 00:00:00"},
    {"xaxis.range[0]": "0001-01-01", "xaxis.range[1]": "9999-12-31 23:59:59"},
    {"xaxis2.range": ["x" * 5000, 3]},
]
FORGED_CUSTOM = [["2020-01-01", "9999-12-31"], ["0001-01-01", "2020-01-01"], ["1970-01-01", "9998-12-31"],
                 ["2020-01-01", 1e20]]


def _post(dashboard, relayout, range_key="24h", custom=None):
    tree = dashboard.orchard.trees["17"]
    inputs = [("chart-subject", "value", f"tree:{tree}"), ("chart-metrics", "value", ["air_temp_c"]),
              ("chart-range", "value", range_key), ("chart-custom", "value", custom),
              ("chart-graph", "relayoutData", relayout)]
    changed = ["chart-graph.relayoutData"] if relayout is not None else ["chart-custom.value"]
    return call_callback(dashboard.client("farmer-hill"), OUTPUTS, inputs, changed=changed)


def test_forged_zooms_and_custom_ranges_are_answered_harmlessly(dashboard):
    before = dashboard.log.read_text(errors="replace") if dashboard.log.exists() else ""
    answers = [(z, _post(dashboard, z)) for z in FORGED_ZOOMS]
    answers += [(c, _post(dashboard, None, "custom", c)) for c in FORGED_CUSTOM]
    assert [(asked, r.status_code) for asked, r in answers if r.status_code not in (200, 204)] == []
    for asked, response in answers:
        if response.status_code == 200:
            state = response.json()["response"].get("chart-state", {}).get("data")  # absent: no zoom at all
            assert state is None or state["span_ms"] <= chart_panel.MAX_SPAN_MS, asked  # never 420,000 weeks
    logged = dashboard.log.read_text(errors="replace")[len(before):]
    assert "ERROR" not in logged and "Traceback" not in logged, logged[-2000:]


@pytest.mark.parametrize("value", [1e20, -1e20, float("inf"), float("nan"), "9999-12-31 23:59:59", "0001-01-01",
                                   "x" * 100, True, None])
def test_an_unreadable_or_outside_zoom_value_is_no_zoom(value):
    assert chart_panel.zoom_span({"xaxis.range[0]": value, "xaxis.range[1]": "2026-01-01 00:00:00"}, "UTC") is None


def test_a_zoom_is_read_as_the_farms_wall_clock():
    start, end = chart_panel.zoom_span({"xaxis.range[0]": "2026-06-01 08:00:00",
                                        "xaxis.range[1]": "2026-06-01 09:00:00.5"}, "Asia/Shanghai")
    assert times.iso_ms(start) == "2026-06-01T00:00:00.000Z" and end - start == 3_600_500


def test_a_span_is_clamped_to_the_years_and_capped():
    cap = chart_panel.MAX_SPAN_MS
    assert cap == chart_panel.MAX_POINTS * WEEK
    late = times.to_ms(times.LATEST)
    assert chart_panel.clamp_span(-10**20, 10**20) == (late - cap, late)
    assert chart_panel.clamp_span(0, late) == (late - cap, late)
    assert chart_panel.clamp_span(1_000, 5_000) == (1_000, 5_000)
    assert chart_panel.clamp_span(-5_000, 5_000) == (0, 5_000)


def test_a_custom_range_past_the_years_falls_back_without_overflow():
    from dashboard.readings import Scope, Subject
    from orchard.auth.policy import ALL_TIME

    scope = Scope(Subject("tree", "1"), "hill", "Pacific/Kiritimati", {}, ALL_TIME)
    now = times.to_ms(times.utc(__import__("datetime").datetime(2026, 6, 1)))
    for custom in FORGED_CUSTOM:
        start, end, _ = chart_panel.span(scope, "custom", custom, now)
        assert 0 <= start < end <= now and end - start <= chart_panel.MAX_SPAN_MS, custom
