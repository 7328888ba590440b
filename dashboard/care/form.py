"""The farmer's care-log form: phone-sized fields, and what they say as a care-log Content.

Everything here comes from the browser: values are read defensively (a forged number is
None, a forged kind is refused by orchard.care.content), never trusted.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import dash_mantine_components as dmc
from dash import dcc, html

from dashboard.care import ids
from dashboard.i18n import t
from dashboard.timefmt import zone
from orchard.care.content import Content, Input
from orchard.errors import Invalid
from orchard.registry.care_log import CareKind, InputClass, Method
from orchard.times import parse_instant

HIDDEN = {"display": "none"}
SHOWN: dict[str, str] = {}
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"


def local_now(tz: str, now: datetime | None = None) -> str:
    """Now on the farm's clock, as the date-time picker holds it."""
    return (now or datetime.now(UTC)).astimezone(zone(tz)).strftime(TIME_FORMAT)


def event_time(text: object, tz: str) -> datetime:
    """The moment a picker's value ("2026-06-01 08:00:00") means on the farm's clock; Invalid if not a time."""
    if not isinstance(text, str) or not text.strip():
        raise Invalid("care.errors.time")
    parsed = parse_instant(text, "time")  # the one reader of times: format and range
    if parsed is None:
        raise Invalid("care.errors.time")
    if datetime.fromisoformat(text.strip()).tzinfo is not None:
        return parsed
    return parsed.replace(tzinfo=None).replace(tzinfo=zone(tz)).astimezone(UTC)


def _options(group: str, values: list[str], lang: str) -> list[dict[str, str]]:
    """Choices with their words from care.json's `group` ("kind", "method", "class")."""
    return [{"value": v, "label": t(f"care.{group}.{v}", lang)} for v in values]


def _text(label: str, id_: str, lang: str, **props: Any) -> dmc.TextInput:
    return dmc.TextInput(label=t(label, lang), id=id_, **props)


def fields(lang: str, farms: list[tuple[str, str]], farm: str, places: list[dict[str, str]], tz: str) -> html.Div:
    """The form, for recording and for correcting (then a banner says which entry)."""
    kinds = _options("kind", [k.value for k in CareKind], lang)
    return html.Div([
        html.Div(id=ids.CARE_BANNER, className="care-banner", style=HIDDEN, children=[
            dmc.Text(id=f"{ids.CARE_BANNER}-text", size="sm"),
            dmc.Button(t("care.form.cancel", lang), id=ids.CARE_CANCEL, size="compact-sm", variant="subtle")]),
        dmc.Select(label=t("care.form.farm", lang), id=ids.CARE_FARM, value=farm, allowDeselect=False,
                   data=[{"value": f, "label": n} for f, n in farms],
                   style=SHOWN if len(farms) > 1 else HIDDEN),
        dmc.Select(label=t("care.form.place", lang), id=ids.CARE_PLACE, data=places, value="farm",
                   allowDeselect=False, searchable=True),
        html.Div([dmc.Text(t("care.form.kind", lang), size="sm", fw=500),
                  dmc.ChipGroup(dmc.Group([dmc.Chip(k["label"], value=k["value"], id=f"care-kind-{k['value']}")
                                           for k in kinds], gap=6), id=ids.CARE_KIND, multiple=False,
                                value=CareKind.WATERING.value)], className="care-kinds"),
        dmc.DateTimePicker(label=t("care.form.time", lang), id=ids.CARE_TIME, value=local_now(tz),
                           valueFormat="YYYY-MM-DD HH:mm", maxDate=local_now(tz)[:10], withSeconds=False),
        html.Div(id=ids.CARE_MEASURE, className="care-row", children=[
            _text("care.form.material", ids.CARE_MATERIAL, lang),
            dmc.NumberInput(label=t("care.form.quantity", lang), id=ids.CARE_QUANTITY, min=0, w=110),
            _text("care.form.unit", ids.CARE_UNIT, lang, w=90, placeholder="L, kg")]),
        html.Div(id=ids.CARE_PEST, className="care-pest", style=HIDDEN, children=[
            dmc.Select(label=t("care.form.method", lang), id=ids.CARE_METHOD, allowDeselect=False,
                       data=_options("method", [m.value for m in Method], lang), value=Method.BY_HAND.value),
            _text("care.form.product", ids.CARE_PRODUCT, lang),
            dmc.Select(label=t("care.form.classification", lang), id=ids.CARE_CLASS, allowDeselect=False,
                       data=_options("class", [c.value for c in InputClass], lang),
                       value=InputClass.BIOLOGICAL.value),
            _text("care.form.registration", ids.CARE_REGISTRATION, lang),
            html.Div(className="care-row", children=[
                dmc.NumberInput(label=t("care.form.dose", lang), id=ids.CARE_DOSE, min=0, w=110),
                _text("care.form.dose_unit", ids.CARE_DOSE_UNIT, lang, w=130),
                dmc.NumberInput(label=t("care.form.pre_harvest", lang), id=ids.CARE_PRE_HARVEST, min=0, max=365,
                                allowDecimal=False, w=150)])]),
        dmc.Textarea(label=t("care.form.notes", lang), id=ids.CARE_NOTES, autosize=True, minRows=2),
        html.Div(id=ids.CARE_REASON_BOX, style=HIDDEN,
                 children=_text("care.form.reason", ids.CARE_REASON, lang)),
        dmc.Button(t("care.form.save", lang), id=ids.CARE_SAVE, fullWidth=True, size="md"),
        html.Div(id=ids.CARE_FEEDBACK, role="status"),
        dcc.Store(id=ids.CARE_EDITING),
    ], className="care-form")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str) or value == "":
        return None
    try:
        return float(value)
    except ValueError:
        return None


def _string(value: object) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def content_of(kind: object, values: dict[str, object]) -> Content:
    """What the form says; kind-specific fields only for their kind (a hidden box's leftovers are dropped)."""
    measured = kind in (CareKind.WATERING, CareKind.FERTILISING, CareKind.HARVEST)
    pest = kind == CareKind.PEST_CONTROL
    method = _string(values.get("method")) if pest else None
    inputs: tuple[Input, ...] = ()
    if pest and method in (Method.BIOLOGICAL, Method.CHEMICAL) and _string(values.get("product")):
        days = _number(values.get("pre_harvest"))
        inputs = (Input(str(values["product"]), _number(values.get("dose")) or 0.0,
                        _string(values.get("dose_unit")) or "", str(values.get("classification") or ""),
                        _string(values.get("registration")),
                        int(days) if days is not None and days == int(days) else None),)
    return Content(
        notes=_string(values.get("notes")) or "",
        material=_string(values.get("material")) if measured else None,
        quantity=_number(values.get("quantity")) if measured else None,
        unit=_string(values.get("unit")) if measured else None,
        method=method,  # checked, with the rest, by orchard.care.content
        inputs=inputs, reason=_string(values.get("reason")))
