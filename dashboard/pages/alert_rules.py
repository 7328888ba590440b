"""The rules a farm's alerts come from, as a farmer reads them: built in, or tuned for the farm."""

from __future__ import annotations

import dash
import dash_mantine_components as dmc
from dash import Input, Output, dcc, html

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
    ] if farms else [dmc.Title(t("alerts.rules_title", lang), order=2), dmc.Text(t("alerts.no_farms", lang))],
        className="orchard-page")


@dash.callback(Output(ids.RULES_TABLE, "children"), Input(ids.RULES_FARM, "value"))
@guard.guarded(roles=guard.STAFF)
def show(viewer: Viewer, farm_id):
    lang = i18n.current()
    rules = alerts_view.farm_rules(viewer, farm_id)
    if rules is None:
        return dmc.Text(t("farmer.overview.no_farm", lang))
    head = dmc.TableThead(dmc.TableTr([dmc.TableTh(t(f"alerts.rules.{c}", lang)) for c in COLUMNS]))
    body = dmc.TableTbody([row(found, lang) for found in rules])
    return dmc.TableScrollContainer(dmc.Table([head, body], striped=True, className="orchard-rules-table"),
                                    minWidth=760)


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
    """"Air temperature ≤ 0 °C" (or, for offline rules, "3 readings missed"); with its aggregate's window."""
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


dash.register_page(__name__, path=paths.ALERT_RULES, title=i18n.page_title, layout=layout)
