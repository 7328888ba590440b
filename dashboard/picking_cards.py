"""The farmer's picking queue as cards: one per request, with the step it waits for."""

from __future__ import annotations

import dash_mantine_components as dmc
from dash import html

from dashboard import picking_ids as pid
from dashboard import picking_views as views
from dashboard.i18n import t
from dashboard.picking_views import data
from orchard.registry.picking import PickingRequest, PickingStatus

KINDS = ("tree", "box")


def card(request: PickingRequest, lang: str, note: str | None = None) -> list:
    """What a request's card holds (its container keeps the id, so a step re-draws only this)."""
    claim, tz = request.claim, request.claim.tree.farm.timezone
    customer = claim.user.display_name or claim.user.username
    head = dmc.Group([
        dmc.Text(t("picking.queue.head", lang, label=claim.tree.label, who=customer, kg=f"{request.quantity_kg:g}"),
                 fw=600),
        dmc.Badge(t(f"picking.status.{request.status.value}", lang), variant="light",
                  color=views.STATUS_COLOURS[request.status.value]),
    ], justify="space-between", wrap="nowrap")
    parts = [head, views.address(request, lang), views.timeline(request, tz, lang), views.photos(request, lang),
             *actions(request, lang)]
    if note:
        parts.append(dmc.Alert(note, color="red", variant="light", className="picking-note"))
    return parts


def actions(request: PickingRequest, lang: str) -> list:
    rid = request.id
    if request.status == PickingStatus.REQUESTED:
        return [
            dmc.SegmentedControl(id=pid.request_part(pid.PICKING_KIND, rid), value="tree", fullWidth=True,
                                 className="picking-kind",
                                 data=[{"value": k, "label": t(f"picking.photo.{k}", lang)} for k in KINDS]),
            # assets/picking.js sends the file to /picking-photo, then presses the hidden redraw button.
            html.Button(t("picking.queue.upload", lang), className="picking-upload", type="button",
                        **data(request=str(rid), sending=t("picking.queue.sending", lang),
                               failed=t("picking.errors.photo_bad", lang))),
            html.Span(className="picking-file-status", role="status"),
            html.Button(id=pid.request_part(pid.PICKING_REDRAW, rid), className="picking-redraw", hidden=True),
            dmc.Group([
                dmc.NumberInput(id=pid.request_part(pid.PICKING_WEIGHT, rid), label=t("picking.queue.weight", lang),
                                min=0.5, max=100, step=0.1, decimalScale=1, w=140),
                dmc.Button(t("picking.queue.mark_picked", lang), id=pid.request_part(pid.PICKING_PICKED, rid)),
            ], align="flex-end"),
        ]
    if request.status == PickingStatus.PICKED:
        return [dmc.Group([
            dmc.TextInput(id=pid.request_part(pid.PICKING_COURIER, rid), label=t("picking.queue.courier", lang),
                          placeholder=t("picking.queue.courier_hint", lang), w=160),
            dmc.TextInput(id=pid.request_part(pid.PICKING_TRACKING, rid), label=t("picking.queue.tracking", lang),
                          w=200),
            dmc.Button(t("picking.queue.mark_shipped", lang), id=pid.request_part(pid.PICKING_SHIPPED, rid)),
        ], align="flex-end")]
    if request.status == PickingStatus.SHIPPED:
        return [dmc.Button(t("picking.queue.mark_delivered", lang), variant="light",
                           id=pid.request_part(pid.PICKING_DELIVERED, rid))]
    return []
