"""Readings for charts and tiles, through TimeSeriesStore, within what the policy lets the viewer see.

A chart's subject is a tree, a plot or a device. `scope` asks the policy first: a tree's
readings within `readings_window` (a customer's claim dates, never before the claim's
start), a plot's or device's only for the staff of its farm. Everything else here works
on a Scope, so no query can leave it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from dashboard import services
from orchard.auth.policy import Viewer
from orchard.readings import Bucket, Latest, Series
from orchard.registry.access import Window
from orchard.registry.models import Device, Farm, Plot, Tree
from orchard.store import choose_bucket_ms

SUBJECT_KINDS = ("tree", "plot", "device")
MAX_POINTS = 500  # buckets per series a chart gets, whatever its range
_QUERIES = ThreadPoolExecutor(max_workers=4, thread_name_prefix="readings")


@dataclass(frozen=True)
class Subject:
    """What a chart shows: ("tree", "17"), ("plot", "3") or ("device", "hill-1"), parsed from "tree:17"."""

    kind: str
    id: str

    @classmethod
    def parse(cls, text: object) -> Subject | None:
        if not isinstance(text, str) or ":" not in text:
            return None
        kind, _, ident = text.partition(":")
        if kind not in SUBJECT_KINDS or not ident or len(ident) > 64:
            return None
        if kind in ("tree", "plot") and not ident.isdigit():
            return None
        return cls(kind, ident)

    def __str__(self) -> str:
        return f"{self.kind}:{self.id}"


@dataclass(frozen=True)
class Scope:
    """A subject the viewer may see: its farm and time zone, the store tags that select it, and the window."""

    subject: Subject
    farm_id: str
    timezone: str
    tags: dict[str, str]
    window: Window

    def clip(self, start_ms: int, end_ms: int) -> tuple[int, int]:
        """[start, end) cut to the window; start >= end when nothing of it may be seen."""
        return max(start_ms, _ms(self.window.start)), min(end_ms, _ms(self.window.end))


def scope(viewer: Viewer, subject: Subject | None) -> Scope | None:
    """The subject's scope if the viewer may see it, else None (alike for missing and forbidden)."""
    if subject is None:
        return None
    svc = services.get()
    policy = svc.policy
    with svc.reading() as session:
        if subject.kind == "tree":
            window = policy.readings_window(viewer, int(subject.id))
            tree = session.get(Tree, int(subject.id)) if window is not None else None
            if tree is None or window is None:
                return None
            return Scope(subject, tree.farm_id, _tz(session, tree.farm_id),
                         {"farm": tree.farm_id, "tree": str(tree.id)}, window)
        row = session.get(Plot, int(subject.id)) if subject.kind == "plot" else session.get(Device, subject.id)
        if row is None or not policy.sees_farm(viewer, row.farm_id):
            return None
        from orchard.auth.policy import ALL_TIME

        return Scope(subject, row.farm_id, _tz(session, row.farm_id),
                     {"farm": row.farm_id, subject.kind: subject.id}, ALL_TIME)


def series(scope: Scope, metrics: Iterable[str] | None = None) -> dict[str, list[Series]]:
    """The store's series in the scope, by metric (several devices may measure one tree)."""
    wanted = None if metrics is None else set(metrics)
    found: dict[str, list[Series]] = {}
    for one in services.get().store.list_series(scope.tags):
        if wanted is None or one.metric in wanted:
            found.setdefault(one.metric, []).append(one)
    return found


def query(scope: Scope, metrics: Sequence[str], start_ms: int, end_ms: int,
          bucket_ms: int | None = None, max_points: int = MAX_POINTS) -> tuple[int, dict[str, list[Bucket]]]:
    """(bucket width, buckets per metric) over [start, end) within the scope's window, downsampled by the store."""
    start_ms, end_ms = scope.clip(start_ms, end_ms)
    width = bucket_ms or choose_bucket_ms(start_ms, end_ms, max_points)
    if start_ms >= end_ms:
        return width, {metric: [] for metric in metrics}
    store = services.get().store
    found = series(scope, metrics)
    wanted = [(metric, one) for metric in metrics for one in found.get(metric, [])]
    # One round trip per series: to a remote InfluxDB they go together (the stores are thread-safe).
    answers = list(_QUERIES.map(lambda item: store.query(item[1], start_ms, end_ms, width), wanted))
    runs: dict[str, list[list[Bucket]]] = {metric: [] for metric in metrics}
    for (metric, _), buckets in zip(wanted, answers, strict=True):
        runs[metric].append(buckets)
    return width, {metric: merge(runs[metric]) for metric in metrics}


def latest(scope: Scope, metrics: Iterable[str] | None = None) -> dict[str, Latest]:
    """The newest value per metric in the scope, if it lies inside the window."""
    wanted = None if metrics is None else set(metrics)
    start, end = _ms(scope.window.start), _ms(scope.window.end)
    newest: dict[str, Latest] = {}
    for one in services.get().store.latest(scope.tags):
        metric = one.series.metric
        if (wanted is None or metric in wanted) and start <= one.ts_ms < end:
            if metric not in newest or one.ts_ms > newest[metric].ts_ms:
                newest[metric] = one
    return newest


def merge(runs: list[list[Bucket]]) -> list[Bucket]:
    """Buckets of several series of one metric as one: mean weighted by count, min of mins, max of maxes."""
    if len(runs) <= 1:
        return runs[0] if runs else []
    by_start: dict[int, list[Bucket]] = {}
    for run in runs:
        for bucket in run:
            by_start.setdefault(bucket.start_ms, []).append(bucket)
    merged = []
    for start in sorted(by_start):
        group = by_start[start]
        count = sum(b.count for b in group) or len(group)
        mean = sum(b.mean * (b.count or 1) for b in group) / count
        merged.append(Bucket(start, mean, min(b.min for b in group), max(b.max for b in group), count))
    return merged


def _tz(session, farm_id: str) -> str:
    farm = session.get(Farm, farm_id)
    return farm.timezone if farm is not None else "UTC"


def _ms(moment) -> int:
    return int(moment.timestamp() * 1000)
