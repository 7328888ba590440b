"""The start page: each person is sent to their own view (farmers to the overview, customers to their tree)."""

from __future__ import annotations

import dash
from dash import dcc

from dashboard import guard, i18n, paths
from orchard.auth.policy import Viewer
from orchard.registry.models import Role


@guard.guarded_page
def layout(viewer: Viewer, **_query):
    target = paths.MY_TREE if viewer.role == Role.CUSTOMER else paths.FARM
    return dcc.Location(id="home-redirect", href=target, refresh=True)


dash.register_page(__name__, path=paths.HOME, title=i18n.page_title, layout=layout)
