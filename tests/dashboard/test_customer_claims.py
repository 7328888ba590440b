"""A customer's claims with their state, from the policy's answers on a real registry."""

from datetime import UTC, datetime, timedelta

import pytest

from dashboard.customer.claims import ClaimState, claim_state, customer_claims, find
from orchard.auth.policy import Policy
from orchard.registry import people
from orchard.registry.access import EPOCH, FOREVER, Window
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Tree
from tests.world import PASSWORD, USERNAMES, build_world

SECRET = "claims-test-secret-" + "s" * 32
NOW = datetime(2026, 5, 10, 6, 0, tzinfo=UTC)
START, END = NOW - timedelta(days=30), NOW + timedelta(days=60, hours=1)


def test_in_force_needs_the_policys_window_over_the_claim():
    assert claim_state(START, END, Window(START, END), True, NOW) == (ClaimState.IN_FORCE, 61, None)
    assert claim_state(START, END, Window(START, END), False, NOW) == (ClaimState.NO_DATA, 61, None)
    # Dates say "now", but the policy grants nothing (claim pending or the user deactivated): not shown.
    assert claim_state(START, END, None, True, NOW)[0] == ClaimState.ENDED
    # A window over another, shorter claim on the same tree does not cover this one.
    assert claim_state(START, END, Window(NOW, END), True, NOW)[0] == ClaimState.ENDED


def test_not_started_and_ended_by_their_dates():
    later = NOW + timedelta(days=2, hours=3)
    assert claim_state(later, later + timedelta(days=90), None, False, NOW) == (ClaimState.NOT_STARTED, None, 3)
    assert claim_state(START, NOW, Window(EPOCH, FOREVER), True, NOW) == (ClaimState.ENDED, None, None)
    assert claim_state(START, NOW + timedelta(seconds=1), Window(START, FOREVER), True, NOW)[1] == 1


@pytest.fixture
def world(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    return sessions, build_world(sessions), Policy(sessions, SECRET, cache_s=0)


def _viewer(policy, persona):
    return policy.from_password(USERNAMES[persona], PASSWORD, "127.0.0.1")[0]


def test_a_customers_claims_in_force_first_with_their_tree(world):
    sessions, w, policy = world
    ana = _viewer(policy, "customer_active")
    with sessions.begin() as s:
        user = people.get_user(s, ana.user_id)
        t18 = s.get(Tree, w.trees["18"])
        t18.farm.shared_trees = True  # ana's new claim on 18 overlaps cy's
        people.create_claim(s, user, t18, w.now + timedelta(days=5), w.now + timedelta(days=100), status="active")
        people.create_claim(s, user, t18, w.now - timedelta(days=300), w.now - timedelta(days=200), status="ended")
        people.create_claim(s, user, t18, w.now - timedelta(days=3), w.now + timedelta(days=3), status="cancelled")
    asked = []
    with sessions() as s:
        claims = customer_claims(s, policy, ana, w.now, lambda *args: asked.append(args) or True)
    assert [(c.tree_label, c.state) for c in claims] == [
        ("17", ClaimState.IN_FORCE), ("18", ClaimState.NOT_STARTED), ("18", ClaimState.ENDED)]
    first = claims[0]
    assert (first.variety, first.farm_name, first.timezone, first.cameras) == (
        "Fuji", "Hillside Orchard", "Asia/Shanghai", ("cam-17",))
    assert first.window == Window(w.claim_start, w.claim_end) and first.days_left == 60
    assert claims[1].days_until_start == 5 and claims[1].window is None and claims[2].window is None
    assert asked == [(w.trees["17"], "hill", Window(w.claim_start, w.claim_end))]  # data asked only in force


def test_no_data_yet_and_an_ended_customer(world):
    sessions, w, policy = world
    with sessions() as s:
        ana = customer_claims(s, policy, _viewer(policy, "customer_active"), w.now, lambda *a: False)
        bo = customer_claims(s, policy, _viewer(policy, "customer_expired"), w.now, lambda *a: True)
        farmer = customer_claims(s, policy, _viewer(policy, "farmer_this_farm"), w.now, lambda *a: True)
    assert [c.state for c in ana] == [ClaimState.NO_DATA]
    assert [(c.tree_label, c.state, c.window) for c in bo] == [("17", ClaimState.ENDED, None)]
    assert farmer == []  # a farmer has no claims of their own


def test_ids_from_the_browser_are_looked_up_among_the_viewers_claims(world):
    sessions, w, policy = world
    with sessions() as s:
        ana = customer_claims(s, policy, _viewer(policy, "customer_active"), w.now, lambda *a: True)
        cy = customer_claims(s, policy, _viewer(policy, "customer_other_tree"), w.now, lambda *a: True)
    mine, theirs = ana[0].claim_id, cy[0].claim_id
    assert find(ana, mine) is ana[0]
    for forged in (theirs, str(mine), True, None, {"type": "claim", "index": mine}, [mine]):
        assert find(ana, forged) is None
