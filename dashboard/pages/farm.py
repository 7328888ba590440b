"""The farmer's overview: every tree as a tile (claimed or free, device health), conditions per plot, devices."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update
from plotly.utils import PlotlyJSONEncoder

from dashboard import guard, i18n, ids, paths, timefmt
from dashboard.figures import metric_label, unit
from dashboard.i18n import t
from dashboard.overview import CONDITIONS, FarmOverview, farm_overview, visible_farms
from dashboard.rule_names import rule_name
from orchard.auth.policy import Viewer

REFRESH_MS = 30_000
HEALTH_COLOURS = {"online": "green", "stale": "orange", "offline": "red", "unknown": "gray"}


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, farm: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    farms = visible_farms(viewer)
    chosen = farm if farm in {f for f, _ in farms} else (farms[0][0] if farms else None)
    picker = dmc.Select(id=ids.OVERVIEW_FARM, data=[{"value": f, "label": n} for f, n in farms], value=chosen,
                        allowDeselect=False, w=260, style={"display": "block" if len(farms) > 1 else "none"})
    return html.Div([
        dmc.Group([dmc.Title(t("farmer.overview.title", lang), order=2), picker], justify="space-between"),
        dmc.Text(id=ids.OVERVIEW_UPDATED, size="sm", c="dimmed"),
        html.Div(id=ids.OVERVIEW_CONDITIONS, className="orchard-conditions"),
        html.Div(id=ids.OVERVIEW_TILES),
        html.Div(id=ids.OVERVIEW_DEVICES),
        dcc.Interval(id=ids.OVERVIEW_REFRESH, interval=REFRESH_MS),
        dcc.Store(id=ids.OVERVIEW_SHOWN),
    ] if farms else [dmc.Title(t("farmer.overview.title", lang), order=2),
                     dmc.Text(t("farmer.overview.no_farms", lang))], className="orchard-page")


@dash.callback(Output(ids.OVERVIEW_CONDITIONS, "children"), Output(ids.OVERVIEW_TILES, "children"),
               Output(ids.OVERVIEW_DEVICES, "children"), Output(ids.OVERVIEW_UPDATED, "children"),
               Output(ids.OVERVIEW_SHOWN, "data"),
               Input(ids.OVERVIEW_FARM, "value"), Input(ids.OVERVIEW_REFRESH, "n_intervals"),
               State(ids.OVERVIEW_SHOWN, "data"))
@guard.guarded(roles=guard.STAFF)
def refresh(viewer: Viewer, farm_id, _tick, shown):
    """The farm now; the tiles, conditions and devices go to the browser only when they changed."""
    lang = i18n.current()
    found = farm_overview(viewer, farm_id)
    if found is None:
        return None, dmc.Text(t("farmer.overview.no_farm", lang)), None, None, None
    parts = (conditions(found, lang), tiles(found, lang), devices(found, lang))
    digest = hashlib.sha256(json.dumps(parts, cls=PlotlyJSONEncoder).encode()).hexdigest()[:32]
    updated = t("farmer.overview.updated", lang, farm=found.name,
                at=timefmt.when(found.now_ms, found.timezone, lang, seconds=True))
    if digest == shown:  # the browser's own digest can only save it a download, never show it anything
        return no_update, no_update, no_update, updated, no_update
    return (*parts, updated, digest)


def conditions(found: FarmOverview, lang: str) -> list:
    cards = []
    for plot in found.plots:
        if not plot.values:
            continue
        values = [dmc.Group([dmc.Text(metric_label(m, lang).split(" (")[0], size="sm", c="dimmed"),
                             dmc.Text(_value(m, plot.values[m][0]), fw=600, className="orchard-value")],
                            justify="space-between", gap=6, wrap="nowrap")
                  for m in CONDITIONS if m in plot.values]
        newest = max(ts for _, ts in plot.values.values())
        cards.append(dmc.Paper([
            dmc.Text(plot.name or t("farmer.overview.no_plot", lang), fw=700),
            *values,
            dmc.Text(timefmt.age(newest, found.now_ms, lang), size="xs", c="dimmed"),
        ], withBorder=True, p="sm", radius="md", className="orchard-condition-card",
            id={"type": "plot-conditions", "plot": plot.plot_id or 0}))
    return cards


def tiles(found: FarmOverview, lang: str) -> html.Div:
    legend = dmc.Group([
        _legend("tile-claimed", t("farmer.overview.claimed", lang)),
        _legend("tile-free", t("farmer.overview.free", lang)),
        *[_legend(f"tile-health-{state}", t(f"farmer.health.{state}", lang))
          for state in ("online", "stale", "offline")],
        _legend("tile-alert", t("alerts.legend", lang)),
    ], gap="md", className="orchard-legend")
    if found.on_map:
        return html.Div([legend, _map(found, lang)])
    plots = {p.plot_id: p.name for p in found.plots}
    sections = []
    for plot_id in sorted({tile.plot_id for tile in found.trees}, key=lambda p: (p is None, plots.get(p) or "")):
        sections.append(html.Section([
            dmc.Text(plots.get(plot_id) or t("farmer.overview.no_plot", lang), fw=700, mb=4),
            html.Div([_tile(tile, lang) for tile in found.trees if tile.plot_id == plot_id],
                     className="orchard-tile-grid"),
        ], className="orchard-plot"))
    return html.Div([legend, *sections])


def _tile(tile, lang: str, style: dict | None = None) -> html.Div:
    state = tile.health or "none"
    title = [t("farmer.overview.claimed" if tile.claimed else "farmer.overview.free", lang)]
    if tile.health:
        title.append(t(f"farmer.health.{tile.health}", lang))
    if tile.alerts:
        title.append(t("alerts.tile_title", lang, rules=", ".join(rule_name(key, lang) for key in tile.alerts)))
    link = dcc.Link([html.Span(tile.label, className="orchard-tile-label"),
                     html.Span(tile.variety or "", className="orchard-tile-variety")],
                    href=paths.tree(tile.id), title=" · ".join(title), className="orchard-tile-link")
    attrs: dict[str, Any] = {"data-claimed": "1" if tile.claimed else "0", "data-health": state,
                             "data-alert": "1" if tile.alerts else "0"}
    return html.Div(link, id=ids.tree_tile(tile.id), style=style,
                    className=f"orchard-tile {'tile-claimed' if tile.claimed else 'tile-free'} tile-health-{state}"
                              + (" tile-alert" if tile.alerts else ""),
                    **attrs)


def _map(found: FarmOverview, lang: str) -> html.Div:
    spots = [(tile, tile.latitude or 0.0, tile.longitude or 0.0) for tile in found.trees]  # on_map: all are set
    lats, lons = [lat for _, lat, _ in spots], [lon for _, _, lon in spots]
    span_lat, span_lon = (max(lats) - min(lats)) or 1e-6, (max(lons) - min(lons)) or 1e-6
    # Tiles are 64 px wide and centred on their spot: keep every spot half a tile inside the map.
    placed = [_tile(tile, lang, style={
        "position": "absolute",
        "left": f"calc(36px + (100% - 72px) * {(lon - min(lons)) / span_lon:.4f})",
        "top": f"calc(6px + (100% - 62px) * {(max(lats) - lat) / span_lat:.4f})"})
        for tile, lat, lon in spots]
    return html.Div(placed, className="orchard-tree-map")


def devices(found: FarmOverview, lang: str) -> dmc.Paper:
    counts = {state: sum(1 for d in found.devices if d.health.state == state) for state in HEALTH_COLOURS}
    badges = [dmc.Badge(f"{d.id} · {t(f'farmer.health.{d.health.state}', lang)}"
                        + "".join(f" · {rule_name(key, lang)}" for key in d.alerts),
                        color="red" if d.alerts else HEALTH_COLOURS[d.health.state],
                        variant="filled" if d.alerts else "light", id={"type": "device-badge", "device": d.id},
                        **{"data-health": d.health.state, "data-alert": "1" if d.alerts else "0"})
              for d in found.devices]
    summary = t("farmer.overview.devices_summary", lang, online=counts["online"], total=len(found.devices),
                offline=counts["offline"], stale=counts["stale"])
    link = dcc.Link(t("common.nav.devices", lang), href=paths.DEVICES)
    return dmc.Paper([dmc.Group([dmc.Text(summary, fw=600), link], justify="space-between"),
                      dmc.Group(badges, gap=6, mt=6)], withBorder=True, p="sm", radius="md")


def _legend(css: str, text: str) -> dmc.Group:
    return dmc.Group([html.Span(className=f"orchard-legend-swatch {css}"), dmc.Text(text, size="xs")], gap=4)


def _value(metric: str, value: float) -> str:
    digits = 0 if metric.endswith("_pct") else 1
    return f"{value:.{digits}f} {unit(metric)}"


dash.register_page(__name__, path=paths.FARM, title=i18n.page_title, layout=layout)
