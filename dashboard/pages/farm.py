"""The farmer's overview: every tree of their farms as a tile, current conditions per plot, devices."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import html

from orchard.auth.policy import Viewer
from dashboard import guard, i18n, ids, paths
from dashboard.i18n import t


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    return html.Div([
        dmc.Title(t("farmer.overview.title", lang), order=2),
        html.Div(id=ids.OVERVIEW_TILES),
    ], className="orchard-page")


dash.register_page(__name__, path=paths.FARM, title="Orchard Live", layout=layout)
