"""A tree's readings: downsampled ranges and latest values, clipped to the dates the asker may see."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.access import CurrentViewer, load
from api.fields import Int64
from api.services import ServicesDep, StoreDep
from api.times import UTCTime
from orchard.errors import Invalid, NotFound
from orchard.readings import Series
from orchard.registry.access import Window
from orchard.registry.models import Tree
from orchard.store import choose_bucket_ms
from orchard.times import time_range, to_ms

router = APIRouter(prefix="/trees", tags=["readings"])

DEFAULT_SPAN = timedelta(days=7)
MAX_BUCKET_MS = 366 * 86_400_000  # a year: wider buckets say nothing a farmer can use
MAX_BUCKETS = 10_000  # per series: a phone on a slow uplink should never be sent more


class BucketOut(BaseModel):
    start_ms: int
    mean: float
    min: float
    max: float
    count: int


class SeriesOut(BaseModel):
    metric: str
    tags: dict[str, str]
    buckets: list[BucketOut]


class Readings(BaseModel):
    tree_id: int
    start: UTCTime
    end: UTCTime
    bucket_ms: int
    series: list[SeriesOut]


class LatestOut(BaseModel):
    metric: str
    value: float
    ts_ms: int
    at: UTCTime
    tags: dict[str, str]


def _window(services, viewer, tree_id: int) -> tuple[str, Window]:
    """The tree's farm and the span of its readings the asker may see; NotFound if none."""
    with services.reading() as session:
        farm = load(session, Tree, tree_id, viewer, services.policy).farm_id
    window = services.policy.readings_window(viewer, tree_id)
    if window is None:
        raise NotFound(f"no tree {tree_id}")
    return farm, window


def _tags(farm: str, tree_id: int) -> dict[str, str]:
    return {"farm": farm, "tree": str(tree_id)}


@router.get("/{tree_id}/readings")
def tree_readings(
    tree_id: Int64, viewer: CurrentViewer, services: ServicesDep, store: StoreDep,
    metric: str | None = Query(None, description="one metric, e.g. soil_moisture_pct; all if left out"),
    start: str | None = Query(None, description="ISO 8601 or epoch ms; default: a week before end"),
    end: str | None = Query(None, description="ISO 8601 or epoch ms; default: now"),
    bucket_ms: int | None = Query(None, gt=0, le=MAX_BUCKET_MS,
                                  description="bucket width; default: at most 500 buckets"),
) -> Readings:
    """Mean/min/max per bucket of every series tagged with this tree, within the asker's window
    (a customer's claim dates: asking outside them gives nothing from outside them)."""
    farm, window = _window(services, viewer, tree_id)
    start_at, end_at = time_range(start, end, DEFAULT_SPAN)
    start_at, end_at = max(start_at, window.start), min(end_at, window.end)
    width = bucket_ms or choose_bucket_ms(to_ms(start_at), to_ms(end_at))
    if start_at < end_at and (to_ms(end_at) - to_ms(start_at)) / width > MAX_BUCKETS:
        raise Invalid(f"bucket_ms: {width} ms would make more than {MAX_BUCKETS} buckets; widen it")
    series: list[Series] = [s for s in store.list_series(_tags(farm, tree_id)) if metric in (None, s.metric)]
    found = []
    for one in series if start_at < end_at else []:
        buckets = store.query(one, to_ms(start_at), to_ms(end_at), width)
        found.append(SeriesOut(metric=one.metric, tags=one.tag_dict,
                               buckets=[BucketOut(start_ms=b.start_ms, mean=b.mean, min=b.min, max=b.max,
                                                  count=b.count) for b in buckets]))
    return Readings(tree_id=tree_id, start=start_at, end=max(start_at, end_at), bucket_ms=width, series=found)


@router.get("/{tree_id}/latest")
def tree_latest(tree_id: Int64, viewer: CurrentViewer, services: ServicesDep, store: StoreDep) -> list[LatestOut]:
    """The newest value of each metric measured at this tree, if it falls within the asker's window."""
    farm, window = _window(services, viewer, tree_id)
    start_ms, end_ms = to_ms(window.start), to_ms(window.end)
    newest: dict[str, LatestOut] = {}
    for latest in store.latest(_tags(farm, tree_id)):
        metric = latest.series.metric
        if start_ms <= latest.ts_ms < end_ms and (metric not in newest or latest.ts_ms > newest[metric].ts_ms):
            newest[metric] = LatestOut(metric=metric, value=latest.value, ts_ms=latest.ts_ms,
                                       at=datetime.fromtimestamp(latest.ts_ms / 1000, UTC),
                                       tags=latest.series.tag_dict)
    return [newest[metric] for metric in sorted(newest)]
