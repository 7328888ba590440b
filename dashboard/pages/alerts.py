"""The farm's alerts for its staff: active ones first, then those resolved this week, with Acknowledge buttons."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import alerts_view, guard, i18n, ids, paths, timefmt
from dashboard.alerts_view import AlertRow, FarmAlerts
from dashboard.figures import unit
from dashboard.i18n import t
from dashboard.overview import visible_farms
from dashboard.rule_names import rule_name
from orchard.auth.policy import Viewer

REFRESH_MS = 30_000
SEVERITY_COLOURS = {"info": "blue", "warning": "orange", "critical": "red"}
STATE_COLOURS = {"firing": "red", "acknowledged": "yellow", "resolved": "green"}


def farm_picker(component_id: str, farms: list[tuple[str, str]], chosen: str | None) -> dmc.Select:
    """The farm to show (shown only to someone with several farms)."""
    return dmc.Select(id=component_id, data=[{"value": f, "label": n} for f, n in farms], value=chosen,
                      allowDeselect=False, w=260, style={"display": "block" if len(farms) > 1 else "none"})


def chosen_farm(farms: list[tuple[str, str]], farm: str | None) -> str | None:
    return farm if farm in {f for f, _ in farms} else (farms[0][0] if farms else None)


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, farm: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    farms = visible_farms(viewer)
    if not farms:
        return html.Div([dmc.Title(t("alerts.title", lang), order=2), dmc.Text(t("alerts.no_farms", lang))],
                        className="orchard-page")
    return html.Div([
        dmc.Group([dmc.Title(t("alerts.title", lang), order=2),
                   dcc.Link(t("alerts.rules_title", lang), href=paths.ALERT_RULES)], justify="space-between"),
        farm_picker(ids.ALERTS_FARM, farms, chosen_farm(farms, farm)),
        dmc.Text(id=ids.ALERTS_NOTE, size="sm", className="orchard-alert-note"),
        html.Div(id=ids.ALERTS_LIST, className="orchard-alert-list"),
        dcc.Interval(id=ids.ALERTS_REFRESH, interval=REFRESH_MS),
        dcc.Store(id=ids.ALERTS_ACKED, data=0),
    ], className="orchard-page")


@dash.callback(Output(ids.ALERTS_LIST, "children"), Input(ids.ALERTS_FARM, "value"),
               Input(ids.ALERTS_REFRESH, "n_intervals"), Input(ids.ALERTS_ACKED, "data"))
@guard.guarded(roles=guard.STAFF)
def show(viewer: Viewer, farm_id, _tick, _acked):
    lang = i18n.current()
    found = alerts_view.farm_alerts(viewer, farm_id)
    if found is None:
        return dmc.Text(t("farmer.overview.no_farm", lang))
    if not found.rows:
        return dmc.Text(t("alerts.none", lang), c="dimmed")
    active = [row for row in found.rows if row.resolved_at is None]
    resolved = [row for row in found.rows if row.resolved_at is not None]
    sections = []
    for key, rows in (("alerts.active_heading", active), ("alerts.recent_heading", resolved)):
        if rows:
            sections.append(html.Section([dmc.Title(t(key, lang), order=4, mb=6),
                                          html.Div([card(row, found, lang) for row in rows],
                                                   className="orchard-alert-cards")]))
    return sections


@dash.callback(Output(ids.ALERTS_NOTE, "children"), Output(ids.ALERTS_ACKED, "data"),
               Input({"type": ids.ALERT_ACK, "alert": ALL}, "n_clicks"), State(ids.ALERTS_ACKED, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def acknowledge(viewer: Viewer, clicks, acked):
    """The pressed button's alert, acknowledged in the viewer's name if the policy lets them (ids are forgeable)."""
    pressed = dash.ctx.triggered_id
    clicks = clicks if isinstance(clicks, list) else [clicks]  # a forged request may send any shape
    if not isinstance(pressed, dict) or not any(isinstance(n, int) and n > 0 for n in clicks):
        raise PreventUpdate
    outcome = alerts_view.acknowledge(viewer, pressed.get("alert"))
    bumped = (acked if isinstance(acked, int) else 0) + 1
    return t(f"alerts.{outcome}", i18n.current()), bumped if outcome != "refused" else no_update


def card(row: AlertRow, found: FarmAlerts, lang: str) -> dmc.Paper:
    where = [t("alerts.tree", lang, label=row.tree_label) if row.tree_label else None,
             t("alerts.plot", lang, name=row.plot_name) if row.plot_name else None,
             t("alerts.device", lang, id=row.device_id) if row.device_id else None]
    lines = [dmc.Text(" · ".join(w for w in where if w), size="sm")]
    fired = t("alerts.fired", lang, at=timefmt.when(row.fired_at, found.timezone, lang))
    if row.fired_value is not None:
        fired += " · " + t("alerts.value", lang, value=f"{row.fired_value:g} {unit(row.metric or '')}".strip())
    lines.append(dmc.Text(fired, size="sm", className="orchard-alert-fired"))
    if row.acknowledged_at is not None:
        lines.append(dmc.Text(t("alerts.acknowledged_by", lang, who=row.acknowledged_by or t("alerts.someone", lang),
                                at=timefmt.when(row.acknowledged_at, found.timezone, lang)),
                              size="sm", className="orchard-alert-ack"))
    if row.resolved_at is not None:
        lines.append(dmc.Text(t("alerts.resolved_at", lang, at=timefmt.when(row.resolved_at, found.timezone, lang)),
                              size="sm", c="dimmed"))
    if row.state == "firing" and found.may_acknowledge:
        lines.append(dmc.Button(t("alerts.acknowledge", lang), id=ids.alert_ack(row.id), color="red",
                                variant="filled", size="sm", mt=4, className="orchard-alert-ack-button"))
    head = dmc.Group([
        dmc.Badge(t(f"alerts.severity.{row.severity}", lang), color=SEVERITY_COLOURS.get(row.severity, "gray")),
        dmc.Text(rule_name(row.rule_key, lang), fw=700),
        dmc.Badge(t(f"alerts.state.{row.state.value}", lang), color=STATE_COLOURS[row.state.value],
                  variant="light", ml="auto"),
    ], gap=6, wrap="nowrap")
    return dmc.Paper([head, *lines], withBorder=True, p="sm", radius="md",
                     className=f"orchard-alert orchard-alert-{row.state.value}",
                     id={"type": "alert-card", "alert": row.id}, **{"data-state": row.state.value})


dash.register_page(__name__, path=paths.ALERTS, title=i18n.page_title, layout=layout)
