"""My tree: a customer's camera, tree card, promise panel, conditions, season charts, timelapse, snapshots, care log.

Built from the viewer's own claims (never a list filtered after the fact). The browser holds
only a claim id; every callback looks it up again among the viewer's claims, so a forged id,
another customer's id or a claim that has ended since the page loaded shows nothing of it.
"""

from __future__ import annotations

from datetime import UTC, datetime

import dash
from dash import Input, Output, State, dcc, html, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import guard, i18n, ids, paths, services
from dashboard.customer import claims as claim_rows
from dashboard.customer import harvest, season, sections, share_panel
from dashboard.customer.care import care_sections
from dashboard.customer.claims import ClaimState, TreeClaim
from orchard.auth.policy import Viewer

WATCH_MS = 30_000  # how soon an open page notices its claim ended (or its first readings came)
TICK_MS = 60_000  # new readings: only what is newer than the charts already hold
CAMERA_TOKEN_MS = 300_000  # a fresh camera token for every link, well before the last one expires
CAMERA_TOKEN_TTL_S = 900  # one short token for live, gallery and timelapse: it opens the live camera too


def now_utc() -> datetime:
    return datetime.now(UTC)


def load_claims(viewer: Viewer, now: datetime) -> list[TreeClaim]:
    svc = services.get()
    with svc.reading() as session:
        return claim_rows.customer_claims(session, svc.policy, viewer, now, season.has_readings)


def chosen(claims: list[TreeClaim], wanted: object) -> TreeClaim | None:
    """The claim the page asks for, among the viewer's own; else their first (in force first)."""
    try:
        number = int(str(wanted)) if wanted is not None else None
    except ValueError:
        number = None
    return claim_rows.find(claims, number) or (claims[0] if claims else None)


def _token(viewer: Viewer, claim: TreeClaim, ttl_s: float) -> str | None:
    if not claim.cameras or not claim.live:
        return None
    return services.get().camera_token(viewer, claim.cameras[:1], ttl_s)


def body(viewer: Viewer, claim: TreeClaim | None, lang: str, now: datetime) -> list:
    """What the page shows for one claim in its state."""
    if claim is None:
        return [sections.message("none", lang)]
    if not claim.live:
        return [html.Div([sections.state_message(claim, lang), sections.tree_card(claim, lang)],
                         className="my-tree__grid")]
    base = services.get().cameras_url
    token = _token(viewer, claim, CAMERA_TOKEN_TTL_S)
    parts: list[Component] = [sections.camera(claim, base, token, lang)]
    if token is not None:
        parts.append(dcc.Interval(id=ids.MY_TREE_CAMERA_TICK, interval=CAMERA_TOKEN_MS))
    parts.append(sections.tree_card(claim, lang))
    care = care_sections(viewer, claim, lang, now, token)  # the promise panel, then the care timeline
    scope = season.claim_scope(viewer, claim) if claim.state == ClaimState.IN_FORCE else None
    if scope is None:
        parts.append(sections.state_message(claim, lang))
    else:
        charts, cursor = season.charts(scope, now, lang)
        parts += [sections.today(season.today(scope, now), claim.timezone, lang), charts,
                  dcc.Store(id=ids.MY_TREE_CURSOR, data=cursor),
                  dcc.Interval(id=ids.MY_TREE_TICK, interval=TICK_MS)]
    if claim.cameras:  # without a camera the card above says so once
        parts += [sections.timelapse(claim, base, token, now, lang),
                  sections.gallery(claim, base, token, now, lang)]
    parts += care
    parts += harvest.sections(viewer, claim.claim_id, lang)  # picking and visits
    parts.append(share_panel.panel(claim, lang))
    return [html.Div(parts, className="my-tree__grid")]


def _memo(claim: TreeClaim | None) -> dict:
    return {"claim": claim.claim_id if claim else None, "state": claim.state.value if claim else None}


@guard.guarded_page(roles=guard.CUSTOMERS)
def layout(viewer: Viewer, claim: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    now = now_utc()
    claims = load_claims(viewer, now)
    current = chosen(claims, claim)
    return html.Div([
        dcc.Store(id=ids.MY_TREE_CLAIM, data=_memo(current)),
        dcc.Interval(id=ids.MY_TREE_WATCH, interval=WATCH_MS),
        sections.tree_switch(claims, current, lang) if current else None,
        html.Div(body(viewer, current, lang, now), id=ids.MY_TREE_BODY),
    ], className="my-tree", lang=lang)


dash.register_page(__name__, path=paths.MY_TREE, title="Orchard Live", layout=layout)


def _mine(viewer: Viewer, memo: object, now: datetime) -> TreeClaim | None:
    wanted = memo.get("claim") if isinstance(memo, dict) else None
    return claim_rows.find(load_claims(viewer, now), wanted)


@dash.callback(Output(ids.MY_TREE_BODY, "children"), Output(ids.MY_TREE_CLAIM, "data"),
               Input(ids.MY_TREE_WATCH, "n_intervals"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def watch_claim(viewer: Viewer, _tick, memo):
    """A page left open follows its claim: ended, started, first readings; others' ids find nothing."""
    now = now_utc()
    claim = _mine(viewer, memo, now)
    state = claim.state.value if claim else None
    if isinstance(memo, dict) and claim is not None and memo.get("state") == state:
        raise PreventUpdate
    if claim is None:
        return [sections.message("ended_or_missing", i18n.current())], _memo(None)
    return body(viewer, claim, i18n.current(), now), _memo(claim)


@dash.callback(Output(ids.MY_TREE_CAMERA, "data-mjpeg"), Output(ids.MY_TREE_CAMERA, "data-latest"),
               Input(ids.MY_TREE_CAMERA_TICK, "n_intervals"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def refresh_camera_token(viewer: Viewer, _tick, memo):
    claim = _mine(viewer, memo, now_utc())
    token = _token(viewer, claim, CAMERA_TOKEN_TTL_S) if claim else None
    if claim is None or token is None:
        raise PreventUpdate  # the claim ended: watch_claim replaces the page
    attributes = sections.camera_attributes(services.get().cameras_url, claim.cameras[0], token)
    return attributes["data-mjpeg"], attributes["data-latest"]


def _fresh_token(viewer: Viewer, memo) -> tuple[TreeClaim, str]:
    claim = _mine(viewer, memo, now_utc())
    token = _token(viewer, claim, CAMERA_TOKEN_TTL_S) if claim else None
    if claim is None or token is None:
        raise PreventUpdate  # the claim ended: watch_claim replaces the page
    return claim, token


@dash.callback(Output(ids.MY_TREE_TIMELAPSE, "data-src"),
               Input(ids.MY_TREE_CAMERA_TICK, "n_intervals"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def refresh_timelapse_token(viewer: Viewer, _tick, memo):
    """The video's link with a fresh token; assets/gallery.js swaps it in while the video is not playing."""
    claim, token = _fresh_token(viewer, memo)
    src = sections.timelapse_src(claim, services.get().cameras_url, token, now_utc())
    if src is None:
        raise PreventUpdate
    return src


@dash.callback(Output(ids.MY_TREE_GALLERY, "data-list"), Output(ids.MY_TREE_GALLERY, "data-token"),
               Input(ids.MY_TREE_CAMERA_TICK, "n_intervals"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def refresh_gallery_token(viewer: Viewer, _tick, memo):
    """The gallery's links with a fresh token (assets/gallery.js updates them without listing again)."""
    claim, token = _fresh_token(viewer, memo)
    return sections.gallery_list(services.get().cameras_url, claim.cameras[0], token), token


@dash.callback(Output(ids.MY_TREE_SOIL, "extendData"), Output(ids.MY_TREE_TEMP, "extendData"),
               Output(ids.MY_TREE_TODAY, "children"), Output(ids.MY_TREE_DAYS_LEFT, "children"),
               Output(ids.MY_TREE_CURSOR, "data"),
               Input(ids.MY_TREE_TICK, "n_intervals"), State(ids.MY_TREE_CLAIM, "data"),
               State(ids.MY_TREE_CURSOR, "data"), prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def new_readings(viewer: Viewer, _tick, memo, cursor):
    """Only the buckets completed since the charts were drawn, and only inside the claim's window."""
    now = now_utc()
    claim = _mine(viewer, memo, now)
    scope = season.claim_scope(viewer, claim) if claim and claim.state == ClaimState.IN_FORCE else None
    if claim is None or scope is None:
        raise PreventUpdate  # ended, or not theirs: watch_claim shows why
    lang = i18n.current()
    soil, temp, cursor = season.extension(scope, cursor, now)
    return (soil or no_update, temp or no_update, sections.sentence(season.today(scope, now), claim.timezone, lang),
            sections.days_left(claim, lang), cursor)
