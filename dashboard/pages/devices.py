"""Device health for the staff: last seen, online or not, battery, signal, spool backlog, agent version."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, dcc, html

from dashboard import guard, i18n, ids, paths, timefmt
from dashboard.i18n import t
from dashboard.overview import farm_overview, visible_farms
from dashboard.pages.farm import HEALTH_COLOURS
from dashboard.rule_names import rule_name
from orchard.auth.policy import Viewer

REFRESH_MS = 30_000
# What a farmer looks for first comes first: on a phone the rest scrolls.
COLUMNS = ("device", "state", "last_seen", "tree", "battery", "signal", "spooled", "version", "farm")


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    return html.Div([
        dmc.Title(t("farmer.devices.title", lang), order=2),
        html.Div(id=ids.DEVICES_TABLE),
        dcc.Interval(id=ids.DEVICES_REFRESH, interval=REFRESH_MS),
    ], className="orchard-page")


@dash.callback(Output(ids.DEVICES_TABLE, "children"), Input(ids.DEVICES_REFRESH, "n_intervals"))
@guard.guarded(roles=guard.STAFF)
def refresh(viewer: Viewer, _tick):
    lang = i18n.current()
    rows = []
    for farm_id, _name in visible_farms(viewer):
        found = farm_overview(viewer, farm_id)
        if found is None:
            continue
        labels = {tile.id: tile.label for tile in found.trees}
        for device in found.devices:
            status = device.health.status
            battery, signal = device.values.get("battery_v"), device.values.get("rssi_dbm")
            seen = device.health.last_seen_ms
            rows.append(dmc.TableTr([
                dmc.TableTd(device.id, fw=600),
                dmc.TableTd([dmc.Badge(t(f"farmer.health.{device.health.state}", lang),
                                       color=HEALTH_COLOURS[device.health.state], variant="light"),
                             *[dmc.Badge(rule_name(key, lang), color="red", variant="filled", ml=4,
                                         className="orchard-device-alert") for key in device.alerts]]),
                dmc.TableTd([html.Div(timefmt.age(seen, found.now_ms, lang)),
                             html.Div(timefmt.when(seen, found.timezone, lang), className="orchard-small")]
                            if seen else t("common.time.never", lang)),
                dmc.TableTd(dcc.Link(labels[device.tree_id], href=paths.tree(device.tree_id))
                            if device.tree_id in labels else "–"),
                dmc.TableTd(f"{battery[0]:.2f} V" if battery else "–"),
                dmc.TableTd(f"{signal[0]:.0f} dBm" if signal else "–"),
                dmc.TableTd(str(status.spooled) if status and status.spooled is not None else "–"),
                dmc.TableTd(status.version if status and status.version else "–"),
                dmc.TableTd(found.name),
            ], id={"type": "device-row", "device": device.id},
                **{"data-health": device.health.state, "data-alert": "1" if device.alerts else "0"}))
    if not rows:
        return dmc.Text(t("farmer.devices.none", lang))
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh(t(f"farmer.devices.{c}", lang)) for c in COLUMNS]))
    return dmc.TableScrollContainer(dmc.Table([head, dmc.TableTbody(rows)], striped=True, highlightOnHover=True),
                                    minWidth=820)


dash.register_page(__name__, path=paths.DEVICES, title=i18n.page_title, layout=layout)
