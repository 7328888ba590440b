"""The demo's cooperative: who is in it and what each demo person sees today (a real SQLite registry)."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from orchard import demo_orchard
from orchard.registry.access import active_claims, cameras_visible_to, visible_tree_ids
from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import Claim, Device, Tree, User
from orchard.registry.passwords import verify_mqtt_password, verify_password


@pytest.fixture
def sessions(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    assert demo_orchard.seed(sessions, devices=8)
    assert not demo_orchard.seed(sessions, devices=8)  # a second start keeps what is there
    return sessions


def user(s, name: str) -> User:
    return s.scalars(select(User).where(User.username == name)).one()


def labels(s, tree_ids) -> set[str]:
    return {s.get(Tree, tree_id).label for tree_id in tree_ids}


def test_every_demo_person_logs_in_with_the_printed_password(sessions):
    with sessions() as s:
        for name, password in demo_orchard.PASSWORDS.items():
            assert verify_password(user(s, name).password_hash, password), name
        assert {"admin", "farmer", "customer", "customer2", "customer3"} <= set(demo_orchard.PASSWORDS)


def test_customer_sees_tree_1_this_season(sessions):
    with sessions() as s:
        customer = user(s, "customer")
        assert labels(s, visible_tree_ids(s, customer)) == {"1"}
        assert [c.id for c in cameras_visible_to(s, customer)] == ["cam-01"]


def test_customer2_has_one_claim_in_force_and_one_that_ended_last_week(sessions):
    now = datetime.now(UTC)
    with sessions() as s:
        customer2 = user(s, "customer2")
        claims = s.scalars(select(Claim).where(Claim.user_id == customer2.id).order_by(Claim.starts_at)).all()
        assert len(claims) == 2 and len({c.tree_id for c in claims}) == 2
        ended, in_force = claims
        aware = lambda d: d if d.tzinfo else d.replace(tzinfo=UTC)  # noqa: E731
        assert aware(ended.starts_at) < now - timedelta(days=60)
        assert now - timedelta(days=14) < aware(ended.ends_at) < now - timedelta(days=1)
        assert [c.id for c in active_claims(s, customer2)] == [in_force.id]
        assert visible_tree_ids(s, customer2) == {in_force.tree_id}
        # a week and a half ago the old claim was still in force
        assert ended.tree_id in visible_tree_ids(s, customer2, at=now - timedelta(days=10))


def test_customer3_sees_nothing_until_next_month(sessions):
    now = datetime.now(UTC)
    with sessions() as s:
        customer3 = user(s, "customer3")
        assert visible_tree_ids(s, customer3) == set() and cameras_visible_to(s, customer3) == []
        assert len(visible_tree_ids(s, customer3, at=now + timedelta(days=45))) == 1


def test_my_pi_has_the_printed_broker_password(sessions):
    with sessions() as s:
        device = s.get(Device, demo_orchard.MY_PI)
        assert device.farm_id == demo_orchard.FARM and not device.revoked
        assert verify_mqtt_password(device.mqtt_password_hash, demo_orchard.MY_PI_PASSWORD)
