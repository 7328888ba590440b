"""The chart panel of the charts page and a tree's page: subject, metrics, range; zoom and live updates.

A range is downsampled by the store to at most MAX_POINTS buckets per metric, so 30
days never ship raw points. Zooming asks the store again for the zoomed span (finer
buckets). The live timer asks only for buckets completed since the last one shown
(`extendData`) and the latest values; it never fetches the whole range again.
What the panel shows is kept in a dcc.Store, which the browser controls: every use of
it asks the policy again (readings.scope) and clamps its numbers.
"""

from __future__ import annotations

import re
import time
from datetime import date, datetime, timedelta
from typing import Any, cast

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, ctx, dcc, html, no_update

from dashboard import figures, guard, i18n, ids, readings, timefmt
from dashboard.i18n import t
from dashboard.readings import MAX_POINTS, Scope, Subject
from orchard import times
from orchard.auth.policy import Viewer
from orchard.store.base import BUCKET_WIDTHS_MS

RANGES = {"6h": 6 * 3_600_000, "24h": 86_400_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000}
RANGE_KEYS = ("6h", "24h", "7d", "30d", "season", "custom")
PREFERRED = ("air_temp_c", "air_humidity_pct", "soil_moisture_pct", "soil_temp_c", "rain_mm", "battery_v", "rssi_dbm")
DEFAULT_METRICS = ("air_temp_c", "soil_moisture_pct", "soil_temp_c")
MAX_METRICS = 6
LIVE_MS = 30_000
METRIC = re.compile(r"[a-z][a-z0-9_]{0,63}")
SEASON_START = (3, 1)
X_RANGE = re.compile(r"xaxis\d*\.range\[0\]")
X_AUTORANGE = re.compile(r"xaxis\d*\.autorange")  # the growing season counts from 1 March, farm time
MAX_SPAN_MS = MAX_POINTS * BUCKET_WIDTHS_MS[-1]  # a chart's worth of the widest buckets (~9.6 years)
LATEST_MS = times.to_ms(times.LATEST)


def panel(subjects: list[dict], subject: str | None, lang: str, *, show_subjects: bool = True) -> html.Div:
    """The controls, the graph and its state; `subjects` are select options the viewer may see."""
    return html.Div([
        dmc.Group([
            dmc.Select(id=ids.CHART_SUBJECT, data=subjects, value=subject, searchable=True, allowDeselect=False,
                       label=t("farmer.charts.subject", lang), w=240,
                       style=None if show_subjects else {"display": "none"}),
            dmc.MultiSelect(id=ids.CHART_METRICS, data=[], value=[], label=t("farmer.charts.metrics", lang),
                            maxValues=MAX_METRICS, w=340, clearable=True),
        ], align="flex-end", gap="sm"),
        dmc.Group([
            dmc.SegmentedControl(id=ids.CHART_RANGE, value="24h", data=[
                {"value": key, "label": t(f"farmer.charts.range.{key}", lang)} for key in RANGE_KEYS]),
            dmc.DatePickerInput(id=ids.CHART_CUSTOM, type="range", w=260,
                                placeholder=t("farmer.charts.pick_dates", lang), clearable=True,
                                valueFormat="YYYY-MM-DD"),
        ], gap="sm", className="orchard-chart-controls"),
        dmc.Text(id=ids.CHART_NOTE, size="sm", c="dimmed"),
        dcc.Loading(dcc.Graph(id=ids.CHART_GRAPH, config=cast(Any, i18n.plotly_config(lang, responsive=True)),
                              className="orchard-graph"), delay_show=400),
        dcc.Store(id=ids.CHART_STATE),
        dcc.Interval(id=ids.CHART_REFRESH, interval=LIVE_MS),
    ], className="orchard-chart-panel")


@dash.callback(Output(ids.CHART_METRICS, "data"), Output(ids.CHART_METRICS, "value"),
               Input(ids.CHART_SUBJECT, "value"), State(ids.CHART_METRICS, "value"))
@guard.guarded
def offer_metrics(viewer: Viewer, subject, chosen):
    """The metrics measured for the subject, in the viewer's language; a sensible few chosen."""
    scope = readings.scope(viewer, Subject.parse(subject))
    if scope is None:
        return [], []
    lang = i18n.current()
    present = sorted(readings.series(scope), key=lambda m: (PREFERRED.index(m) if m in PREFERRED else 99, m))
    options = [{"value": m, "label": figures.metric_label(m, lang)} for m in present]
    keep = [m for m in (chosen or []) if m in present]
    return options, keep or [m for m in DEFAULT_METRICS if m in present] or present[:2]


@dash.callback(Output(ids.CHART_GRAPH, "figure"), Output(ids.CHART_STATE, "data"),
               Input(ids.CHART_SUBJECT, "value"), Input(ids.CHART_METRICS, "value"), Input(ids.CHART_RANGE, "value"),
               Input(ids.CHART_CUSTOM, "value"), Input(ids.CHART_GRAPH, "relayoutData"))
@guard.guarded
def draw(viewer: Viewer, subject, metrics, range_key, custom, relayout):
    lang = i18n.current()
    scope = readings.scope(viewer, Subject.parse(subject))
    metrics = clean_metrics(metrics)
    if scope is None or not metrics:
        return figures.band_figure({}, "UTC", lang), None
    now_ms = int(time.time() * 1000)
    start_ms, end_ms, live = span(scope, range_key, custom, now_ms)
    if ctx.triggered_id == ids.CHART_GRAPH:
        zoomed = zoom_span(relayout, scope.timezone)
        if zoomed is None:
            return no_update, no_update
        if isinstance(zoomed, tuple):
            start_ms, end_ms = clamp_span(*zoomed)
            live = end_ms >= now_ms - LIVE_MS
    width, data = readings.query(scope, metrics, start_ms, end_ms)
    if live:  # only complete buckets: the timer adds each one as it completes
        done = now_ms - now_ms % width
        data = {m: [b for b in buckets if b.start_ms + width <= done] for m, buckets in data.items()}
    # A live chart lets Plotly widen its axis as buckets arrive; a past span is drawn edge to edge.
    x_range = None if live else _local_range(scope, start_ms, end_ms)
    figure = figures.band_figure(data, scope.timezone, lang, x_range=x_range)
    figure.update_layout(meta={"subject": str(scope.subject), "bucket_ms": width})
    last = max((buckets[-1].start_ms for buckets in data.values() if buckets), default=start_ms - width)
    state = {"subject": str(scope.subject), "metrics": metrics, "bucket_ms": width, "next_ms": last + width,
             "live": live, "span_ms": end_ms - start_ms}
    return figure, state


@dash.callback(Output(ids.CHART_GRAPH, "extendData"), Output(ids.CHART_STATE, "data", allow_duplicate=True),
               Output(ids.CHART_NOTE, "children"),
               Input(ids.CHART_REFRESH, "n_intervals"), State(ids.CHART_STATE, "data"), prevent_initial_call=True)
@guard.guarded
def extend(viewer: Viewer, _tick, state):
    """New complete buckets since the last one shown, and the latest values; nothing else is asked for."""
    if not isinstance(state, dict):
        return no_update, no_update, no_update
    scope = readings.scope(viewer, Subject.parse(state.get("subject")))
    metrics = clean_metrics(state.get("metrics"))
    if scope is None or not metrics:
        return no_update, None, None
    lang = i18n.current()
    newest = readings.latest(scope, metrics)
    now_ms = int(time.time() * 1000)
    note = " · ".join(f"{figures.metric_label(m, lang).split(' (')[0]} {newest[m].value:.1f} {figures.unit(m)}"
                      for m in metrics if m in newest)
    if newest:
        note += " · " + timefmt.age(max(v.ts_ms for v in newest.values()), now_ms, lang)
    width = state.get("bucket_ms")
    if not state.get("live") or width not in BUCKET_WIDTHS_MS:
        return no_update, no_update, note
    done = now_ms - now_ms % width
    since = _int(state.get("next_ms"), done)
    since = min(max(since, done - MAX_POINTS * width), done)  # a forged state asks for no more than a chart's worth
    if since >= done:
        return no_update, no_update, note
    _, data = readings.query(scope, metrics, since, done, bucket_ms=width)
    if not any(data.values()):
        return no_update, no_update, note
    xs, ys, traces = [], [], []
    for index, metric in enumerate(metrics):
        columns = figures.arrays(data.get(metric, []), scope.timezone)
        for offset, column in enumerate(("max", "min", "mean")):
            xs.append(columns["t"].tolist())
            ys.append(columns[column].tolist())
            traces.append(3 * index + offset)
    span_ms = min(max(_int(state.get("span_ms"), 0), width), MAX_POINTS * width * 4)
    fresh = {"subject": str(scope.subject), "metrics": metrics, "bucket_ms": width, "next_ms": done, "live": True,
             "span_ms": span_ms}  # rebuilt from checked values, never the browser's store echoed back
    return [{"x": xs, "y": ys}, traces, max(1, span_ms // width)], fresh, note


def subjects_for(viewer: Viewer, lang: str) -> list[dict]:
    """Select options (grouped by farm) of every tree, plot and device of the farms the viewer may see."""
    from sqlalchemy import select

    from dashboard import services
    from orchard.registry.models import Device, Farm, Plot, Tree

    svc = services.get()
    farms = svc.policy.farm_ids(viewer)
    groups = []
    with svc.reading() as session:
        query = select(Farm).order_by(Farm.name)
        if farms is not None:
            query = query.where(Farm.id.in_(farms))
        for farm in session.scalars(query):
            items = [{"value": f"tree:{tree_id}", "label": t("farmer.charts.tree", lang, label=label,
                                                             variety=variety or "")}
                     for tree_id, label, variety in session.execute(
                         select(Tree.id, Tree.label, Tree.variety).where(Tree.farm_id == farm.id).order_by(Tree.label))]
            items += [{"value": f"plot:{plot_id}", "label": t("farmer.charts.plot", lang, name=name)}
                      for plot_id, name in session.execute(
                          select(Plot.id, Plot.name).where(Plot.farm_id == farm.id).order_by(Plot.name))]
            items += [{"value": f"device:{device_id}", "label": t("farmer.charts.device", lang, id=device_id)}
                      for device_id in session.scalars(
                          select(Device.id).where(Device.farm_id == farm.id, Device.revoked_at.is_(None))
                          .order_by(Device.id))]
            groups.append({"group": farm.name, "items": items})
    return groups


def clean_metrics(metrics) -> list[str]:
    if not isinstance(metrics, list):
        return []
    return [m for m in metrics if isinstance(m, str) and METRIC.fullmatch(m)][:MAX_METRICS]


def span(scope: Scope, range_key, custom, now_ms: int) -> tuple[int, int, bool]:
    """[start, end) in UTC ms for a range choice, and whether it runs up to now (so it goes on live)."""
    if range_key in RANGES:
        return now_ms - RANGES[range_key], now_ms, True
    zone = timefmt.zone(scope.timezone)
    if range_key == "custom" and isinstance(custom, list) and len(custom) == 2 and all(custom):
        days = _days(custom)
        if days is not None and days[0] <= days[1]:
            start = datetime.combine(days[0], datetime.min.time(), zone)
            end = datetime.combine(days[1] + timedelta(days=1), datetime.min.time(), zone)
            start_ms, end_ms = clamp_span(_ms(start), min(_ms(end), now_ms))
            return start_ms, end_ms, _ms(end) >= now_ms
    if range_key == "season":
        today = datetime.fromtimestamp(now_ms / 1000, zone)
        year = today.year if (today.month, today.day) >= SEASON_START else today.year - 1
        return _ms(datetime(year, *SEASON_START, tzinfo=zone)), now_ms, True
    return now_ms - RANGES["24h"], now_ms, True


def clamp_span(start_ms: int, end_ms: int) -> tuple[int, int]:
    """[start, end) inside the years orchard/times.py reads, and at most MAX_SPAN_MS long (kept at its end)."""
    end_ms = min(max(end_ms, 0), LATEST_MS)
    return min(max(start_ms, end_ms - MAX_SPAN_MS, 0), end_ms), end_ms


def _days(custom: list) -> tuple[date, date] | None:
    """The picker's two days, read by orchard/times.py (so within 1970 to 9998); None if either is not one."""
    try:
        first, last = (times.parse_instant(str(day)[:10], "day") for day in custom)
    except ValueError:  # orchard.errors.Invalid: not a day, or outside the years
        return None
    return (first.date(), last.date()) if first and last else None


def zoom_span(relayout, tz: str) -> tuple[int, int] | str | None:
    """The UTC span a zoom shows ("reset" for a double-click), from the farm-local times Plotly reports."""
    if not isinstance(relayout, dict):
        return None
    # Rows share one time axis: a zoom on any row names its own axis (xaxis, xaxis2, ...).
    for key, value in relayout.items():
        if isinstance(key, str) and X_AUTORANGE.fullmatch(key) and value:
            return "reset"
    axis = next((key.split(".")[0] for key in relayout if isinstance(key, str) and X_RANGE.fullmatch(key)), None)
    low, high = (relayout.get(f"{axis}.range[0]"), relayout.get(f"{axis}.range[1]")) if axis else (None, None)
    whole = next((v for k, v in relayout.items() if isinstance(k, str) and re.fullmatch(r"xaxis\d*\.range", k)), None)
    if low is None and isinstance(whole, list) and len(whole) == 2:
        low, high = whole
    try:
        start, end = (_from_local(value, tz) for value in (low, high))
    except (TypeError, ValueError, OverflowError, OSError):  # forged: not a time, or past what a clock holds
        return None
    return (start, end) if start < end else None


def _from_local(value, tz: str) -> int:
    """Epoch ms of a Plotly axis value ("2026-11-30 12:00:00.5" or ms), read as the farm's wall clock.

    Read by orchard/times.py, so only the years 1970 to 9998; anything else is ValueError.
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"not an axis value: {type(value).__name__}")
    if isinstance(value, str):
        moment = times.parse_instant(value[:26], "zoom")
    elif 0 <= value <= LATEST_MS:  # NaN fails both comparisons
        moment = times.from_ms(int(value))
    else:
        raise ValueError("zoom: outside the years 1970 to 9998")
    if moment is None:
        raise ValueError("zoom: empty")
    return _ms(moment.replace(tzinfo=timefmt.zone(tz)))


def _local_range(scope: Scope, start_ms: int, end_ms: int) -> list[str]:
    return [timefmt.local(ms, scope.timezone).strftime("%Y-%m-%d %H:%M:%S") for ms in (start_ms, end_ms)]


def _int(value, default: int) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)
