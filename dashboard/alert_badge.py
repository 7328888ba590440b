"""The red count of active alerts in the header, for a farm's staff; a link to the alerts page."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, dcc, html

from dashboard import alerts_view, guard, i18n, ids, paths
from dashboard.i18n import t
from orchard.auth.policy import Viewer

REFRESH_MS = 60_000


def badge(viewer: Viewer | None, lang: str) -> html.Span | None:
    """The badge for staff (hidden while nothing is active); nothing for customers and nobody."""
    if viewer is None or viewer.role not in guard.STAFF:
        return None
    return html.Span([dcc.Link(_count(alerts_view.active_count(viewer), lang), href=paths.ALERTS, id=ids.ALERT_BADGE,
                               className="orchard-alert-badge"),
                      dcc.Interval(id=ids.ALERT_BADGE_REFRESH, interval=REFRESH_MS)])


def _count(n: int, lang: str) -> dmc.Badge | html.Span:
    if n <= 0:
        return html.Span()  # not None: a link without children would show its address
    return dmc.Badge(str(n), color="red", variant="filled", size="lg", circle=n < 10,
                     **{"aria-label": t("alerts.badge", lang, n=n), "data-count": str(n)})


@dash.callback(Output(ids.ALERT_BADGE, "children"), Input(ids.ALERT_BADGE_REFRESH, "n_intervals"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def refresh(viewer: Viewer, _tick):
    return _count(alerts_view.active_count(viewer), i18n.current())
