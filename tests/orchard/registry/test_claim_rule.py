"""orchard/registry/claim_rule.py and migration 0006's triggers: one customer per tree at a time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from orchard.errors import Conflict
from orchard.registry.claim_rule import TreeTaken, shared_now
from orchard.registry.db import conflicts, make_engine, session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Claim, Farm
from orchard.registry.orchards import create_farm, create_tree
from orchard.registry.people import create_claim, create_user, set_claim_status

SPRING = datetime(2025, 3, 1, tzinfo=UTC)
AUTUMN = datetime(2025, 11, 1, tzinfo=UTC)
NEXT_SPRING = datetime(2026, 3, 1, tzinfo=UTC)


@pytest.fixture
def hill(session):
    create_farm(session, "hill", "Hill")
    tree = create_tree(session, "hill", "17")
    ana, bo = create_user(session, "ana", "customer"), create_user(session, "bo", "customer")
    session.commit()
    return tree, ana, bo


def test_a_second_customer_cannot_hold_a_tree_for_overlapping_dates(session, hill):
    tree, ana, bo = hill
    create_claim(session, ana, tree, SPRING, AUTUMN, status="active", order_ref="SHOP-1")
    with pytest.raises(TreeTaken) as refused:
        create_claim(session, bo, tree, AUTUMN - timedelta(days=1), NEXT_SPRING, status="active")
    assert "'17'" in str(refused.value) and "SHOP-1" in str(refused.value)  # which tree, which order


def test_seasons_that_touch_pending_claims_and_the_same_customer_are_allowed(session, hill):
    tree, ana, bo = hill
    create_claim(session, ana, tree, SPRING, AUTUMN, status="active")
    create_claim(session, bo, tree, AUTUMN, NEXT_SPRING, status="active")  # next season, sold early
    create_claim(session, bo, tree, SPRING, AUTUMN)  # pending: not holding the tree yet
    create_claim(session, ana, tree, SPRING + timedelta(days=30), AUTUMN, status="active")  # her renewal
    session.commit()
    assert session.query(Claim).count() == 4


def test_activating_a_pending_claim_on_a_held_tree_is_refused(session, hill):
    tree, ana, bo = hill
    create_claim(session, ana, tree, SPRING, AUTUMN, status="active")
    waiting = create_claim(session, bo, tree, SPRING, AUTUMN)
    with pytest.raises(TreeTaken):
        set_claim_status(session, waiting, "active")


def test_the_database_refuses_what_the_check_would_have_stopped(session, hill):
    tree, ana, bo = hill
    create_claim(session, ana, tree, SPRING, AUTUMN, status="active")
    session.commit()
    other = Claim(user=bo, tree=tree, starts_at=SPRING, ends_at=AUTUMN, status="active")  # past create_claim
    session.add(other)
    with pytest.raises(Conflict) as refused, conflicts():
        session.flush()
    assert "another customer's active claim" in str(refused.value)
    session.rollback()
    # An update that makes a clash is refused too, in raw SQL.
    pending = create_claim(session, bo, tree, SPRING, AUTUMN)
    session.commit()
    with pytest.raises(IntegrityError):
        session.execute(text("UPDATE claims SET status = 'active' WHERE id = :id"), {"id": pending.id})
    session.rollback()


def test_a_farm_that_shares_trees_lets_customers_share_them(session, hill):
    tree, ana, bo = hill
    session.get(Farm, "hill").shared_trees = True
    session.commit()
    create_claim(session, ana, tree, SPRING, AUTUMN, status="active")
    create_claim(session, bo, tree, SPRING, AUTUMN, status="active")
    session.commit()
    pairs = shared_now(session, session.get(Farm, "hill"))
    assert [(a.user.username, b.user.username) for a, b in pairs] == [("ana", "bo")]


def test_two_orders_racing_for_one_tree_cannot_both_win(db_url, hill):
    """The first order's transaction stays open while the second tries; the database lets one through."""
    tree, ana, bo = hill
    engine = make_engine(db_url)
    sessions = session_factory(engine)
    inserted, release, results = threading.Event(), threading.Event(), {}

    def order(user_id: int, ref: str, hold: bool) -> None:
        try:
            with conflicts(), sessions.begin() as s:
                s.add(Claim(user_id=user_id, tree_id=tree.id, starts_at=SPRING, ends_at=AUTUMN, status="active",
                            order_ref=ref))
                s.flush()  # past create_claim's check: only the database stands in the way
                if hold:
                    inserted.set()
                    release.wait(timeout=60)
            results[ref] = "won"
        except Conflict:
            results[ref] = "refused"

    first = threading.Thread(target=order, args=(ana.id, "R-1", True))
    first.start()
    assert inserted.wait(timeout=30)
    second = threading.Thread(target=order, args=(bo.id, "R-2", False))
    second.start()
    if db_url.startswith("postgresql"):  # wait until the second really queues behind the first's lock
        with engine.connect() as watcher:
            while not watcher.execute(text("SELECT COUNT(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                                           "AND datname = current_database()")).scalar_one():
                watcher.rollback()
                threading.Event().wait(0.05)
    release.set()
    first.join(timeout=60)
    second.join(timeout=60)
    engine.dispose()
    assert results == {"R-1": "won", "R-2": "refused"}


def test_the_upgrade_refuses_a_registry_where_customers_already_share_a_tree(tmp_path):
    url = f"sqlite:///{tmp_path}/old.db"
    upgrade(url, "0005")
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO farms (id, name, timezone, language, created_at) "
                                "VALUES ('hill', 'Hill', 'UTC', 'en', CURRENT_TIMESTAMP)"))
        connection.execute(text("INSERT INTO trees (id, farm_id, label) VALUES (1, 'hill', '17')"))
        for user_id, name in ((1, "ana"), (2, "bo")):
            connection.execute(text("INSERT INTO users (id, username, display_name, role, active, created_at) "
                                    "VALUES (:id, :name, '', 'customer', 1, CURRENT_TIMESTAMP)"),
                               {"id": user_id, "name": name})
        for claim_id, user_id, ref in ((1, 1, "SHOP-1"), (2, 2, "SHOP-2")):
            connection.execute(text("INSERT INTO claims (id, user_id, tree_id, starts_at, ends_at, status, "
                                    "order_ref, created_at) VALUES (:id, :u, 1, '2025-03-01 00:00:00.000000', "
                                    "'2025-11-01 00:00:00.000000', 'active', :ref, CURRENT_TIMESTAMP)"),
                               {"id": claim_id, "u": user_id, "ref": ref})
    engine.dispose()
    with pytest.raises(Exception) as refused:
        upgrade(url)
    message = str(refused.value)
    assert "farm hill tree 17" in message and "SHOP-1" in message and "SHOP-2" in message
