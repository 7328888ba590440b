"""One tree, for the staff of its farm: what it is, who claims it, its device, and its charts."""

from __future__ import annotations

from datetime import UTC, datetime

import dash
import dash_mantine_components as dmc
from dash import dcc, html
from sqlalchemy import select

from dashboard import chart_panel, guard, i18n, ids, paths, services, timefmt
from dashboard.i18n import t
from orchard.auth.policy import Viewer
from orchard.registry import access
from orchard.registry.models import Claim, Tree


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, tree_id: str = "", **_query) -> html.Div:
    lang = i18n.current()
    svc = services.get()
    tree_number = int(tree_id) if str(tree_id).isdigit() else None
    not_found = html.Div([dmc.Title(t("farmer.tree.not_found", lang), order=2),
                          dcc.Link(t("common.nav.overview", lang), href=paths.FARM)], className="orchard-page")
    if tree_number is None or not svc.policy.sees_tree(viewer, tree_number):
        return not_found
    now = datetime.now(UTC)
    with svc.reading() as session:
        tree = session.get(Tree, tree_number)
        if tree is None:
            return not_found
        farm, plot = tree.farm, tree.plot
        claim = session.scalar(select(Claim).where(Claim.tree_id == tree.id, access.in_force(now))
                               .order_by(Claim.starts_at))
        owner = (claim.user.display_name or claim.user.username) if claim else None
        facts = [
            (t("farmer.tree.variety", lang), tree.variety or "–"),
            (t("farmer.tree.planted", lang), timefmt.day(tree.planted_on, farm.timezone, lang)),
            (t("farmer.tree.farm", lang), farm.name),
            (t("farmer.tree.plot", lang), plot.name if plot else "–"),
            (t("farmer.tree.claim", lang), t("farmer.tree.claimed_by", lang, who=owner,
                                             start=timefmt.day(claim.starts_at, farm.timezone, lang),
                                             end=timefmt.day(claim.ends_at, farm.timezone, lang))
             if claim else t("farmer.overview.free", lang)),
        ]
        label = tree.label
    return html.Div([
        dmc.Group([dcc.Link("←", href=paths.FARM, className="orchard-back"),
                   dmc.Title(t("farmer.tree.title", lang, label=label), order=2)], gap="xs"),
        dmc.Paper(dmc.SimpleGrid([html.Div([dmc.Text(name, size="xs", c="dimmed"), dmc.Text(value, fw=600)])
                                  for name, value in facts], cols={"base": 2, "sm": 5}),
                  withBorder=True, p="sm", radius="md", id=ids.TREE_HEADER),
        chart_panel.panel([{"value": f"tree:{tree_number}", "label": label}], f"tree:{tree_number}", lang,
                          show_subjects=False),
    ], className="orchard-page")


dash.register_page(__name__, path_template=paths.TREE + "/<tree_id>", title=i18n.page_title, layout=layout)
