"""Care-log entries and the promise panel as components: words from the catalog, times on the farm's clock."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import dash_mantine_components as dmc
from dash import html

from dashboard.care import ids
from dashboard.i18n import t
from dashboard.timefmt import day, when
from orchard.care.promise import Promise
from orchard.care.visible import EntryView, RevisionView

PHOTO_ROUTE = "/api/care-log"
# Words for where an entry applies: given the entry, a sentence such as "Tree 17 (north)" or "its plot".
PlaceWords = Callable[[EntryView], str]


def _data(**values: object) -> dict[str, Any]:
    """data-* attributes for tests and styles."""
    return {f"data-{key}": str(value) for key, value in values.items()}


def _number(value: float) -> str:
    return f"{value:g}"


def revision_lines(revision: RevisionView, lang: str) -> list[Any]:
    """What one revision says, a line per fact."""
    lines: list[Any] = [html.P(revision.notes or t("care.entry.empty", lang), className="care-notes")]
    if revision.quantity is not None:
        amount = t("care.entry.amount", lang, quantity=_number(revision.quantity), unit=revision.unit or "")
        lines.append(html.P(" · ".join(x for x in (revision.material, amount) if x), className="care-fact"))
    elif revision.material:
        lines.append(html.P(revision.material, className="care-fact"))
    if revision.method is not None:
        lines.append(html.P(t(f"care.method.{revision.method.value}", lang), className="care-fact"))
    for item in revision.inputs:
        text = t("care.entry.input", lang, product=item.product, registration=item.registration or "–",
                 dose=_number(item.dose), unit=item.dose_unit, days=item.pre_harvest_days
                 if item.pre_harvest_days is not None else "–")
        kind = str(item.classification)
        lines.append(html.P([dmc.Badge(t(f"care.class.{kind}", lang), size="xs",
                                       color="red" if kind == "synthetic" else "green",
                                       variant="light"), " ", text], className="care-fact care-input"))
    if revision.reason:
        lines.append(html.P(t("care.entry.reason", lang, text=revision.reason), className="care-reason"))
    return lines


def _history(entry: EntryView, tz: str, lang: str) -> html.Details | None:
    if not entry.changed:
        return None
    earlier = [html.Div([
        html.P(t("care.entry.version", lang, n=r.number, when=when(r.recorded_at, tz, lang), who=r.recorded_by),
               className="care-version-head"),
        *revision_lines(r, lang)], className="care-version", **_data(version=r.number))
        for r in reversed(entry.revisions[:-1])]
    return html.Details([html.Summary(t("care.entry.history", lang, n=len(earlier))), *earlier],
                        className="care-history")


def entry_card(entry: EntryView, tz: str, lang: str, place: PlaceWords, *, correctable: bool = False,
               snapshot: str | None = None) -> html.Article:
    """One entry: kind, place, time, what it says now, a "changed" mark with the earlier versions."""
    now_says = entry.current
    head = [html.Strong(t(f"care.kind.{entry.kind.value}", lang)),
            html.Span(place(entry), className="care-place"),
            html.Time(when(entry.event_at, tz, lang), dateTime=entry.event_at.isoformat(), className="care-when")]
    if entry.changed:
        head.append(dmc.Badge(t("care.entry.changed", lang), color="orange", variant="filled", size="sm",
                              className="care-changed"))
    first = entry.revisions[0]
    by = t("care.list.by", lang, who=first.recorded_by, when=when(entry.recorded_at, tz, lang))
    body: list[Any] = [html.Div(head, className="care-head"), *revision_lines(now_says, lang),
                       html.P(by, className="care-by orchard-small")]
    if now_says.photo:  # served by the API (same origin behind the proxy) to whoever may read the entry
        body.append(html.Img(src=f"{PHOTO_ROUTE}/{entry.id}/revisions/{now_says.number}/photo",
                             alt=t("care.entry.photo", lang), className="care-snapshot care-photo"))
    if snapshot:
        body.append(html.Img(src=snapshot, alt=t("care.entry.snapshot", lang),
                             className="care-snapshot"))
    history = _history(entry, tz, lang)
    if history is not None:
        body.append(history)
    if correctable:
        body.append(dmc.Button(t("care.list.correct", lang), id=ids.correct_button(entry.id), size="compact-sm",
                               variant="light", className="care-correct"))
    return html.Article(body, className="care-entry" + (" care-entry--changed" if entry.changed else ""),
                        **_data(entry=entry.id, kind=entry.kind.value))


def promise_panel(promise: Promise, tz: str, lang: str) -> html.Section:
    """"No synthetic pesticide recorded on this plot this season", or honestly what was and when."""
    start = day(promise.season_start, tz, lang)
    if promise.kept:
        methods = "、" if lang == "zh-CN" else ", "
        detail = (t("care.promise.kept_detail", lang, start=start, n=promise.controls,
                    methods=methods.join(t(f"care.method.{m.value}", lang) for m in promise.methods))
                  if promise.controls else t("care.promise.kept_none", lang, start=start))
        body: list[Any] = [html.P(t("care.promise.kept", lang), className="care-promise-line"),
                           html.P(detail, className="orchard-small")]
    else:
        items = []
        for applied in promise.synthetic:
            item = applied.input
            values = {"date": day(applied.event_at, tz, lang), "product": item.product,
                      "registration": item.registration or "–", "dose": _number(item.dose), "unit": item.dose_unit}
            key = "care.promise.applied" if applied.safe_from else "care.promise.applied_no_interval"
            if applied.safe_from:
                values["safe"] = day(applied.safe_from, tz, lang)
            items.append(html.Li(t(key, lang, **values)))
        body = [html.P(t("care.promise.broken", lang), className="care-promise-line"), html.Ul(items),
                html.P(t("care.promise.honest", lang), className="orchard-small")]
    state = "kept" if promise.kept else "broken"
    return html.Section([html.H2(t("care.promise.title", lang)), *body], id=ids.CUSTOMER_PROMISE,
                        className=f"my-tree__section my-tree__wide care-promise care-promise--{state}",
                        **_data(promise=state))
