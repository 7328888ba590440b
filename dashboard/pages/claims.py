"""Claims on the trees of the farmer's farms: who, from when to when, days left (read only)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import dash
import dash_mantine_components as dmc
from dash import dcc, html
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from dashboard import guard, i18n, ids, paths, services, timefmt
from dashboard.i18n import t
from orchard.auth.policy import Viewer
from orchard.registry import access
from orchard.registry.models import Claim, ClaimStatus, Farm, Tree

STATUS_COLOURS = {"active": "green", "pending": "yellow", "ended": "gray", "cancelled": "red"}


@guard.guarded_page(roles=guard.STAFF)
def layout(viewer: Viewer, **_query) -> html.Div:
    lang = i18n.current()
    svc = services.get()
    farms = svc.policy.farm_ids(viewer)
    now = datetime.now(UTC)
    rows = []
    with svc.reading() as session:
        query = (select(Claim, access.in_force(now)).join(Tree, Claim.tree_id == Tree.id)
                 .options(joinedload(Claim.user), joinedload(Claim.tree).joinedload(Tree.farm))
                 .order_by(Tree.farm_id, Claim.ends_at.desc()))
        if farms is not None:
            query = query.where(Tree.farm_id.in_(farms))
        for claim, in_force in session.execute(query).unique():
            farm: Farm = claim.tree.farm
            if not svc.policy.sees_claim(viewer, claim.user_id, farm.id):
                continue
            left = math.ceil((claim.ends_at - now).total_seconds() / 86400) if in_force else None
            status = claim.status.value if claim.status != ClaimStatus.ACTIVE or claim.ends_at > now else "ended"
            rows.append(dmc.TableTr([  # what a farmer looks for first comes first: on a phone the rest scrolls
                dmc.TableTd(dcc.Link(claim.tree.label, href=paths.tree(claim.tree_id))),
                dmc.TableTd(claim.user.display_name or claim.user.username),
                dmc.TableTd(t("farmer.claims.days", lang, n=left) if left is not None else "–"),
                dmc.TableTd(dmc.Badge(t(f"farmer.claims.status.{status}", lang), color=STATUS_COLOURS[status],
                                      variant="light")),
                dmc.TableTd(timefmt.day(claim.starts_at, farm.timezone, lang)),
                dmc.TableTd(timefmt.day(claim.ends_at, farm.timezone, lang)),
                dmc.TableTd(claim.tree.variety or "–"),
            ], **{"data-claim": str(claim.id)}))
    columns = ("tree", "who", "left", "state", "from", "to", "variety")
    table = dmc.TableScrollContainer(dmc.Table([
        dmc.TableThead(dmc.TableTr([dmc.TableTh(t(f"farmer.claims.{c}", lang)) for c in columns])),
        dmc.TableTbody(rows)], striped=True), minWidth=680) if rows else dmc.Text(t("farmer.claims.none", lang))
    return html.Div([dmc.Title(t("farmer.claims.title", lang), order=2), html.Div(table, id=ids.CLAIMS_TABLE)],
                    className="orchard-page")


dash.register_page(__name__, path=paths.CLAIMS, title=i18n.page_title, layout=layout)
