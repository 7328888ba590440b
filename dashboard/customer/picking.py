"""Cloud picking on "My tree": ask the farm to pick and ship (a form fit for a phone), and follow each
request's timeline with the photos of the fruit."""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import guard, i18n, ids, services
from dashboard import picking_ids as pid
from dashboard import picking_views as views
from dashboard.customer.claim_lookup import my_claim
from dashboard.i18n import t
from dashboard.picking_views import data
from dashboard.timefmt import day
from orchard.auth.policy import Viewer
from orchard.errors import Invalid, OrchardError
from orchard.registry import picking_requests as steps
from orchard.registry.models import Claim
from orchard.registry.picking import PickingRequest, PickingStatus


def section(session: Session, claim: Claim, lang: str, note: Any = None) -> html.Section:
    """The request form while picking is open for the tree, and the claim's requests."""
    tz = claim.tree.farm.timezone
    windows = steps.windows_for_tree(session, claim.tree, steps.farm_today(tz))
    if windows:
        limit = windows[0].max_kg
        intro = t("picking.customer.open", lang, date=day(windows[0].closes_on, tz, lang)) + \
            (t("picking.customer.limit", lang, kg=f"{limit:g}") if limit else "")
        top = [dmc.Text(intro, size="sm"), form(lang)]
    else:
        top = [dmc.Text(t("picking.customer.closed", lang), size="sm")]
    requests = session.scalars(select(PickingRequest).where(PickingRequest.claim_id == claim.id)
                               .order_by(PickingRequest.requested_at.desc())).all()
    return html.Section([
        html.H2(t("picking.customer.title", lang)), *top,
        html.Div(note, className="picking-message") if note else None,
        *(request_block(request, tz, lang) for request in requests),
    ], className="my-tree__section my-tree__wide picking-mine", id=pid.MY_PICKING)


def form(lang: str) -> html.Div:
    def field(component_id: str, key: str, **options) -> dmc.TextInput:
        return dmc.TextInput(id=component_id, label=t(f"picking.form.{key}", lang), **options)

    return html.Div([
        dmc.NumberInput(id=pid.MY_PICKING_QUANTITY, label=t("picking.form.quantity", lang), min=0.5, max=100,
                        step=0.5, decimalScale=1, value=2, suffix=" kg"),
        field(pid.MY_PICKING_NAME, "name", autoComplete="name"),
        field(pid.MY_PICKING_PHONE, "phone", autoComplete="tel", inputProps={"inputMode": "tel"}),
        html.Div([field(pid.MY_PICKING_PROVINCE, "province", autoComplete="address-level1",
                        placeholder=t("picking.form.province_hint", lang)),
                  field(pid.MY_PICKING_CITY, "city", autoComplete="address-level2",
                        placeholder=t("picking.form.city_hint", lang))], className="picking-form__pair"),
        dmc.Textarea(id=pid.MY_PICKING_ADDRESS, label=t("picking.form.address", lang), autosize=True, minRows=2,
                     placeholder=t("picking.form.address_hint", lang), autoComplete="street-address"),
        dmc.Checkbox(id=pid.MY_PICKING_GIFT, label=t("picking.form.gift", lang)),
        dmc.Button(t("picking.form.submit", lang), id=pid.MY_PICKING_SUBMIT, fullWidth=True),
    ], className="picking-form")


def request_block(request: PickingRequest, tz: str, lang: str) -> html.Div:
    cancel = dmc.Button(t("picking.customer.cancel", lang), variant="subtle", color="red", size="compact-sm",
                        id=pid.request_part(pid.MY_PICKING_CANCEL, request.id)) \
        if request.status == PickingStatus.REQUESTED else None
    return html.Div([
        dmc.Group([dmc.Text(t("picking.customer.request", lang, kg=f"{request.quantity_kg:g}"), fw=600),
                   dmc.Badge(t(f"picking.status.{request.status.value}", lang), variant="light",
                             color=views.STATUS_COLOURS[request.status.value])], justify="space-between"),
        views.timeline(request, tz, lang), views.photos(request, lang), views.address(request, lang), cancel,
    ], className="picking-request", **data(request=str(request.id), status=request.status.value))


def _again(viewer: Viewer, memo, change) -> html.Section:
    """Make a change on the viewer's claim in force, and the section as it is now."""
    svc, lang = services.get(), i18n.current()
    note = None
    try:
        with svc.writing() as session:
            claim = my_claim(session, viewer, memo)
            if claim is None:
                raise PreventUpdate
            note = change(session, claim)
    except OrchardError as exc:
        note = dmc.Alert(t("picking.errors.refused", lang, reason=str(exc)), color="red", variant="light")
    with svc.reading() as session:
        claim = my_claim(session, viewer, memo)
        if claim is None:
            raise PreventUpdate
        return section(session, claim, lang, note)


@dash.callback(Output(pid.MY_PICKING, "children", allow_duplicate=True), Input(pid.MY_PICKING_SUBMIT, "n_clicks"),
               State(ids.MY_TREE_CLAIM, "data"), State(pid.MY_PICKING_QUANTITY, "value"),
               State(pid.MY_PICKING_NAME, "value"), State(pid.MY_PICKING_PHONE, "value"),
               State(pid.MY_PICKING_PROVINCE, "value"), State(pid.MY_PICKING_CITY, "value"),
               State(pid.MY_PICKING_ADDRESS, "value"), State(pid.MY_PICKING_GIFT, "checked"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def request_picking(viewer: Viewer, clicks, memo, quantity, name, phone, province, city, address, gift):
    if not clicks:
        raise PreventUpdate
    lang = i18n.current()

    def ask(session: Session, claim: Claim):
        fields = (name, phone, province, city, address)
        if not all(isinstance(value, str) and value.strip() for value in fields):
            raise Invalid(t("picking.errors.address", lang))
        if not isinstance(quantity, int | float) or isinstance(quantity, bool):
            raise Invalid(t("picking.errors.quantity", lang))
        steps.request_picking(session, claim, quantity, steps.ShipTo(name, phone, province, city, address),
                              gift=gift is True, by=viewer.user_id)
        return dmc.Alert(t("picking.customer.sent", lang), color="green", variant="light")
    return _again(viewer, memo, ask).children


@dash.callback(Output(pid.MY_PICKING, "children", allow_duplicate=True),
               Input(pid.request_part(pid.MY_PICKING_CANCEL, ALL), "n_clicks"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def cancel_request(viewer: Viewer, clicks, memo):
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not any(isinstance(n, int) and n > 0 for n in clicks or []):
        raise PreventUpdate
    try:
        request_id = int(pressed["request"])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None

    def cancel(session: Session, claim: Claim):
        request = session.get(PickingRequest, request_id)
        if request is None or request.claim_id != claim.id:
            raise PreventUpdate  # another claim's request: nothing
        steps.cancel(request, by=viewer.user_id)
    return _again(viewer, memo, cancel).children
