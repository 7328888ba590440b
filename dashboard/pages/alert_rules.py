"""The rules a farm's alerts come from, as a farmer reads them: built in, or tuned for the farm."""

from __future__ import annotations

import math

import dash
import dash_mantine_components as dmc
from dash import Input, Output, State, dcc, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import alerts_view, guard, i18n, ids, paths
from dashboard.figures import metric_label, unit
from dashboard.i18n import t
from dashboard.overview import visible_farms
from dashboard.pages.alerts import SEVERITY_COLOURS, chosen_farm, farm_picker
from dashboard.rule_names import rule_name
from orchard.alert_rules import THRESHOLD, Rule
from orchard.auth.policy import Viewer
from orchard.registry.alert_tuning import EffectiveRule

COLUMNS = ("rule", "when", "clears", "hold", "severity", "repeat", "source")


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, farm: str | None = None, **_query) -> html.Div:
    lang = i18n.current()
    farms = visible_farms(viewer)
    return html.Div([
        dmc.Group([dmc.Title(t("alerts.rules_title", lang), order=2),
                   dcc.Link(t("alerts.title", lang), href=paths.ALERTS)], justify="space-between"),
        dmc.Text(t("alerts.rules.intro", lang), size="sm", c="dimmed"),
        farm_picker(ids.RULES_FARM, farms, chosen_farm(farms, farm)),
        html.Div(id=ids.RULES_TABLE),
        tuning_form(lang),
        dcc.Store(id=ids.RULES_EDIT, data=0),
    ] if farms else [dmc.Title(t("alerts.rules_title", lang), order=2), dmc.Text(t("alerts.no_farms", lang))],
        className="orchard-page")


@dash.callback(Output(ids.RULES_TABLE, "children"), Output(ids.RULES_EDIT_RULE, "data"),
               Input(ids.RULES_FARM, "value"), Input(ids.RULES_EDIT, "data"))
@guard.guarded(roles=guard.STAFF)
def show(viewer: Viewer, farm_id, _edited):
    lang = i18n.current()
    rules = alerts_view.farm_rules(viewer, farm_id)
    if rules is None:
        return dmc.Text(t("farmer.overview.no_farm", lang)), []
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh(t(f"alerts.rules.{c}", lang)) for c in COLUMNS]))
    body = dmc.TableTbody([row(found, lang) for found in rules])
    choices = [{"value": found.rule.key, "label": rule_name(found.rule.key, lang)} for found in rules]
    return dmc.TableScrollContainer(dmc.Table([head, body], striped=True, className="orchard-rules-table"),
                                    minWidth=760), choices


def row(found: EffectiveRule, lang: str) -> dmc.TableTr:
    rule = found.rule
    severity = dmc.Badge(t(f"alerts.severity.{rule.severity.value}", lang),
                         color=SEVERITY_COLOURS[rule.severity.value], variant="light")
    name = [dmc.Text(rule_name(rule.key, lang), fw=600, size="sm")]
    if not rule.enabled:
        name.append(dmc.Badge(t("alerts.rules.off", lang), color="gray"))
    return dmc.TableTr([
        dmc.TableTd(name), dmc.TableTd(condition(rule, lang)), dmc.TableTd(condition(rule, lang, clears=True)),
        dmc.TableTd(span(rule.duration_s, lang, zero="alerts.rules.immediately")), dmc.TableTd(severity),
        dmc.TableTd(span(rule.repeat_s, lang, zero="alerts.rules.never")),
        dmc.TableTd(t(f"alerts.rules.from.{found.source}", lang)),
    ], **{"data-rule": rule.key, "data-source": found.source})


def condition(rule: Rule, lang: str, *, clears: bool = False) -> str:
    """"Air temperature ≤ 2 °C" (or, for offline rules, "3 readings missed"); with its aggregate's window."""
    value = rule.clear_threshold if clears else rule.threshold
    if rule.kind != THRESHOLD:
        return t("alerts.rules.missed_clear" if clears else "alerts.rules.missed", lang, n=f"{value:g}")
    metric = metric_label(rule.metric or "", lang).split(" (")[0]
    key = f"alerts.rules.{'clears_' if clears else ''}{rule.condition.value}"
    text = t(key, lang, metric=metric, value=f"{value:g} {unit(rule.metric or '')}".strip())
    if rule.window_s and rule.aggregate.value != "last":
        text += f" ({t(f'alerts.rules.{rule.aggregate.value}', lang, window=span(rule.window_s, lang))})"
    return text


def span(seconds: int, lang: str, zero: str = "alerts.rules.immediately") -> str:
    """5 min, 4 h, 2 d: the largest unit that divides it evenly enough to read."""
    if seconds <= 0:
        return t(zero, lang)
    if seconds % 86400 == 0:
        return t("alerts.rules.days", lang, n=seconds // 86400)
    if seconds % 3600 == 0:
        return t("alerts.rules.hours", lang, n=seconds // 3600)
    return t("alerts.rules.minutes", lang, n=max(1, round(seconds / 60)))


def tuning_form(lang: str) -> dmc.Paper:
    """Farm-wide tuning of one rule: its thresholds, how long it must hold, severity and reminders."""
    def number(component_id: str, label: str, **options) -> dmc.NumberInput:
        return dmc.NumberInput(id=component_id, label=t(f"alerts.rules.{label}", lang), w=170, **options)

    return dmc.Paper([
        dmc.Text(t("alerts.rules.tune_title", lang), fw=700),
        dmc.Group([
            dmc.Select(id=ids.RULES_EDIT_RULE, label=t("alerts.rules.tune_rule", lang), data=[], w=200),
            number(ids.RULES_EDIT_THRESHOLD, "threshold", decimalScale=2),
            number(ids.RULES_EDIT_CLEAR, "clear_threshold", decimalScale=2),
            number(ids.RULES_EDIT_DURATION, "duration_min", min=0, allowDecimal=False),
            dmc.Select(id=ids.RULES_EDIT_SEVERITY, label=t("alerts.rules.severity", lang), w=170,
                       data=[{"value": s, "label": t(f"alerts.severity.{s}", lang)} for s in SEVERITY_COLOURS]),
            number(ids.RULES_EDIT_REPEAT, "repeat_h", min=0, allowDecimal=False),
        ], align="flex-end", gap="sm"),
        dmc.Group([dmc.Button(t("alerts.rules.save", lang), id=ids.RULES_EDIT_SAVE),
                   dmc.Button(t("alerts.rules.reset", lang), id=ids.RULES_EDIT_RESET, variant="light")], gap="sm"),
        dmc.Text(id=ids.RULES_EDIT_NOTE, size="sm"),
    ], withBorder=True, p="sm", radius="md", className="orchard-rules-form")


@dash.callback(Output(ids.RULES_EDIT_THRESHOLD, "value"), Output(ids.RULES_EDIT_CLEAR, "value"),
               Output(ids.RULES_EDIT_DURATION, "value"), Output(ids.RULES_EDIT_SEVERITY, "value"),
               Output(ids.RULES_EDIT_REPEAT, "value"), Input(ids.RULES_EDIT_RULE, "value"),
               State(ids.RULES_FARM, "value"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def fill(viewer: Viewer, key, farm_id):
    """The chosen rule's settings in force, to change."""
    found = next((f.rule for f in alerts_view.farm_rules(viewer, farm_id) or [] if f.rule.key == key), None)
    if found is None:
        raise PreventUpdate
    return (found.threshold, found.clear_threshold, round(found.duration_s / 60), found.severity.value,
            round(found.repeat_s / 3600))


@dash.callback(Output(ids.RULES_EDIT_NOTE, "children"), Output(ids.RULES_EDIT, "data"),
               Input(ids.RULES_EDIT_SAVE, "n_clicks"), Input(ids.RULES_EDIT_RESET, "n_clicks"),
               State(ids.RULES_FARM, "value"), State(ids.RULES_EDIT_RULE, "value"),
               State(ids.RULES_EDIT_THRESHOLD, "value"), State(ids.RULES_EDIT_CLEAR, "value"),
               State(ids.RULES_EDIT_DURATION, "value"), State(ids.RULES_EDIT_SEVERITY, "value"),
               State(ids.RULES_EDIT_REPEAT, "value"), State(ids.RULES_EDIT, "data"), prevent_initial_call=True)
@guard.guarded(roles=guard.STAFF)
def save(viewer: Viewer, _save, _reset, farm_id, key, threshold, clear, minutes, severity, hours, edited):
    """Save (or clear) the farm's override; the policy and the rule's checks decide, whatever the browser sent."""
    lang = i18n.current()
    if dash.ctx.triggered_id == ids.RULES_EDIT_RESET:
        changes = None
    else:
        numbers = [_number(value) for value in (threshold, clear, minutes, hours)]
        if any(n is None for n in numbers):
            return t("alerts.rules.not_saved", lang, reason=t("alerts.rules.not_a_number", lang)), no_update
        threshold, clear, minutes, hours = numbers
        changes = {"threshold": threshold, "clear_threshold": clear, "duration_s": round(minutes * 60),
                   "severity": severity, "repeat_s": round(hours * 3600)}
    problem = alerts_view.tune_farm_rule(viewer, farm_id, key, changes)
    if problem == "refused":
        return t("alerts.refused_rule", lang), no_update
    if problem is not None:
        return t("alerts.rules.not_saved", lang, reason=problem), no_update
    bumped = (edited if isinstance(edited, int) else 0) + 1
    return t("alerts.rules.cleared" if changes is None else "alerts.rules.saved", lang), bumped


def _number(value: object) -> float | None:
    """A finite number of a sane size from an input, or None (forged values included)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value) if abs(value) < 1e9 else None


dash.register_page(__name__, path=paths.ALERT_RULES, title=i18n.page_title, layout=layout)
