"""The customer's side of the test orchard: customers with claims, archived snapshots, one origin.

Customers (all with tests/world.py's PASSWORD):
  ana  claim on tree 17 (camera cam-17) in force for 30 days (from tests/world.py)
  cy   claim on tree 18 (camera cam-18) in force (from tests/world.py): "another customer's tree"
  eve  claim on 18 that began 24 h ago (readings go back 72 h: the charts must start at the claim),
       one on 17 that ended last month, one on 19 that starts in 10 days
  fay  claim on 17 in force; a test ends it while her page is open
  hal  claim on 19 in force: no device, no camera, no readings yet
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from orchard.registry import people
from orchard.registry.db import session_factory
from orchard.registry.models import Claim, Tree
from tests.dashboard.conftest import Orchard
from tests.streams.conftest import make_jpeg

FARM_TZ = "Asia/Shanghai"
SNAPSHOT_DAYS = 12  # archived middays before now: some before eve's claim, all within ana's


@dataclass
class Customers:
    claims: dict[str, int]  # "ana", "cy", "eve-18", "eve-17", "eve-19", "fay" -> claim id
    eve_start: datetime
    now: datetime


def add_customers(orchard: Orchard) -> Customers:
    now = datetime.now(UTC)
    sessions = session_factory(orchard.db_url)
    try:
        with sessions.begin() as s:
            tree = {label: s.get_one(Tree, tree_id) for label, tree_id in orchard.trees.items()}
            tree["17"].farm.shared_trees = True  # eve, fay and hal share trees with ana and cy
            eve = people.create_user(s, "eve", "customer", password="correct horse battery staple")
            fay = people.create_user(s, "fay", "customer", password="correct horse battery staple")
            hal = people.create_user(s, "hal", "customer", password="correct horse battery staple")
            day = timedelta(days=1)
            made = {
                "eve-18": people.create_claim(s, eve, tree["18"], now - day, now + 90 * day, status="active"),
                "eve-17": people.create_claim(s, eve, tree["17"], now - 200 * day, now - 30 * day, status="active"),
                "eve-19": people.create_claim(s, eve, tree["19"], now + 10 * day, now + 100 * day, status="active"),
                "fay": people.create_claim(s, fay, tree["17"], now - 5 * day, now + 5 * day, status="active"),
                "hal": people.create_claim(s, hal, tree["19"], now - 2 * day, now + 50 * day, status="active"),
            }
            s.flush()
            claims = {name: claim.id for name, claim in made.items()}
            for claim in s.query(Claim).filter(Claim.order_ref.in_(["A-1", "C-1"])):
                claims["ana" if claim.order_ref == "A-1" else "cy"] = claim.id
    finally:
        sessions.kw["bind"].dispose()
    return Customers(claims, now - day, now)


def end_claim(orchard: Orchard, claim_id: int) -> None:
    """The season runs out: the claim's end is now past."""
    sessions = session_factory(orchard.db_url)
    try:
        with sessions.begin() as s:
            s.get_one(Claim, claim_id).ends_at = datetime.now(UTC) - timedelta(seconds=1)
    finally:
        sessions.kw["bind"].dispose()


def archive_middays(relay_data: Path, camera: str, now: datetime, days: int = SNAPSHOT_DAYS) -> list[int]:
    """Snapshots at 12:00 farm time for the last `days` days, where the relay archives them (UTC day folders)."""
    from zoneinfo import ZoneInfo

    local_now = now.astimezone(ZoneInfo(FARM_TZ))
    taken = []
    for back in range(days):
        noon = (local_now - timedelta(days=back)).replace(hour=12, minute=0, second=0, microsecond=0)
        if noon >= now:
            continue
        ms = int(noon.timestamp() * 1000)
        folder = relay_data / "snapshots" / camera / datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{ms}.jpg").write_bytes(make_jpeg(back, width=320, height=240))
        taken.append(ms)
    return sorted(taken)


def dash_post(client, outputs: list[tuple[object, str]], inputs: list[tuple[object, str, object]],
              state: list[tuple[object, str, object]] | None = None) -> tuple[int, str]:
    """A hand-made POST to Dash's callback endpoint, as anyone can send one."""
    def key(component, prop):
        if isinstance(component, dict):
            component = json.dumps(component, sort_keys=True, separators=(",", ":"))
        return f"{component}.{prop}"

    output = key(*outputs[0]) if len(outputs) == 1 else ".." + "...".join(key(*o) for o in outputs) + ".."
    body = {
        "output": output,
        "outputs": [{"id": c, "property": p} for c, p in outputs] if len(outputs) > 1
        else {"id": outputs[0][0], "property": outputs[0][1]},
        "inputs": [{"id": c, "property": p, "value": v} for c, p, v in inputs],
        "state": [{"id": c, "property": p, "value": v} for c, p, v in state or []],
        "changedPropIds": [key(c, p) for c, p, _ in inputs],
    }
    response = client.post("/_dash-update-component", json=body)
    return response.status_code, response.text
