"""The camera wall: every camera of the farmer's farms as its latest snapshot, refreshed, age shown, stale marked.

Images come from the relay with a short-lived camera token minted here for the viewer
(the relay checks it against their farms again); assets/wall.js refreshes them cheaply
(ETag/304) and reads their age. A click opens the camera live (`latest.jpg?watch=1`,
which the relay counts as a viewer, so the camera goes live while the window is open).
"""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, ctx, dcc, html, no_update

from dashboard import guard, i18n, ids, paths, services
from dashboard.i18n import t
from dashboard.overview import visible_farms
from orchard.auth.policy import Viewer
from orchard.registry import orchards

TOKEN_REFRESH_MS = 300_000  # tokens live CAMERA_TOKEN_TTL_S (10 min); new ones every 5 min
STALE_AFTER_S = 15 * 60
AGE_WORDS = ("just_now", "minutes_ago", "hours_ago", "days_ago")


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    words: dict[str, Any] = {f"data-t-{key.replace('_', '-')}": t(f"common.time.{key}", lang, n="{n}")
                             for key in AGE_WORDS}
    words.update({"data-stale-after-s": str(STALE_AFTER_S), "data-t-stale": t("farmer.cameras.stale", lang)})
    return html.Div([
        dmc.Title(t("farmer.cameras.title", lang), order=2),
        html.Div(id=ids.CAMERA_WALL, className="orchard-wall", **words),
        dmc.Modal(id=ids.CAMERA_LIVE_MODAL, size="xl", opened=False, centered=True,
                  title=t("farmer.cameras.live", lang),
                  children=html.Img(id=ids.CAMERA_LIVE_IMAGE, className="orchard-live-img",
                                    alt=t("farmer.cameras.live", lang))),
        dcc.Interval(id=ids.CAMERA_WALL_REFRESH, interval=TOKEN_REFRESH_MS),
    ], className="orchard-page")


def wall_cameras(viewer: Viewer) -> list[tuple[str, str, list[str]]]:
    """(camera, farm name, tree labels) of every camera of the viewer's farms that the policy lets them watch."""
    svc = services.get()
    found = []
    with svc.reading() as session:
        for farm_id, farm_name in visible_farms(viewer):
            for camera in orchards.list_cameras(session, farm_id):
                if svc.policy.may_watch(viewer, camera.id):
                    found.append((camera.id, farm_name, [tree.label for tree in camera.trees]))
    return found


@dash.callback(Output(ids.CAMERA_WALL, "children"), Input(ids.CAMERA_WALL_REFRESH, "n_intervals"))
@guard.guarded(roles=guard.STAFF)
def fill(viewer: Viewer, _tick):
    lang = i18n.current()
    svc = services.get()
    cameras = wall_cameras(viewer)
    if not cameras:
        return dmc.Text(t("farmer.cameras.none", lang))
    token = svc.camera_token(viewer, [camera for camera, _, _ in cameras])
    cards = []
    for camera, farm_name, trees in cameras:
        source = svc.camera_url(camera)
        image: dict[str, Any] = {"data-src": source, "data-token": token, "data-camera": camera}
        age: dict[str, Any] = {"data-age-for": camera}
        cards.append(html.Div([
            html.Img(src=f"{source}?token={token}", alt=camera, className="orchard-wall-img", **image),
            html.Div(t("farmer.cameras.no_picture", lang), className="orchard-wall-missing"),
            html.Div([
                html.Span(camera, className="orchard-wall-name"),
                html.Span(t("farmer.cameras.trees", lang, trees=", ".join(trees)) if trees else farm_name,
                          className="orchard-small"),
                html.Span("", className="orchard-wall-age", **age),
            ], className="orchard-wall-caption"),
        ], id=ids.camera_tile(camera), n_clicks=0, className="orchard-wall-card", role="button"))
    return cards


@dash.callback(Output(ids.CAMERA_LIVE_MODAL, "opened"), Output(ids.CAMERA_LIVE_IMAGE, "src"),
               Input({"type": ids.CAMERA_TILE, "camera": ALL}, "n_clicks"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def watch(viewer: Viewer, clicks):
    """Open a camera live: the clicked id is re-checked with the policy before a token is minted for it."""
    chosen = ctx.triggered_id.get("camera") if isinstance(ctx.triggered_id, dict) else None
    if not chosen or not isinstance(clicks, list) or not any(clicks):
        return no_update, no_update
    svc = services.get()
    if not isinstance(chosen, str) or not svc.policy.may_watch(viewer, chosen):
        return False, None
    live = f"{svc.camera_url(chosen)}?watch=1&token={svc.camera_token(viewer, [chosen])}"
    return True, live


dash.register_page(__name__, path=paths.CAMERA_WALL, title=i18n.page_title, layout=layout)
