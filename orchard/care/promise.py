"""The promise panel: "no synthetic pesticide recorded on this plot this season", or what was.

The season runs from 1 January (on the farm's clock) of the year the claim starts, so a
spray just before the claim began still shows; every synthetic product applied to the tree,
its plot or the whole farm counts, as the entry says now (its latest revision).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from orchard.care.content import Input
from orchard.care.visible import EntryView, tree_care_log
from orchard.registry.care_log import CareKind, InputClass, Method
from orchard.registry.models import Tree


@dataclass(frozen=True)
class Applied:
    """One synthetic product applied: when, where, what, and from when the fruit may be picked."""

    entry_id: int
    event_at: datetime
    scope: str
    input: Input

    @property
    def safe_from(self) -> datetime | None:
        days = self.input.pre_harvest_days
        return self.event_at + timedelta(days=days) if days is not None else None


@dataclass(frozen=True)
class Promise:
    season_start: datetime
    until: datetime
    controls: int  # pest and disease control entries this season
    methods: tuple[Method, ...]  # how they were done, in the order first used
    synthetic: tuple[Applied, ...]  # oldest first

    @property
    def kept(self) -> bool:
        return not self.synthetic


def season_start(moment: datetime, timezone: str) -> datetime:
    """1 January, 00:00 on the farm's clock, of the year `moment` falls in there."""
    zone = ZoneInfo(timezone)
    return moment.astimezone(zone).replace(month=1, day=1, hour=0, minute=0, second=0, microsecond=0)


def promise_from(entries: list[EntryView], start: datetime, until: datetime) -> Promise:
    controls = [e for e in entries if e.kind == CareKind.PEST_CONTROL]
    methods: list[Method] = []
    synthetic = []
    for entry in sorted(controls, key=lambda e: (e.event_at, e.id)):
        now_says = entry.current
        if now_says.method is not None and now_says.method not in methods:
            methods.append(now_says.method)
        synthetic += [Applied(entry.id, entry.event_at, entry.scope.value, item) for item in now_says.inputs
                      if item.classification == InputClass.SYNTHETIC]
    return Promise(start, until, len(controls), tuple(methods), tuple(synthetic))


def tree_promise(session: Session, tree: Tree, claim_start: datetime, until: datetime) -> Promise:
    """The promise panel of a claim on `tree` that starts at `claim_start`, as the log stands up to `until`."""
    start = season_start(claim_start, tree.farm.timezone)
    return promise_from(tree_care_log(session, tree, start, until), start, until)
