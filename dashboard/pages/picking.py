"""The farmer's picking queue: open windows, then each request waiting for a step (photo and weight when
picked, courier and tracking number when shipped, delivered). Every step asks the policy first."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import MATCH, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import guard, i18n, paths, services
from dashboard import picking_ids as pid
from dashboard.i18n import t
from dashboard.picking_cards import card
from dashboard.picking_views import data
from dashboard.timefmt import day
from orchard.auth.policy import Viewer
from orchard.errors import Invalid, OrchardError
from orchard.registry import picking_requests as steps
from orchard.registry.models import Claim, Tree
from orchard.registry.picking import PickingRequest, PickingStatus, PickingWindow

OPEN = (PickingStatus.REQUESTED, PickingStatus.PICKED, PickingStatus.SHIPPED)


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    svc = services.get()
    farms = svc.policy.farm_ids(viewer)
    with svc.reading() as session:
        windows = windows_of(session, farms)
        window_rows = [dmc.Text(t("picking.windows.row", lang, scope=scope(w, lang),
                                  opens=day(w.opens_on, w.farm.timezone, lang),
                                  closes=day(w.closes_on, w.farm.timezone, lang)), size="sm") for w in windows]
        query = (select(PickingRequest).join(Claim, PickingRequest.claim_id == Claim.id).join(Tree)
                 .where(PickingRequest.status.in_(OPEN)).order_by(PickingRequest.requested_at))
        if farms is not None:
            query = query.where(Tree.farm_id.in_(farms))
        cards = [html.Div(card(request, lang), id=pid.request_part(pid.PICKING_CARD, request.id),
                          className="picking-card", **data(status=request.status.value))
                 for request in sorted(session.scalars(query), key=lambda r: OPEN.index(r.status))
                 if svc.policy.sees_claim(viewer, request.claim.user_id, request.claim.tree.farm_id)]
    return html.Div([
        dmc.Title(t("picking.queue.title", lang), order=2),
        html.Section([html.H3(t("picking.windows.title", lang)),
                      *(window_rows or [dmc.Text(t("picking.windows.none", lang), size="sm")])],
                     id=pid.PICKING_WINDOWS, className="picking-windows"),
        html.Div(cards or [dmc.Text(t("picking.queue.empty", lang))], id=pid.PICKING_QUEUE,
                 className="picking-queue"),
    ], className="orchard-page")


dash.register_page(__name__, path=paths.PICKING, title=i18n.page_title, layout=layout)


def windows_of(session: Session, farms: frozenset[str] | None) -> list[PickingWindow]:
    query = select(PickingWindow).order_by(PickingWindow.closes_on.desc())
    if farms is not None:
        query = query.where(PickingWindow.farm_id.in_(farms))
    return [w for w in session.scalars(query)
            if w.closes_on >= steps.farm_today(w.farm.timezone)][:10]


def scope(window: PickingWindow, lang: str) -> str:
    if window.plot is not None:
        return t("picking.windows.plot", lang, farm=window.farm.name, plot=window.plot.name)
    if window.variety:
        return t("picking.windows.variety", lang, farm=window.farm.name, variety=window.variety)
    return window.farm.name


def _request_id(component_id: object) -> int:
    try:
        return int(component_id["request"])  # type: ignore[index]
    except (TypeError, KeyError, ValueError):
        raise PreventUpdate from None


def step(viewer: Viewer, request_id: int, do) -> list:
    """Do one step on a request the viewer works on, and the card as it is now (with why, if refused)."""
    svc, lang = services.get(), i18n.current()
    note = None
    try:
        with svc.writing() as session:
            request = session.get(PickingRequest, request_id)
            farm = request.claim.tree.farm_id if request is not None else None
            if farm is None or not svc.policy.may_edit(viewer, "picking", farm):
                raise PreventUpdate  # not theirs: nothing, not even that it exists
            do(session, request)
    except OrchardError as exc:
        note = t("picking.errors.refused", lang, reason=str(exc))
    with svc.reading() as session:
        return card(steps.get_request(session, request_id), lang, note)


def _card(button: str) -> tuple:
    return (Output(pid.request_part(pid.PICKING_CARD, MATCH), "children", allow_duplicate=True),
            Input(pid.request_part(button, MATCH), "n_clicks"))


@dash.callback(*_card(pid.PICKING_REDRAW), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def redraw(viewer: Viewer, clicks):
    """The card again after assets/picking.js uploaded a photo to /picking-photo (dashboard/picking_photos.py)."""
    if not clicks:
        raise PreventUpdate
    return step(viewer, _request_id(ctx.triggered_id), lambda session, request: None)


@dash.callback(*_card(pid.PICKING_PICKED), State(pid.request_part(pid.PICKING_WEIGHT, MATCH), "value"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def mark_picked(viewer: Viewer, clicks, weight):
    if not clicks:
        raise PreventUpdate

    def picked(session: Session, request: PickingRequest) -> None:
        if not request.photos:  # the customer's timeline shows their fruit: no photo, no "picked"
            raise Invalid(t("picking.errors.photo"))
        if not isinstance(weight, int | float):
            raise Invalid(t("picking.errors.weight"))
        steps.mark_picked(session, request, weight, by=viewer.user_id)
    return step(viewer, _request_id(ctx.triggered_id), picked)


@dash.callback(*_card(pid.PICKING_SHIPPED), State(pid.request_part(pid.PICKING_COURIER, MATCH), "value"),
               State(pid.request_part(pid.PICKING_TRACKING, MATCH), "value"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def mark_shipped(viewer: Viewer, clicks, courier, tracking):
    if not clicks:
        raise PreventUpdate

    def shipped(session: Session, request: PickingRequest) -> None:
        if not str(courier or "").strip() or not str(tracking or "").strip():
            raise Invalid(t("picking.errors.courier"))
        steps.mark_shipped(request, str(courier), str(tracking), by=viewer.user_id)
    return step(viewer, _request_id(ctx.triggered_id), shipped)


@dash.callback(*_card(pid.PICKING_DELIVERED), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def mark_delivered(viewer: Viewer, clicks):
    if not clicks:
        raise PreventUpdate
    return step(viewer, _request_id(ctx.triggered_id),
                lambda session, request: steps.mark_delivered(request, by=viewer.user_id))
