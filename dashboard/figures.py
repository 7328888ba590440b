"""Pure figure functions: buckets in, Plotly figures out (no registry, no store, no request).

Each metric gets a mean line and a min–max band, on its own row with its unit in the
axis title. Times arrive as epoch ms and are shifted to the farm's wall clock, because
Plotly shows date axes as they are given. Values go as numpy arrays, which plotly.py
sends as compact typed arrays; no scattergl (browsers allow few WebGL contexts a page).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC
from zoneinfo import ZoneInfo

import numpy as np
import plotly.graph_objects as go

from dashboard.i18n import t
from dashboard.timefmt import zone
from orchard.readings import Bucket

# Unit by the metric's suffix: canonical names carry their unit (DESIGN.md, metric vocabulary).
UNITS = (("_ms_cm", "mS/cm"), ("_hpa", "hPa"), ("_pct", "%"), ("_dbm", "dBm"), ("_lux", "lx"), ("_deg", "°"),
         ("_mm", "mm"), ("_ms", "m/s"), ("_c", "°C"), ("_v", "V"), ("_ph", "pH"))
COLOURS = ("#2f7a32", "#1c6fb5", "#b5651d", "#8e3fae", "#c23b3b", "#2a8f8f")
# Tick labels per zoom level: hours and day below a day's spacing, days below a month's, else months.
TICKS = {
    "en": ("%H:%M<br>%-d %b", "%-d %b", "%b %Y"),
    "zh-CN": ("%H:%M<br>%-m月%-d日", "%-m月%-d日", "%Y年%-m月"),
}
FONT = "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif"


def unit(metric: str) -> str:
    for suffix, symbol in UNITS:
        if metric.endswith(suffix):
            return symbol
    return ""


def metric_label(metric: str, lang: str) -> str:
    """"Soil moisture (%)": the metric's name in the viewer's language, with its unit."""
    from dashboard.i18n import catalog

    name = catalog(lang).get(f"common.metric.{metric}") or metric.replace("_", " ")
    symbol = unit(metric)
    return f"{name} ({symbol})" if symbol else name


def arrays(buckets: Sequence[Bucket], tz: str | ZoneInfo | None = None) -> dict[str, np.ndarray]:
    """Columns of `buckets`: t (epoch ms on the farm's wall clock), mean, min, max."""
    starts = np.fromiter((b.start_ms for b in buckets), dtype=np.int64, count=len(buckets))
    return {
        "t": local_ms(starts, tz),
        "mean": np.fromiter((b.mean for b in buckets), dtype=np.float64, count=len(buckets)),
        "min": np.fromiter((b.min for b in buckets), dtype=np.float64, count=len(buckets)),
        "max": np.fromiter((b.max for b in buckets), dtype=np.float64, count=len(buckets)),
    }


def local_ms(utc_ms: np.ndarray, tz: str | ZoneInfo | None) -> np.ndarray:
    """Epoch ms shifted by the zone's UTC offset at each instant (daylight saving included)."""
    if len(utc_ms) == 0:
        return utc_ms.astype(np.float64)
    place = tz if isinstance(tz, ZoneInfo) else zone(tz)
    offsets = _offsets_ms(place, int(utc_ms.min()), int(utc_ms.max()))
    if len(offsets) == 1:
        return (utc_ms + offsets[0][1]).astype(np.float64)
    edges = np.array([edge for edge, _ in offsets[1:]], dtype=np.int64)
    values = np.array([offset for _, offset in offsets], dtype=np.int64)
    return (utc_ms + values[np.searchsorted(edges, utc_ms, side="right")]).astype(np.float64)


def _offsets_ms(place: ZoneInfo, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """(from ms, offset ms) for each offset the zone uses in [start, end], found hour by hour."""
    from datetime import datetime

    def offset(ms: int) -> int:
        value = datetime.fromtimestamp(ms / 1000, UTC).astimezone(place).utcoffset()
        return int(value.total_seconds() * 1000) if value else 0

    found = [(start_ms, offset(start_ms))]
    step = 3_600_000
    ms = start_ms - start_ms % step + step
    while ms <= end_ms:
        current = offset(ms)
        if current != found[-1][1]:
            found.append((ms, current))
        ms += step
    return found


def band_figure(data: Mapping[str, Sequence[Bucket]], tz: str | None, lang: str, *,
                height_per_metric: int = 220, x_range: Sequence | None = None) -> go.Figure:
    """One row per metric: the min–max band (filled) and the mean line, units in each y-axis title.

    Rows share the bottom row's time axis (zooming one zooms all). The layout is written out
    rather than made by plotly's make_subplots, which costs ten times as much per chart.
    """
    metrics = list(data)
    rows = max(1, len(metrics))
    spacing = 0.06 if rows > 1 else 0.0
    row_height = (1 - spacing * (rows - 1)) / rows
    hours, days, months = TICKS.get(lang, TICKS["en"])
    traces: list[dict] = []
    layout: dict = {
        "height": max(260, height_per_metric * rows + 60), "margin": {"l": 56, "r": 12, "t": 16, "b": 36},
        "hovermode": "x unified", "font": {"family": FONT, "size": 12}, "uirevision": "chart",
        "paper_bgcolor": "white", "plot_bgcolor": "white", "showlegend": False,
    }
    for row in range(1, rows + 1):
        suffix = "" if row == 1 else str(row)
        top = 1 - (row - 1) * (row_height + spacing)
        layout[f"xaxis{suffix}"] = {
            "anchor": f"y{suffix}", "domain": [0, 1], "type": "date", "showticklabels": row == rows,
            "showgrid": True, "gridcolor": "#eef1ec", "hoverformat": "%Y-%m-%d %H:%M",
            "tickformatstops": [
                {"dtickrange": [None, 86_400_000], "value": hours},
                {"dtickrange": [86_400_000, "M1"], "value": days},
                {"dtickrange": ["M1", None], "value": months},
            ],
            **({"matches": f"x{rows}" if rows > 1 else "x"} if row != rows else {}),
            **({"range": list(x_range)} if x_range else {}),
        }
        layout[f"yaxis{suffix}"] = {"anchor": f"x{suffix}", "domain": [max(0.0, top - row_height), top],
                                    "showgrid": True, "gridcolor": "#eef1ec", "zeroline": False}
    for row, metric in enumerate(metrics, start=1):
        suffix = "" if row == 1 else str(row)
        axes = {"xaxis": f"x{suffix}", "yaxis": f"y{suffix}"}
        columns = arrays(data[metric], tz)
        colour = COLOURS[(row - 1) % len(COLOURS)]
        name = metric_label(metric, lang)
        traces += [
            {"type": "scatter", "x": columns["t"], "y": columns["max"], "mode": "lines", "line": {"width": 0},
             "hoverinfo": "skip", "name": f"{name} max", **axes},
            {"type": "scatter", "x": columns["t"], "y": columns["min"], "mode": "lines", "line": {"width": 0},
             "fill": "tonexty", "fillcolor": _faint(colour), "hoverinfo": "skip", "name": f"{name} min", **axes},
            {"type": "scatter", "x": columns["t"], "y": columns["mean"], "mode": "lines", "name": name,
             "line": {"color": colour, "width": 2}, "hovertemplate": "%{y:.1f} " + unit(metric) + "<extra></extra>",
             **axes},
        ]
        layout[f"yaxis{suffix}"]["title"] = {"text": name, "font": {"size": 12}}
    if not metrics or all(len(data[m]) == 0 for m in metrics):
        layout["annotations"] = [{"text": t("common.chart.no_data", lang), "showarrow": False, "xref": "paper",
                                  "yref": "paper", "x": 0.5, "y": 0.5, "font": {"size": 14, "color": "#777"}}]
    return go.Figure({"data": traces, "layout": layout})


def _faint(colour: str) -> str:
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return f"rgba({red},{green},{blue},0.18)"
