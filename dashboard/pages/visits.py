"""The farmer's field visits: publish a slot (day, times on the farm's clock, places), and each day's list
of who comes, with how many."""

from __future__ import annotations

from datetime import date, time, timedelta
from typing import Any

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import guard, i18n, paths, services
from dashboard import picking_ids as pid
from dashboard.i18n import t
from dashboard.overview import visible_farms
from dashboard.picking_views import data
from dashboard.timefmt import day
from orchard.auth.policy import Viewer
from orchard.errors import Invalid, OrchardError
from orchard.registry import visit_bookings
from orchard.registry.models import Farm
from orchard.registry.picking_requests import farm_today
from orchard.registry.visits import VisitSlot

DAYS_AHEAD = 60


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    farms = visible_farms(viewer)
    if not farms:
        return html.Div([dmc.Title(t("visits.farmer.title", lang), order=2),
                         dmc.Text(t("visits.farmer.no_farms", lang))], className="orchard-page")
    form = html.Section([
        html.H3(t("visits.farmer.publish", lang)),
        dmc.Select(id=pid.VISITS_FARM, data=[{"value": f, "label": n} for f, n in farms], value=farms[0][0],
                   allowDeselect=False, label=t("visits.farmer.farm", lang),
                   style={"display": "block" if len(farms) > 1 else "none"}),
        html.Div([
            html.Label([t("visits.farmer.day", lang), dcc.Input(id=pid.VISITS_DAY, **native("date"))]),
            html.Label([t("visits.farmer.starts", lang),
                        dcc.Input(id=pid.VISITS_START, value="09:00", **native("time"))]),
            html.Label([t("visits.farmer.ends", lang), dcc.Input(id=pid.VISITS_END, value="11:00", **native("time"))]),
            html.Label([t("visits.farmer.capacity", lang),
                        dcc.Input(id=pid.VISITS_CAPACITY, type="number", min=1, max=500, step=1, value=10)]),
        ], className="visits-form__row"),
        dmc.TextInput(id=pid.VISITS_NOTE, label=t("visits.farmer.note", lang),
                      placeholder=t("visits.farmer.note_hint", lang)),
        dmc.Group([dmc.Button(t("visits.farmer.submit", lang), id=pid.VISITS_PUBLISH),
                   dmc.Text(id=pid.VISITS_MESSAGE, size="sm")]),
    ], className="visits-form")
    return html.Div([
        dmc.Title(t("visits.farmer.title", lang), order=2), form,
        html.Div(day_lists(viewer, lang), id=pid.VISITS_LIST),
    ], className="orchard-page")


dash.register_page(__name__, path=paths.VISITS, title=i18n.page_title, layout=layout)


def native(kind: str) -> dict[str, Any]:
    """The browser's own date or time picker (a phone's wheel), which dcc.Input's types do not list."""
    return {"type": kind}


def day_lists(viewer: Viewer, lang: str) -> list:
    """Each coming day with slots: the slots in time order and who booked them."""
    svc = services.get()
    farms = svc.policy.farm_ids(viewer)
    today = date.today() - timedelta(days=1)  # the farm's today is checked per slot below
    with svc.reading() as session:
        found = [s for s in visit_bookings.slots(session, farms, today, today + timedelta(days=DAYS_AHEAD))
                 if s.day >= farm_today(s.farm.timezone)]
        if not found:
            return [dmc.Text(t("visits.farmer.none", lang))]
        days: dict[date, list] = {}
        for slot in found:
            days.setdefault(slot.day, []).append(slot_block(slot, lang))
        return [html.Section([html.H3(day(d, found[0].farm.timezone, lang)), *blocks], className="visits-day",
                             **data(day=d.isoformat())) for d, blocks in days.items()]


def slot_block(slot: VisitSlot, lang: str) -> html.Div:
    booked = [b for b in slot.bookings if b.cancelled_at is None]
    people = [html.Li(t("visits.farmer.booking", lang, who=b.user.display_name or b.user.username,
                        n=b.party_size, tree=b.claim.tree.label)) for b in booked]
    return html.Div([
        dmc.Group([
            dmc.Text(f"{slot.starts:%H:%M}–{slot.ends:%H:%M}", fw=600),
            dmc.Badge(t("visits.farmer.places", lang, booked=slot.booked, capacity=slot.capacity),
                      color="red" if slot.booked >= slot.capacity else "green", variant="light"),
        ], justify="space-between"),
        dmc.Text(slot.note, size="sm", c="dimmed") if slot.note else None,
        html.Ul(people) if people else dmc.Text(t("visits.farmer.nobody", lang), size="sm"),
    ], className="visits-slot", **data(slot=str(slot.id)))


def _time(value: object) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise Invalid(t("visits.errors.time")) from None


@dash.callback(Output(pid.VISITS_LIST, "children"), Output(pid.VISITS_MESSAGE, "children"),
               Input(pid.VISITS_PUBLISH, "n_clicks"), State(pid.VISITS_FARM, "value"), State(pid.VISITS_DAY, "value"),
               State(pid.VISITS_START, "value"), State(pid.VISITS_END, "value"),
               State(pid.VISITS_CAPACITY, "value"), State(pid.VISITS_NOTE, "value"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def publish(viewer: Viewer, clicks, farm_id, day_text, starts, ends, capacity, note):
    """Publish a slot on a farm the viewer works on; the lists again, and what happened."""
    if not clicks:
        raise PreventUpdate
    svc, lang = services.get(), i18n.current()
    if not isinstance(farm_id, str) or not svc.policy.may_edit(viewer, "visit", farm_id):
        raise PreventUpdate
    try:
        try:
            chosen = date.fromisoformat(str(day_text))
        except ValueError:
            raise Invalid(t("visits.errors.day")) from None
        if not isinstance(capacity, int) or isinstance(capacity, bool) or not 1 <= capacity <= 500:
            raise Invalid(t("visits.errors.capacity"))
        if _time(ends) <= _time(starts):
            raise Invalid(t("visits.errors.order"))
        with svc.writing() as session:
            farm = session.get(Farm, farm_id)
            if farm is None:
                raise PreventUpdate
            if chosen < farm_today(farm.timezone):
                raise Invalid(t("visits.errors.past"))
            visit_bookings.create_slot(session, farm_id, chosen, _time(starts), _time(ends), capacity,
                                       str(note or ""))
    except OrchardError as exc:
        return day_lists(viewer, lang), dmc.Text(t("visits.errors.refused", lang, reason=str(exc)), c="red")
    return day_lists(viewer, lang), t("visits.farmer.published", lang)
