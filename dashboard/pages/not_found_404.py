"""What an unknown page shows (Dash's router uses the module named not_found_404)."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import dcc, html

from dashboard import i18n, paths
from dashboard.i18n import t


def layout(**_query) -> html.Div:
    return html.Div([
        dmc.Title(t("common.errors.not_found_title"), order=2),
        dmc.Text(t("common.errors.not_found")),
        dcc.Link(t("common.errors.home"), href=paths.HOME),
    ], className="orchard-center")


dash.register_page(__name__, path="/404", title=i18n.page_title, layout=layout)
