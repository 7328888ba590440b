"""Field visits on "My tree": the farm's coming visit times with the places left, booking, and cancelling."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html
from dash.exceptions import PreventUpdate
from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboard import guard, i18n, ids, services
from dashboard import picking_ids as pid
from dashboard.customer.claim_lookup import my_claim
from dashboard.i18n import t
from dashboard.picking_views import data
from dashboard.timefmt import day
from orchard.auth.policy import Viewer
from orchard.errors import OrchardError
from orchard.registry import visit_bookings
from orchard.registry.models import Claim
from orchard.registry.picking_requests import farm_today
from orchard.registry.visits import VisitBooking, VisitSlot

DAYS_AHEAD = 60
MAX_PARTY = 6  # what the form offers; the registry allows up to visit_bookings.MAX_PARTY


def section(session: Session, claim: Claim, lang: str, note: Any = None) -> html.Section:
    tz = claim.tree.farm.timezone
    today = farm_today(tz)
    mine = session.scalars(select(VisitBooking).where(VisitBooking.user_id == claim.user_id,
                                                      VisitBooking.cancelled_at.is_(None))
                           .order_by(VisitBooking.id)).all()
    mine = [b for b in mine if b.slot.farm_id == claim.tree.farm_id and b.slot.day >= today]
    booked = {b.slot_id for b in mine}
    slots = [s for s in visit_bookings.slots(session, frozenset({claim.tree.farm_id}), today,
                                             today + timedelta(days=DAYS_AHEAD)) if s.id not in booked]
    rows = [html.Div([
        html.Div([html.Strong(f"{day(b.slot.day, tz, lang)} {b.slot.starts:%H:%M}–{b.slot.ends:%H:%M}"),
                  dmc.Text(t("visits.customer.your_booking", lang, n=b.party_size), size="sm")]),
        dmc.Button(t("visits.customer.cancel", lang), variant="subtle", color="red", size="compact-sm",
                   id=pid.booking_part(pid.MY_VISIT_CANCEL, b.id)),
    ], className="visit-row visit-row--mine", **data(booking=str(b.id))) for b in mine]
    for slot in slots:
        left = slot.capacity - slot.booked
        action = dmc.Text(t("visits.customer.full", lang), size="sm", c="dimmed") if left <= 0 else dmc.Group([
            dmc.Select(id=pid.slot_part(pid.MY_VISIT_PARTY, slot.id), value="1", w=90, allowDeselect=False,
                       data=[{"value": str(n), "label": t("visits.customer.people", lang, n=n)}
                             for n in range(1, min(left, MAX_PARTY) + 1)], comboboxProps={"withinPortal": False}),
            dmc.Button(t("visits.customer.book", lang), size="sm", id=pid.slot_part(pid.MY_VISIT_BOOK, slot.id)),
        ], gap="xs", wrap="nowrap")
        rows.append(html.Div([
            html.Div([html.Strong(f"{day(slot.day, tz, lang)} {slot.starts:%H:%M}–{slot.ends:%H:%M}"),
                      dmc.Text(t("visits.customer.left", lang, n=left) + (f" · {slot.note}" if slot.note else ""),
                               size="sm", c="dimmed")]),
            action,
        ], className="visit-row", **data(slot=str(slot.id))))
    return html.Section([
        html.H2(t("visits.customer.title", lang)),
        dmc.Text(t("visits.customer.intro", lang, farm=claim.tree.farm.name), size="sm"),
        html.Div(note, className="picking-message") if note else None,
        *(rows or [dmc.Text(t("visits.customer.none", lang), size="sm")]),
    ], className="my-tree__section my-tree__wide visits-mine", id=pid.MY_VISITS)


def _again(viewer: Viewer, memo, change) -> list:
    """Make a change for the viewer's claim in force, and the section as it is now. The claim is found
    before the change's transaction, so that a booking's first statement takes the seats (visit_bookings)."""
    svc, lang = services.get(), i18n.current()
    with svc.reading() as session:
        claim = my_claim(session, viewer, memo)
        if claim is None:
            raise PreventUpdate
        claim_id, farm_id = claim.id, claim.tree.farm_id
    note = None
    try:
        with svc.writing() as session:
            note = change(session, claim_id, farm_id)
    except OrchardError as exc:
        note = dmc.Alert(t("visits.errors.refused", lang, reason=str(exc)), color="red", variant="light")
    with svc.reading() as session:
        claim = my_claim(session, viewer, memo)
        if claim is None:
            raise PreventUpdate
        return section(session, claim, lang, note).children


def _pressed(kind: str, clicks) -> int:
    pressed = ctx.triggered_id
    if not isinstance(pressed, dict) or not any(isinstance(n, int) and n > 0 for n in clicks or []):
        raise PreventUpdate
    try:
        return int(pressed[kind])
    except (KeyError, TypeError, ValueError):
        raise PreventUpdate from None


@dash.callback(Output(pid.MY_VISITS, "children", allow_duplicate=True),
               Input(pid.slot_part(pid.MY_VISIT_BOOK, ALL), "n_clicks"),
               State(pid.slot_part(pid.MY_VISIT_PARTY, ALL), "value"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def book(viewer: Viewer, clicks, _parties, memo):
    """Book places in a slot of the claim's farm: never more than are left, even when many book at once."""
    slot_id = _pressed("slot", clicks)
    party = next((state.get("value") for state in (ctx.states_list[0] if ctx.states_list else [])
                  if isinstance(state, dict) and state.get("id", {}).get("slot") == slot_id), "1")
    try:
        size = int(str(party))
    except ValueError:
        raise PreventUpdate from None
    lang = i18n.current()

    def take(session: Session, claim_id: int, farm_id: str):
        taken = visit_bookings.take_seats(session, slot_id, size)  # first: see orchard.registry.visit_bookings
        slot, claim = session.get(VisitSlot, slot_id), session.get(Claim, claim_id)
        if slot is None or claim is None or slot.farm_id != farm_id:
            raise PreventUpdate  # not this farm's slot: nothing (the seats are given back by the rollback)
        visit_bookings.book(session, slot, claim, size, seats_taken=taken)
        return dmc.Alert(t("visits.customer.booked", lang), color="green", variant="light")
    return _again(viewer, memo, take)


@dash.callback(Output(pid.MY_VISITS, "children", allow_duplicate=True),
               Input(pid.booking_part(pid.MY_VISIT_CANCEL, ALL), "n_clicks"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def cancel(viewer: Viewer, clicks, memo):
    booking_id = _pressed("booking", clicks)

    def give_back(session: Session, claim_id: int, farm_id: str):
        booking = session.get(VisitBooking, booking_id)
        if booking is None or booking.user_id != viewer.user_id:
            raise PreventUpdate
        visit_bookings.cancel_booking(session, booking)
    return _again(viewer, memo, give_back)
