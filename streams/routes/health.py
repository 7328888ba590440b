"""Liveness and Prometheus metrics.

Neither needs a token: /healthz tells only whether the relay is up, and /metrics
only counts (no camera names). Keep /metrics off the public internet at the proxy
if the counts themselves are sensitive.
"""

from __future__ import annotations

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from streams.service import RelayDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(relay: RelayDep) -> dict[str, object]:
    return {
        "status": "ok",
        "mqtt_connected": relay.intake.subscribed,
        "cameras": len(relay.hub.cameras()),
        "viewers": relay.hub.viewer_count(),
    }


@router.get("/metrics", response_class=Response)
async def metrics(relay: RelayDep) -> Response:
    return Response(generate_latest(relay.stats.registry), media_type=CONTENT_TYPE_LATEST)
