"""A claim's readings for "My tree": latest values, last day's rain, season charts and what is new since.

Queries go through dashboard/readings.py on a Scope that the policy granted and that is cut
to the claim's own dates, never by anything the browser sent: a cursor from the page only
says where its charts end.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import datetime
from typing import Any, cast

from dash import dcc, html

from dashboard import figures, i18n, ids, readings
from dashboard.customer import conditions
from dashboard.customer.claims import TreeClaim
from dashboard.i18n import t
from dashboard.readings import Scope, Subject
from orchard.auth.policy import Viewer
from orchard.registry.access import Window
from orchard.store.base import BUCKET_WIDTHS_MS, choose_bucket_ms

HOUR_MS = 3_600_000
MAX_POINTS = 300  # buckets per line on a phone: finer than its pixels, light on a slow uplink
SOIL = ("soil_moisture_pct",)
TEMPERATURE = ("air_temp_c", "soil_temp_c")
CHART_ROW_PX = 200


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def claim_scope(viewer: Viewer, claim: TreeClaim) -> Scope | None:
    """The tree's scope as the policy grants it, cut to this claim's dates; None if nothing is granted."""
    granted = readings.scope(viewer, Subject("tree", str(claim.tree_id)))
    if granted is None or claim.window is None:
        return None
    start = max(granted.window.start, claim.window.start)
    end = min(granted.window.end, claim.window.end)
    return dataclasses.replace(granted, window=Window(start, end)) if start < end else None


def has_readings(tree_id: int, farm_id: str, window: Window) -> bool:
    """Whether the tree sent anything inside a window the policy granted (claims.customer_claims asks)."""
    subject = Subject("tree", str(tree_id))
    return bool(readings.latest(Scope(subject, farm_id, "UTC", {"farm": farm_id, "tree": str(tree_id)}, window)))


def rain_hours(scope: Scope, now: datetime) -> list[tuple[int, float]]:
    """Rain per hour over the last day (mm: the hour's readings added up)."""
    end = _ms(now) - _ms(now) % HOUR_MS + HOUR_MS
    start = end - (conditions.RAIN_LOOKBACK_H + 1) * HOUR_MS
    _, found = readings.query(scope, ["rain_mm"], start, end, HOUR_MS)
    return [(b.start_ms, b.mean * b.count) for b in found["rain_mm"]]


def today(scope: Scope, now: datetime) -> list[conditions.Phrase]:
    newest = {metric: (one.ts_ms, one.value) for metric, one in readings.latest(scope).items()
              if one.ts_ms <= _ms(now) + 60_000}
    return conditions.describe(newest, rain_hours(scope, now), _ms(now), scope.timezone)


# -- charts --------------------------------------------------------------------------------------


def _plan(scope: Scope, now: datetime) -> tuple[int, int, int]:
    """The charts' span [start, end) and bucket width: the claim so far, complete buckets only."""
    start, end = scope.clip(_ms(scope.window.start), _ms(now))
    bucket = choose_bucket_ms(start, max(end, start + 1), MAX_POINTS)
    start = -(-start // bucket) * bucket  # buckets start on round times: the first whole one after the claim begins
    return start, max(start, end - end % bucket), bucket


def _graph(graph_id: str, scope: Scope, metrics: tuple[str, ...], start: int, end: int, bucket: int,
           lang: str) -> list:
    """A band chart (three traces per metric in a fixed order, so extensions know their indices); a note if empty."""
    _, data = readings.query(scope, metrics, start, end, bucket)
    empty = not any(data.values())
    figure = figures.band_figure(data, scope.timezone, lang, height_per_metric=CHART_ROW_PX)
    figure.update_layout(margin={"l": 48, "r": 8, "t": 8, "b": 32}, paper_bgcolor="rgba(0,0,0,0)")
    figure.update_xaxes(fixedrange=True)
    figure.update_yaxes(fixedrange=True)  # a thumb scrolling the page must not zoom the chart
    height = {"height": f"{figure.layout.height}px"}
    graph = dcc.Graph(id=graph_id, figure=figure, config=cast(Any, i18n.plotly_config(lang, displayModeBar=False)),
                      className="my-tree__chart", style={**height, "display": "none"} if empty else height)
    return [html.P(t("customer.charts.empty", lang), className="my-tree__empty"), graph] if empty else [graph]


def charts(scope: Scope, now: datetime, lang: str) -> tuple[html.Section, dict]:
    """Soil moisture and temperatures over the claim so far, and the cursor for later extensions."""
    start, end, bucket = _plan(scope, now)
    parts = [html.H2(t("customer.charts.title", lang))]
    parts += _graph(ids.MY_TREE_SOIL, scope, SOIL, start, end, bucket, lang)
    parts += _graph(ids.MY_TREE_TEMP, scope, TEMPERATURE, start, end, bucket, lang)
    return html.Section(parts, className="my-tree__section my-tree__wide"), {"until": end, "bucket": bucket}


def _extend(scope: Scope, metrics: tuple[str, ...], start: int, end: int, bucket: int):
    """extendData for one chart: each metric's new buckets for its band and mean traces; None if nothing."""
    _, data = readings.query(scope, metrics, start, end, bucket)
    xs, ys, indices = [], [], []
    for position, metric in enumerate(metrics):
        columns = figures.arrays(data[metric], scope.timezone)
        x = columns["t"].tolist()
        xs += [x, x, x]
        ys += [columns["max"].tolist(), columns["min"].tolist(), columns["mean"].tolist()]
        indices += [3 * position, 3 * position + 1, 3 * position + 2]
    if not any(xs):
        return None
    return [{"x": xs, "y": ys}, indices]


def extension(scope: Scope, cursor: object, now: datetime) -> tuple[list | None, list | None, dict]:
    """What completed since the page's cursor, inside the scope; a cursor the server did not make starts over."""
    start, end, bucket = _plan(scope, now)
    if not isinstance(cursor, Mapping) or cursor.get("bucket") not in BUCKET_WIDTHS_MS \
            or type(cursor.get("until")) is not int:
        return None, None, {"until": end, "bucket": bucket}
    bucket = int(cursor["bucket"])
    start = -(-max(start, int(cursor["until"])) // bucket) * bucket
    end = max(start, scope.clip(start, _ms(now))[1] // bucket * bucket)
    start = max(start, end - MAX_POINTS * bucket)  # never more than one chart's worth at once
    if end <= start:
        return None, None, {"until": start, "bucket": bucket}
    return _extend(scope, SOIL, start, end, bucket), _extend(scope, TEMPERATURE, start, end, bucket), \
        {"until": end, "bucket": bucket}
