"""The care of a customer's tree on "My tree": the promise panel and the care-log timeline of their season."""

from __future__ import annotations

from datetime import datetime

from dash import html

from dashboard import services
from dashboard.care import cards, ids
from dashboard.customer.claims import TreeClaim
from dashboard.i18n import t
from orchard.auth.policy import Viewer
from orchard.care.promise import tree_promise
from orchard.care.visible import EntryView, tree_care_log
from orchard.registry.care_log import Scope
from orchard.registry.models import Tree


def _place(lang: str):
    words = {Scope.TREE: "care.entry.scope_tree", Scope.PLOT: "care.entry.scope_plot",
             Scope.FARM: "care.entry.scope_farm"}
    return lambda entry: t(words[entry.scope], lang)


def _snapshot(entry: EntryView, claim: TreeClaim, token: str | None) -> str | None:
    """The relay's archived snapshot of the tree's camera nearest the work, for the claim's holder."""
    if token is None or not claim.cameras or entry.scope != Scope.TREE:
        return None
    camera = entry.camera_id if entry.camera_id in claim.cameras else claim.cameras[0]
    at = int(entry.event_at.timestamp() * 1000)
    return f"{services.get().cameras_url}/{camera}/snapshots/nearest.jpg?at={at}&token={token}"


def care_sections(viewer: Viewer, claim: TreeClaim, lang: str, now: datetime, token: str | None) -> list:
    """The promise panel and the timeline of a claim in force; its window comes from the policy (claim.window)."""
    if claim.window is None:
        return []
    until = min(claim.window.end, now)
    with services.get().reading() as session:
        tree = session.get(Tree, claim.tree_id)
        if tree is None:
            return []
        entries = tree_care_log(session, tree, claim.window.start, until)
        promise = tree_promise(session, tree, claim.starts_at, until)
    place = _place(lang)
    timeline = [cards.entry_card(e, claim.timezone, lang, place, snapshot=_snapshot(e, claim, token))
                for e in entries]
    return [
        cards.promise_panel(promise, claim.timezone, lang),
        html.Section([
            html.H2(t("care.customer.title", lang)),
            html.P(t("care.customer.intro", lang), className="orchard-small"),
            html.Div(timeline or html.P(t("care.customer.none", lang)), className="care-timeline"),
        ], id=ids.CUSTOMER_CARE, className="my-tree__section my-tree__wide care-customer"),
    ]
