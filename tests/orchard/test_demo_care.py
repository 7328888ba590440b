"""The demo's care log: a season on first open, a corrected entry, a kept promise on north, an honest spray on south."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from orchard import demo_orchard
from orchard.care.promise import promise_from, tree_promise
from orchard.care.visible import claim_care_log, tree_care_log
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Claim, User, utcnow


def test_the_demo_customer_sees_a_changed_entry_and_a_kept_promise_and_south_shows_its_spray(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    assert demo_orchard.seed(sessions, devices=8)
    now = utcnow()
    with sessions() as s:
        customer = s.scalars(select(User).where(User.username == "customer")).one()
        claim = s.scalars(select(Claim).where(Claim.user_id == customer.id)).one()
        log = claim_care_log(s, claim, now)
        changed = [e for e in log if e.changed]
        assert len(log) >= 4 and len(changed) == 1
        assert changed[0].revisions[0].quantity == 20 and changed[0].current.quantity == 30
        assert tree_promise(s, claim.tree, claim.starts_at, now).kept
        south_tree = next(t for t in claim.tree.farm.trees if t.label == "13")
        month = now - timedelta(days=40)  # the spray was 30 days ago (the season may have begun since)
        spray = promise_from(tree_care_log(s, south_tree, month, now), month, now)
        assert not spray.kept and spray.synthetic[0].input.registration == "PD20990001"
    sessions.kw["bind"].dispose()
