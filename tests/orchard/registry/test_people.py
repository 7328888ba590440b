"""orchard/registry/people.py: users, farmers' farms, sign-in, and claims with their constraints."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from orchard.errors import Invalid, NotFound
from orchard.registry.models import ClaimStatus, Role
from orchard.registry.orchards import create_farm, create_tree
from orchard.registry.people import (
    authenticate,
    create_claim,
    create_user,
    find_claim_by_order,
    find_user,
    get_claim,
    get_user,
    list_claims,
    list_users,
    set_claim_status,
    set_password,
    set_user_farms,
)

SPRING = datetime(2025, 3, 1, tzinfo=UTC)
AUTUMN = datetime(2025, 11, 1, tzinfo=UTC)


@pytest.fixture
def tree(session):
    create_farm(session, "green-valley", "Green Valley")
    tree = create_tree(session, "green-valley", "17")
    session.commit()
    return tree


def test_users_read_back_with_their_role_and_farms(session):
    create_farm(session, "green-valley", "Green Valley")
    create_farm(session, "apple-hill", "Apple Hill")
    farmer = create_user(session, "Li.Wei", "farmer", display_name="李伟", farm_ids=["green-valley", "apple-hill"])
    create_user(session, "alice@example.com", Role.CUSTOMER)
    session.commit()
    session.expunge_all()
    stored = get_user(session, farmer.id)
    assert (stored.username, stored.display_name, stored.role, stored.active) == ("li.wei", "李伟", Role.FARMER, True)
    assert [f.id for f in stored.farms] == ["apple-hill", "green-valley"]
    assert stored.created_at.tzinfo == UTC
    assert find_user(session, "LI.WEI ").id == farmer.id
    assert [u.username for u in list_users(session, "customer")] == ["alice@example.com"]
    assert len(list_users(session)) == 2


def test_usernames_are_unique_whatever_their_case(session):
    create_user(session, "alice", "customer")
    session.commit()
    with pytest.raises(IntegrityError):
        create_user(session, "Alice", "customer")
    session.rollback()


def test_only_farmers_are_bound_to_farms(session):
    create_farm(session, "green-valley", "Green Valley")
    with pytest.raises(Invalid, match="only farmers"):
        create_user(session, "alice", "customer", farm_ids=["green-valley"])
    session.rollback()
    farmer = create_user(session, "li", "farmer")
    with pytest.raises(NotFound):
        set_user_farms(session, farmer, ["nowhere"])


def test_roles_outside_the_list_are_refused_by_the_database_too(session):
    with pytest.raises(IntegrityError):
        session.execute(text("INSERT INTO users (username, display_name, role, active, created_at) "
                             "VALUES ('eve', '', 'superuser', true, '2025-01-01 00:00:00')"))
    session.rollback()


def test_sign_in_needs_the_right_password_and_an_active_account(session):
    at = datetime(2025, 5, 1, 9, tzinfo=UTC)
    user = create_user(session, "alice", "customer", password="correct horse")
    nobody = create_user(session, "bob", "customer")  # no password yet: cannot sign in
    session.commit()
    assert authenticate(session, "alice", "wrong") is None
    assert authenticate(session, "nobody", "correct horse") is None
    assert authenticate(session, "bob", "") is None
    assert user.last_login_at is None and nobody.last_login_at is None
    assert authenticate(session, "ALICE", "correct horse", at=at) is user
    assert user.last_login_at == at
    user.active = False
    assert authenticate(session, "alice", "correct horse") is None
    user.active = True
    set_password(session, user, "battery staple")
    assert authenticate(session, "alice", "correct horse") is None
    assert authenticate(session, "alice", "battery staple") is user


def test_claims_read_back_and_are_found_by_their_shop_order(session, tree):
    alice = create_user(session, "alice", "customer")
    claim = create_claim(session, alice, tree, SPRING, AUTUMN, order_ref="shop-1001")
    session.commit()
    session.expunge_all()
    stored = get_claim(session, claim.id)
    assert (stored.starts_at, stored.ends_at, stored.status) == (SPRING, AUTUMN, ClaimStatus.PENDING)
    assert (stored.user.username, stored.tree.label) == ("alice", "17")
    assert find_claim_by_order(session, "shop-1001").id == claim.id
    assert find_claim_by_order(session, "shop-9999") is None
    set_claim_status(session, stored, "active")
    session.commit()
    assert [c.id for c in list_claims(session, user_id=alice.id, status="active")] == [claim.id]
    assert list_claims(session, tree_id=tree.id, status=ClaimStatus.PENDING) == []


def test_a_claim_must_end_after_it_starts(session, tree):
    alice = create_user(session, "alice", "customer")
    session.commit()
    for ends_at in (SPRING - timedelta(days=1), SPRING):
        with pytest.raises(IntegrityError):
            create_claim(session, alice, tree, SPRING, ends_at)
        session.rollback()


def test_a_shop_order_makes_at_most_one_claim(session, tree):
    alice = create_user(session, "alice", "customer")
    create_claim(session, alice, tree, SPRING, AUTUMN, order_ref="shop-1001")
    create_claim(session, alice, tree, SPRING, AUTUMN)  # orders entered by hand have no reference
    create_claim(session, alice, tree, SPRING, AUTUMN)
    session.commit()
    with pytest.raises(IntegrityError):
        create_claim(session, alice, tree, SPRING + timedelta(days=1), AUTUMN, order_ref="shop-1001")
    session.rollback()


def test_claims_belong_to_customers(session, tree):
    farmer = create_user(session, "li", "farmer")
    with pytest.raises(Invalid, match="customers"):
        create_claim(session, farmer, tree, SPRING, AUTUMN)


def test_a_claimed_tree_or_its_customer_cannot_be_deleted(session, tree):
    alice = create_user(session, "alice", "customer")
    create_claim(session, alice, tree, SPRING, AUTUMN, status="ended")
    session.commit()
    for row in (tree, alice):
        session.delete(row)
        with pytest.raises(IntegrityError):
            session.flush()
        session.rollback()
