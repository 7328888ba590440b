"""A claim's readings for "My tree": latest values, last day's rain, season charts and what is new since.

Every query is bounded by the claim's window (the policy's, clipped to the claim), never by
anything the browser sent: a cursor from the page only says where its charts end.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from dash import dcc, html

from orchard.readings import Bucket
from orchard.registry.access import Window
from orchard.store.base import BUCKET_WIDTHS_MS, choose_bucket_ms
from dashboard import i18n, ids, services
from dashboard.customer import conditions
from dashboard.customer.claims import TreeClaim
from dashboard.i18n import t
from dashboard.timefmt import local

HOUR_MS = 3_600_000
MAX_POINTS = 300  # buckets per line on a phone: finer than its pixels, light on a slow uplink
SOIL = ("soil_moisture_pct",)
TEMPERATURE = ("air_temp_c", "soil_temp_c")
LINE_COLOURS = {"soil_moisture_pct": "#2f6fb0", "air_temp_c": "#d9822b", "soil_temp_c": "#7a5230"}
NAMES = {"soil_moisture_pct": "customer.charts.soil_moisture", "air_temp_c": "customer.charts.air_temp",
         "soil_temp_c": "customer.charts.soil_temp"}


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _tags(farm_id: str, tree_id: int) -> dict[str, str]:
    return {"farm": farm_id, "tree": str(tree_id)}


def has_readings(tree_id: int, farm_id: str, window: Window) -> bool:
    """Whether the tree has sent any reading inside the window."""
    start, end = _ms(window.start), _ms(window.end)
    return any(start <= latest.ts_ms < end for latest in services.get().store.latest(_tags(farm_id, tree_id)))


def latest_values(claim: TreeClaim, now: datetime) -> dict[str, tuple[int, float]]:
    """The newest (ts_ms, value) of each metric at the tree, inside the claim's window."""
    if claim.window is None:
        return {}
    start, end = _ms(claim.window.start), min(_ms(claim.window.end), _ms(now) + 60_000)
    newest: dict[str, tuple[int, float]] = {}
    for latest in services.get().store.latest(_tags(claim.farm_id, claim.tree_id)):
        metric = latest.series.metric
        if start <= latest.ts_ms < end and latest.ts_ms > newest.get(metric, (-1, 0.0))[0]:
            newest[metric] = (latest.ts_ms, latest.value)
    return newest


def _buckets(claim: TreeClaim, metric: str, start_ms: int, end_ms: int, bucket_ms: int) -> list[Bucket]:
    """One metric's buckets at the tree over [start, end) clipped to the claim; several sensors merged."""
    assert claim.window is not None
    start_ms, end_ms = max(start_ms, _ms(claim.window.start)), min(end_ms, _ms(claim.window.end))
    if start_ms >= end_ms:
        return []
    store = services.get().store
    merged: dict[int, list[Bucket]] = {}
    for series in store.list_series(_tags(claim.farm_id, claim.tree_id)):
        if series.metric == metric:
            for bucket in store.query(series, start_ms, end_ms, bucket_ms):
                merged.setdefault(bucket.start_ms, []).append(bucket)
    return [_merge(start, found) for start, found in sorted(merged.items())]


def _merge(start_ms: int, found: list[Bucket]) -> Bucket:
    count = sum(b.count for b in found)
    mean = sum(b.mean * b.count for b in found) / count if count else found[0].mean
    return Bucket(start_ms, mean, min(b.min for b in found), max(b.max for b in found), count)


def rain_hours(claim: TreeClaim, now: datetime) -> list[tuple[int, float]]:
    """Rain per hour over the last day (mm: the hour's readings added up)."""
    end = _ms(now) - _ms(now) % HOUR_MS + HOUR_MS
    start = end - (conditions.RAIN_LOOKBACK_H + 1) * HOUR_MS
    return [(b.start_ms, b.mean * b.count) for b in _buckets(claim, "rain_mm", start, end, HOUR_MS)]


def today(claim: TreeClaim, now: datetime) -> list[conditions.Phrase]:
    return conditions.describe(latest_values(claim, now), rain_hours(claim, now), _ms(now), claim.timezone)


# -- charts --------------------------------------------------------------------------------------


def _x(claim: TreeClaim, buckets: list[Bucket], bucket_ms: int) -> list[str]:
    """Bucket middles as the farm's wall-clock time: the axis reads as the farmer's day."""
    return [local(b.start_ms + bucket_ms // 2, claim.timezone).strftime("%Y-%m-%d %H:%M:%S") for b in buckets]


def _traces(claim: TreeClaim, metric: str, buckets: list[Bucket], bucket_ms: int, lang: str) -> list[dict]:
    """Three traces per metric: the highest, the lowest filled up to it, and the mean."""
    x = _x(claim, buckets, bucket_ms)
    colour, name = LINE_COLOURS[metric], t(NAMES[metric], lang)
    band = {"mode": "lines", "line": {"width": 0, "color": colour}, "hoverinfo": "skip", "showlegend": False,
            "type": "scatter", "legendgroup": metric}
    return [
        {**band, "x": x, "y": [b.max for b in buckets], "name": t("customer.charts.range", lang, name=name)},
        {**band, "x": x, "y": [b.min for b in buckets], "fill": "tonexty", "fillcolor": colour + "33",
         "name": t("customer.charts.range", lang, name=name)},
        {"type": "scatter", "mode": "lines", "x": x, "y": [round(b.mean, 2) for b in buckets], "name": name,
         "line": {"width": 2, "color": colour}, "legendgroup": metric},
    ]


def _figure(traces: list[dict], title: str) -> dict:
    return {"data": traces, "layout": {
        "title": {"text": title, "font": {"size": 14}, "x": 0.02},
        "margin": {"l": 40, "r": 8, "t": 36, "b": 32}, "autosize": True,
        "xaxis": {"type": "date", "fixedrange": True}, "yaxis": {"fixedrange": True},
        "showlegend": len(traces) > 3, "legend": {"orientation": "h", "y": -0.2}, "hovermode": "x unified",
        "paper_bgcolor": "rgba(0,0,0,0)", "plot_bgcolor": "#fafcf8",
    }}


def _plan(claim: TreeClaim, now: datetime) -> tuple[int, int, int]:
    """The charts' span [start, end) and bucket width: the claim so far, complete buckets only."""
    assert claim.window is not None
    start, end = _ms(claim.window.start), min(_ms(claim.window.end), _ms(now))
    bucket = choose_bucket_ms(start, max(end, start + 1), MAX_POINTS)
    return start, max(start, end - end % bucket), bucket


def _graph(graph_id: str, claim: TreeClaim, metrics: tuple[str, ...], title_key: str, start: int, end: int,
           bucket: int, lang: str) -> list:
    """A chart with three traces per metric (fixed order, so extensions know their indices), or a note if empty."""
    traces = []
    for metric in metrics:
        traces += _traces(claim, metric, _buckets(claim, metric, start, end, bucket), bucket, lang)
    empty = not any(trace["y"] for trace in traces)
    style = {"height": "240px", **({"display": "none"} if empty else {})}
    graph = dcc.Graph(id=graph_id, figure=_figure(traces, t(title_key, lang)), responsive=True,
                      config=i18n.plotly_config(lang, displayModeBar=False), className="my-tree__chart", style=style)
    return [html.P(t("customer.charts.empty", lang), className="my-tree__empty"), graph] if empty else [graph]


def charts(claim: TreeClaim, now: datetime, lang: str) -> tuple[html.Section, dict]:
    """Soil moisture and temperature over the claim so far, and the cursor for later extensions."""
    start, end, bucket = _plan(claim, now)
    parts = [html.H2(t("customer.charts.title", lang))]
    parts += _graph(ids.MY_TREE_SOIL, claim, SOIL, "customer.charts.soil_moisture", start, end, bucket, lang)
    parts += _graph(ids.MY_TREE_TEMP, claim, TEMPERATURE, "customer.charts.temperature", start, end, bucket, lang)
    return html.Section(parts, className="my-tree__section my-tree__wide"), {"until": end, "bucket": bucket}


def _extend(claim: TreeClaim, metrics: tuple[str, ...], start: int, end: int, bucket: int):
    """extendData for one chart: the new buckets of each metric, for its three traces; None if nothing."""
    xs, ys, indices = [], [], []
    for position, metric in enumerate(metrics):
        buckets = _buckets(claim, metric, start, end, bucket)
        x = _x(claim, buckets, bucket)
        xs += [x, x, x]
        ys += [[b.max for b in buckets], [b.min for b in buckets], [round(b.mean, 2) for b in buckets]]
        indices += [3 * position, 3 * position + 1, 3 * position + 2]
    if not any(xs):
        return None
    return [{"x": xs, "y": ys}, indices]


def extension(claim: TreeClaim, cursor: object, now: datetime) -> tuple[list | None, list | None, dict]:
    """What completed since the page's cursor, inside the claim; a cursor the server did not make starts over."""
    start, end, bucket = _plan(claim, now)
    if isinstance(cursor, Mapping) and cursor.get("bucket") in BUCKET_WIDTHS_MS and isinstance(cursor.get("until"), int):
        bucket = cursor["bucket"]
        start = max(start, cursor["until"] - cursor["until"] % bucket)
        end = max(start, min(_ms(claim.window.end), _ms(now)) // bucket * bucket)
        start = max(start, end - MAX_POINTS * bucket)  # never more than one chart's worth at once
    else:
        return None, None, {"until": end, "bucket": bucket}
    if end <= start:
        return None, None, {"until": start, "bucket": bucket}
    return (_extend(claim, SOIL, start, end, bucket), _extend(claim, TEMPERATURE, start, end, bucket),
            {"until": end, "bucket": bucket})
