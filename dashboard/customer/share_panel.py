"""My tree's "share your tree" panel: the customer makes, lists and revokes public share links.

The browser holds only the claim id (my_tree's store) and link ids on the revoke buttons; each
callback looks both up again among the viewer's own claims (guard + policy.manages_shares).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import dash
from dash import ALL, Input, Output, State, ctx, dcc, html
from dash.exceptions import PreventUpdate

from dashboard import guard, i18n, ids, request_context, services
from dashboard.customer import claims as claim_rows
from dashboard.customer.claims import TreeClaim
from orchard.auth.policy import Viewer
from orchard.errors import DomainError
from orchard.public_links import public_link, share_path
from orchard.registry import shares
from orchard.registry.models import Claim, utcnow
from orchard.registry.shares import SHARE_DAYS, ShareLink

PANEL = "share-panel"
HOUR = "share-hour"
DAYS = "share-days"
CREATE = "share-create"
NEW_LINK = "share-new-link"
LIST = "share-list"
REVOKE = "share-revoke"  # pattern-matching: {"type": REVOKE, "index": <share link id>}


def panel(claim: TreeClaim, lang: str) -> html.Section:
    """The panel for a claim in force: a form for a new link, and the links that work."""
    hours = [{"label": f"{hour:02d}:00", "value": hour} for hour in range(5, 20)]
    return html.Section([
        html.H2(i18n.t("share.manage.title", lang)),
        html.P(i18n.t("share.manage.intro", lang), className="my-tree__hint"),
        html.Label(i18n.t("share.manage.hour", lang), htmlFor=HOUR),
        dcc.Dropdown(id=HOUR, options=hours, value=12, clearable=False, searchable=False),
        html.Label(i18n.t("share.manage.days", lang), htmlFor=DAYS),
        dcc.Input(id=DAYS, type="number", min=1, max=shares.MAX_SHARE_DAYS, step=1, value=SHARE_DAYS),
        html.Button(i18n.t("share.manage.create", lang), id=CREATE, n_clicks=0, className="share-panel__create"),
        html.Div(id=NEW_LINK, role="status"),
        html.H3(i18n.t("share.manage.live", lang), className="share-panel__live"),
        html.Div(live_links(claim.claim_id, claim.timezone, lang), id=LIST),
    ], id=PANEL, className="my-tree__section share-panel")


def live_links(claim_id: int, timezone: str, lang: str) -> list:
    svc = services.get()
    with svc.reading() as session:
        claim = session.get(Claim, claim_id)
        links = shares.live_shares(session, claim) if claim is not None else []
        rows = [(link.id, link.expires_at, link.frame_hour) for link in links]
    if not rows:
        return [html.P(i18n.t("share.manage.none", lang))]
    zone = ZoneInfo(timezone)
    return [html.Ul([html.Li([
        html.Span(i18n.t("share.manage.until", lang, day=expires.astimezone(zone).date().isoformat(),
                         hour=f"{hour:02d}")), " ",
        html.Button(i18n.t("share.manage.revoke", lang), id={"type": REVOKE, "index": link_id}, n_clicks=0),
    ]) for link_id, expires, hour in rows])]


def _mine(viewer: Viewer, memo: object) -> TreeClaim:
    from dashboard.pages.my_tree import load_claims  # the page's own reading of the viewer's claims

    wanted = memo.get("claim") if isinstance(memo, dict) else None
    claim = claim_rows.find(load_claims(viewer, utcnow()), wanted)
    if claim is None or not claim.live:
        raise PreventUpdate
    return claim


def _base() -> str:
    """ORCHARD_PUBLIC_URL, else the address the customer reached the dashboard by."""
    svc = services.get()
    if svc.public_url:
        return svc.public_url
    host = request_context.headers().get("host", "")
    scheme = request_context.headers().get("x-forwarded-proto", "http")
    return f"{scheme}://{host}" if host else ""


@dash.callback(Output(NEW_LINK, "children"), Output(LIST, "children", allow_duplicate=True),
               Input(CREATE, "n_clicks"), State(ids.MY_TREE_CLAIM, "data"), State(HOUR, "value"),
               State(DAYS, "value"), prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def create_link(viewer: Viewer, clicks, memo, hour, days):
    if not clicks:
        raise PreventUpdate
    claim = _mine(viewer, memo)
    lang = i18n.current()
    hour = hour if type(hour) is int else 12
    days = days if type(days) is int else SHARE_DAYS
    svc = services.get()
    try:
        with svc.sessions.begin() as session:
            row = session.get(Claim, claim.claim_id)
            if row is None or not svc.policy.owns(viewer, row.user_id):
                raise PreventUpdate
            _, token = shares.create_share(session, row, days=days, frame_hour=hour)
    except DomainError as exc:
        return html.P(exc.detail, className="error"), live_links(claim.claim_id, claim.timezone, lang)
    url = public_link(_base(), share_path(token))
    return ([html.P(i18n.t("share.manage.new_link", lang)), html.A(url, href=url, id="share-new-url",
                                                                   target="_blank", rel="noopener")],
            live_links(claim.claim_id, claim.timezone, lang))


@dash.callback(Output(LIST, "children", allow_duplicate=True), Output(NEW_LINK, "children", allow_duplicate=True),
               Input({"type": REVOKE, "index": ALL}, "n_clicks"), State(ids.MY_TREE_CLAIM, "data"),
               prevent_initial_call=True)
@guard.guarded(roles=guard.CUSTOMERS)
def revoke_link(viewer: Viewer, clicks, memo):
    trigger = ctx.triggered_id if ctx.triggered and any(isinstance(c, int) and c for c in (clicks or [])) else None
    link_id = trigger.get("index") if isinstance(trigger, dict) else None
    if type(link_id) is not int:
        raise PreventUpdate
    claim = _mine(viewer, memo)
    svc = services.get()
    with svc.sessions.begin() as session:
        link = session.get(ShareLink, link_id)
        if link is None or link.claim_id != claim.claim_id or not svc.policy.manages_shares(viewer,
                                                                                          link.claim.user_id):
            raise PreventUpdate
        shares.revoke_share(session, link, datetime.now(ZoneInfo("UTC")))
    lang = i18n.current()
    return live_links(claim.claim_id, claim.timezone, lang), html.P(i18n.t("share.manage.revoked", lang))
