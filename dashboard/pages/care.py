"""The care log for farmers: record work on a tree, a plot or the farm from a phone, and correct entries.

A correction is a new revision (orchard.care.records): customers see that the entry changed
and what it said before. Every callback asks the policy about the farm, place and entry it
was handed: ids from the browser are looked up again, never trusted.
"""

from __future__ import annotations

from typing import Any

import dash
import dash_mantine_components as dmc
from dash import ALL, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import guard, i18n, paths, services
from dashboard.care import cards, form, ids
from dashboard.i18n import t
from dashboard.overview import visible_farms
from dashboard.timefmt import when
from orchard.auth.policy import Viewer
from orchard.care.records import correct_entry, record_entry
from orchard.care.seen import entries_seen_by, entry_seen_by
from orchard.care.visible import EntryView
from orchard.errors import Forbidden, Invalid, NotFound
from orchard.registry.care_log import CareEntry, CareKind, Scope
from orchard.registry.db import conflicts
from orchard.registry.models import Farm
from orchard.registry.orchards import list_plots, list_trees

LIST_LIMIT = 50
FORM_FIELDS = ("notes", "material", "quantity", "unit", "method", "product", "registration", "dose", "dose_unit",
               "pre_harvest", "classification", "reason")
FORM_IDS = (ids.CARE_NOTES, ids.CARE_MATERIAL, ids.CARE_QUANTITY, ids.CARE_UNIT, ids.CARE_METHOD, ids.CARE_PRODUCT,
            ids.CARE_REGISTRATION, ids.CARE_DOSE, ids.CARE_DOSE_UNIT, ids.CARE_PRE_HARVEST, ids.CARE_CLASS,
            ids.CARE_REASON)


class Names:
    """Plot names and tree labels of one farm, for the place picker and the entries' place words."""

    def __init__(self, farm_id: str, lang: str) -> None:
        svc = services.get()
        with svc.reading() as session:
            farm = session.get(Farm, farm_id)
            self.timezone = farm.timezone if farm else "UTC"
            self.plots = {p.id: p.name for p in list_plots(session, farm_id)}
            self.trees = [(tree.id, tree.label, tree.plot_id) for tree in list_trees(session, farm_id)]
        self.lang = lang
        self.labels = {tree_id: label for tree_id, label, _ in self.trees}

    def options(self) -> list[dict[str, str]]:
        lang = self.lang
        found = [{"value": "farm", "label": t("care.place.farm", lang)}]
        found += [{"value": f"plot:{pid}", "label": t("care.place.plot", lang, name=name)}
                  for pid, name in self.plots.items()]
        found += [{"value": f"tree:{tid}", "label": t("care.place.tree_in_plot", lang, label=label,
                                                      plot=self.plots[plot]) if plot in self.plots
                   else t("care.place.tree", lang, label=label)} for tid, label, plot in self.trees]
        return found

    def words(self, entry: EntryView) -> str:
        if entry.scope == Scope.TREE:
            return t("care.place.tree", self.lang, label=self.labels.get(entry.tree_id or 0, "?"))
        if entry.scope == Scope.PLOT:
            return t("care.place.plot", self.lang, name=self.plots.get(entry.plot_id or 0, "?"))
        return t("care.place.farm", self.lang)


def _farm_of(viewer: Viewer, farm: object) -> str | None:
    """The farm id if the viewer may record work there, else None."""
    svc = services.get()
    if not isinstance(farm, str) or not svc.policy.may_edit(viewer, "care record", farm):
        return None
    with svc.reading() as session:
        return farm if session.get(Farm, farm) is not None else None


def entry_list(viewer: Viewer, farm_id: str, lang: str) -> Any:
    names = Names(farm_id, lang)
    with services.get().reading() as session:
        entries = entries_seen_by(session, services.get().policy, viewer, farm_id=farm_id, limit=LIST_LIMIT)
    if not entries:
        return dmc.Text(t("care.list.none", lang))
    return [cards.entry_card(e, names.timezone, lang, names.words, correctable=True) for e in entries]


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, farm: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    farms = [(f, n) for f, n in visible_farms(viewer) if services.get().policy.may_edit(viewer, "care record", f)]
    chosen = farm if farm in {f for f, _ in farms} else (farms[0][0] if farms else None)
    title = dmc.Title(t("care.title", lang), order=2)
    if chosen is None:
        return html.Div([title, dmc.Text(t("care.form.no_farm", lang))], className="orchard-page")
    names = Names(chosen, lang)
    return html.Div([
        title, dmc.Text(t("care.intro", lang), size="sm", c="dimmed"),
        html.Div([
            html.Section([dmc.Title(t("care.form.new", lang), order=4),
                          form.fields(lang, farms, chosen, names.options(), names.timezone)],
                         className="care-card"),
            html.Section([dmc.Title(t("care.list.title", lang), order=4),
                          html.Div(entry_list(viewer, chosen, lang), id=ids.CARE_LIST)],
                         className="care-card care-list"),
        ], className="care-columns"),
    ], className="orchard-page care-page", lang=lang)


dash.register_page(__name__, path=paths.CARE, title=i18n.page_title, layout=layout)


@dash.callback(Output(ids.CARE_MEASURE, "style"), Output(ids.CARE_PEST, "style"),
               Input(ids.CARE_KIND, "value"))
@guard.guarded(roles=guard.STAFF)
def show_fields(viewer: Viewer, kind):
    """Quantity for watering, fertilising and harvest; method and product for pest control only."""
    measured = kind in (CareKind.WATERING, CareKind.FERTILISING, CareKind.HARVEST)
    return (form.SHOWN if measured else form.HIDDEN), (form.SHOWN if kind == CareKind.PEST_CONTROL else form.HIDDEN)


@dash.callback(Output(ids.CARE_PLACE, "data"), Output(ids.CARE_PLACE, "value"), Output(ids.CARE_LIST, "children"),
               Input(ids.CARE_FARM, "value"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def choose_farm(viewer: Viewer, farm):
    farm_id = _farm_of(viewer, farm)
    if farm_id is None:
        raise PreventUpdate
    lang = i18n.current()
    return Names(farm_id, lang).options(), "farm", entry_list(viewer, farm_id, lang)


def _place(value: object) -> tuple[Scope, int | None, int | None]:
    if value == "farm":
        return Scope.FARM, None, None
    kind, _, number = str(value).partition(":")
    if kind in ("plot", "tree") and number.isdigit() and len(number) < 19:
        return (Scope.PLOT, int(number), None) if kind == "plot" else (Scope.TREE, None, int(number))
    raise Invalid("care.errors.place")


def _editing(viewer: Viewer, memo: object) -> int | None:
    """The entry being corrected, if the memo names one the viewer may correct."""
    wanted = memo.get("entry") if isinstance(memo, dict) else None
    if type(wanted) is not int:
        return None
    svc = services.get()
    with svc.reading() as session:
        entry = entry_seen_by(session, svc.policy, viewer, wanted)
    return entry.id if entry and svc.policy.may_edit(viewer, "care record", entry.farm_id) else None


def _message(exc: Exception, lang: str) -> str:
    text = str(exc)
    if text.startswith("care."):
        return t(text, lang)
    if "in the future" in text:
        return t("care.errors.future", lang)
    return text


def save_entry(viewer: Viewer, farm: object, place: object, kind: object, time: object, values: dict,
               memo: object) -> tuple[int, str]:
    """Record (or correct) as the form says: (entry id, farm id); Invalid, Forbidden or NotFound otherwise."""
    svc = services.get()
    editing = _editing(viewer, memo)
    if isinstance(memo, dict) and memo.get("entry") is not None and editing is None:
        raise NotFound("care.errors.missing")
    with conflicts(), svc.sessions.begin() as session:
        if editing is not None:
            entry = session.get_one(CareEntry, editing)
            correct_entry(session, entry, by=viewer.user_id or 0, content=form.content_of(entry.kind, values))
            return entry.id, entry.farm_id
        farm_id = _farm_of(viewer, farm)
        if farm_id is None:
            raise Forbidden("care.errors.not_allowed")
        scope, plot_id, tree_id = _place(place)
        zone = session.get_one(Farm, farm_id).timezone
        made = record_entry(session, farm_id=farm_id, scope=scope, plot_id=plot_id, tree_id=tree_id,
                            kind=str(kind), event_at=form.event_time(time, zone), by=viewer.user_id or 0,
                            content=form.content_of(kind, values))
        return made.id, farm_id


@dash.callback(Output(ids.CARE_FEEDBACK, "children"), Output(ids.CARE_LIST, "children", allow_duplicate=True),
               Output(ids.CARE_EDITING, "data", allow_duplicate=True),
               Output(ids.CARE_BANNER, "style", allow_duplicate=True),
               Output(ids.CARE_REASON_BOX, "style", allow_duplicate=True),
               Output(ids.CARE_SAVE, "children", allow_duplicate=True),
               *[Output(i, "value", allow_duplicate=True) for i in (ids.CARE_NOTES, ids.CARE_REASON)],
               Input(ids.CARE_SAVE, "n_clicks"), State(ids.CARE_FARM, "value"), State(ids.CARE_PLACE, "value"),
               State(ids.CARE_KIND, "value"), State(ids.CARE_TIME, "value"),
               *[State(i, "value") for i in FORM_IDS], State(ids.CARE_EDITING, "data"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def save(viewer: Viewer, clicks, farm, place, kind, time, *rest):
    if not clicks:
        raise PreventUpdate
    lang = i18n.current()
    *values, memo = rest
    correcting = isinstance(memo, dict) and memo.get("entry") is not None
    try:
        entry_id, farm_id = save_entry(viewer, farm, place, kind, time, dict(zip(FORM_FIELDS, values, strict=True)),
                                       memo)
    except (Invalid, Forbidden, NotFound) as exc:
        alert = dmc.Alert(_message(exc, lang), color="red", variant="light", className="care-error")
        return alert, no_update, no_update, no_update, no_update, no_update, no_update, no_update
    services.get().policy.forget()
    if correcting:
        with services.get().reading() as session:
            found = entry_seen_by(session, services.get().policy, viewer, entry_id)
        done = t("care.form.corrected", lang, n=len(found.revisions) if found else 2)
    else:
        done = t("care.form.saved", lang)
    alert = dmc.Alert(done, color="green", variant="light", className="care-done")
    return (alert, entry_list(viewer, farm_id, lang), None, form.HIDDEN, form.HIDDEN, t("care.form.save", lang),
            "", "")


@dash.callback(Output(ids.CARE_EDITING, "data"), Output(ids.CARE_BANNER, "style"),
               Output(f"{ids.CARE_BANNER}-text", "children"), Output(ids.CARE_REASON_BOX, "style"),
               Output(ids.CARE_SAVE, "children"), Output(ids.CARE_KIND, "value"),
               *[Output(i, "value") for i in FORM_IDS],
               Input({"type": ids.CARE_CORRECT, "entry": ALL}, "n_clicks"), Input(ids.CARE_CANCEL, "n_clicks"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def start_correction(viewer: Viewer, _clicks, _cancel):
    """Fill the form with what an entry says now; saving then adds a revision instead of a new entry."""
    lang = i18n.current()
    trigger = ctx.triggered_id
    blank = [no_update] * len(FORM_IDS)
    if trigger == ids.CARE_CANCEL:
        return None, form.HIDDEN, "", form.HIDDEN, t("care.form.save", lang), no_update, *blank
    if not isinstance(trigger, dict) or not any(c for c in (ctx.triggered or []) if c.get("value")):
        raise PreventUpdate
    entry_id = _editing(viewer, {"entry": trigger.get("entry")})
    if entry_id is None:
        raise PreventUpdate
    svc = services.get()
    with svc.reading() as session:
        entry = entry_seen_by(session, svc.policy, viewer, entry_id)
        zone = session.get_one(Farm, entry.farm_id).timezone if entry else "UTC"
    if entry is None:
        raise PreventUpdate
    now_says = entry.current
    first = now_says.inputs[0] if now_says.inputs else None
    values = [now_says.notes, now_says.material, now_says.quantity, now_says.unit,
              now_says.method.value if now_says.method else no_update, first.product if first else "",
              first.registration if first else "", first.dose if first else None, first.dose_unit if first else "",
              first.pre_harvest_days if first else None,
              (first.classification.value if hasattr(first.classification, "value") else first.classification)
              if first else no_update, ""]
    banner = t("care.form.correcting", lang, date=when(entry.event_at, zone, lang),
               kind=t(f"care.kind.{entry.kind.value}", lang))
    return ({"entry": entry.id}, form.SHOWN, banner, form.SHOWN, t("care.form.save_correction", lang),
            entry.kind.value, *values)

