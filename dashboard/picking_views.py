"""Pieces of a picking request both farmers and customers see: its timeline, its photos, its address."""

from __future__ import annotations

from typing import Any

from dash import html

from dashboard.i18n import t
from dashboard.picking_photos import photo_src
from dashboard.timefmt import when
from orchard.registry.picking import PickingRequest, PickingStatus

STEPS = (PickingStatus.REQUESTED, PickingStatus.PICKED, PickingStatus.SHIPPED, PickingStatus.DELIVERED)
STATUS_COLOURS = {"requested": "yellow", "picked": "green", "shipped": "blue", "delivered": "gray",
                  "cancelled": "red"}


def data(**values: str) -> dict[str, Any]:
    """`data-*` attributes for a component (tests and styles find rows by them)."""
    return {f"data-{name}": value for name, value in values.items()}


def timeline(request: PickingRequest, tz: str, lang: str) -> html.Ol:
    """The steps done (with when, and the courier's number once shipped) and those still to come."""
    steps = STEPS if request.status != PickingStatus.CANCELLED else (PickingStatus.REQUESTED, PickingStatus.CANCELLED)
    items = []
    for step in steps:
        at = getattr(request, f"{step.value}_at")
        detail = []
        if at is not None:
            detail.append(html.Span(when(at, tz, lang), className="picking-step__when"))
        if step == PickingStatus.PICKED and request.weight_kg:
            detail.append(html.Span(t("picking.timeline.weight", lang, kg=f"{request.weight_kg:g}")))
        if step == PickingStatus.SHIPPED and request.courier:
            detail.append(html.Span(t("picking.timeline.tracking", lang, courier=request.courier,
                                      number=request.tracking_number)))
        items.append(html.Li([html.Strong(t(f"picking.status.{step.value}", lang)), *detail],
                             className="picking-step" + (" picking-step--done" if at else ""),
                             **data(step=step.value)))
    return html.Ol(items, className="picking-timeline")


def photos(request: PickingRequest, lang: str) -> html.Div | None:
    if not request.photos:
        return None
    return html.Div([
        html.Figure([html.Img(src=photo_src(photo.id), alt=t(f"picking.photo.{photo.kind.value}", lang)),
                     html.Figcaption(t(f"picking.photo.{photo.kind.value}", lang))], className="picking-photo")
        for photo in request.photos], className="picking-photos")


def address(request: PickingRequest, lang: str) -> html.Div:
    """The ship-to, or a line saying it was erased after delivery."""
    if request.ship_name is None:
        return html.Div(t("picking.address.erased", lang), className="picking-address picking-address--erased")
    lines = [f"{request.ship_name}  {request.ship_phone}", f"{request.ship_province} {request.ship_city}",
             *(request.ship_address or "").splitlines()]
    gift = [html.Span(t("picking.gift", lang), className="picking-gift")] if request.gift else []
    return html.Div([*gift, *(html.Div(line) for line in lines)], className="picking-address")
