"""Charts of any tree, plot or device of the farmer's farms."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import html

from dashboard import chart_panel, guard, i18n, paths
from dashboard.i18n import t
from dashboard.readings import Subject
from orchard.auth.policy import Viewer


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, subject: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    options = chart_panel.subjects_for(viewer, lang)
    values = [item["value"] for group in options for item in group["items"]]
    chosen = str(Subject.parse(subject)) if Subject.parse(subject) and str(Subject.parse(subject)) in values else \
        next((v for v in values if v.startswith("plot:")), values[0] if values else None)
    return html.Div([dmc.Title(t("farmer.charts.title", lang), order=2),
                     chart_panel.panel(options, chosen, lang)], className="orchard-page")


dash.register_page(__name__, path=paths.CHARTS, title=i18n.page_title, layout=layout)
