"""orchard/registry/access.py: who sees which trees and cameras, and for which dates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from orchard.registry.access import (
    EPOCH,
    FOREVER,
    Window,
    active_claims,
    cameras_visible_to,
    claim_window,
    in_force,
    visible_tree_ids,
)
from orchard.registry.models import Claim, Tree, User
from orchard.registry.orchards import create_camera, create_device, create_farm, create_tree
from orchard.registry.people import create_claim, create_user

SPRING = datetime(2025, 3, 1, tzinfo=UTC)
AUTUMN = datetime(2025, 11, 1, tzinfo=UTC)
NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)
LAST_YEAR = (SPRING - timedelta(days=365), AUTUMN - timedelta(days=365))


@dataclass
class Orchard:
    users: dict[str, User]
    trees: dict[str, Tree]  # by label; labels are unique across this test's farms

    def ids(self, *labels: str) -> set[int]:
        return {self.trees[label].id for label in labels}


@pytest.fixture
def orchard(session) -> Orchard:
    """Two farms, cameras seeing several trees, and a customer for every kind of claim."""
    # Two customers hold tree 17 at once ("active", "inactive"): this farm shares its trees.
    create_farm(session, "green-valley", "Green Valley").shared_trees = True
    create_farm(session, "apple-hill", "Apple Hill")
    trees = {label: create_tree(session, "green-valley", label) for label in ("17", "18", "19")}
    trees["5"] = create_tree(session, "apple-hill", "5")
    create_device(session, "pi-a", "green-valley")
    create_device(session, "pi-b", "apple-hill")
    create_camera(session, "cam-rows", "pi-a", [trees[label].id for label in ("17", "18", "19")])
    create_camera(session, "cam-19", "pi-a", [trees["19"].id])
    create_camera(session, "cam-hill", "pi-b", [trees["5"].id])
    users = {
        "admin": create_user(session, "admin", "admin"),
        "farmer-a": create_user(session, "farmer-a", "farmer", farm_ids=["green-valley"]),
        "farmer-b": create_user(session, "farmer-b", "farmer", farm_ids=["apple-hill"]),
        "farmer-none": create_user(session, "farmer-none", "farmer"),
    }
    claims = {  # customer: (tree, status, start, end)
        "active": ("17", "active", SPRING, AUTUMN),
        "expired": ("18", "active", *LAST_YEAR),
        "ended": ("18", "ended", SPRING, AUTUMN),
        "other-tree": ("5", "active", SPRING, AUTUMN),
        "pending": ("18", "pending", SPRING, AUTUMN),
        "cancelled": ("19", "cancelled", SPRING, AUTUMN),
        "future": ("19", "active", AUTUMN, AUTUMN + timedelta(days=200)),
        "inactive": ("17", "active", SPRING, AUTUMN),
        "no-claim": None,
    }
    for name, claim in claims.items():
        users[name] = create_user(session, name, "customer")
        if claim:
            label, status, start, end = claim
            create_claim(session, users[name], trees[label], start, end, status=status)
    users["inactive"].active = False
    session.commit()
    return Orchard(users, trees)


# who: (trees they see now, cameras they may watch now)
CASES = {
    "admin": ({"17", "18", "19", "5"}, ["cam-19", "cam-hill", "cam-rows"]),
    "farmer-a": ({"17", "18", "19"}, ["cam-19", "cam-rows"]),
    "farmer-b": ({"5"}, ["cam-hill"]),
    "farmer-none": (set(), []),
    "active": ({"17"}, ["cam-rows"]),
    "expired": (set(), []),
    "ended": (set(), []),
    "other-tree": ({"5"}, ["cam-hill"]),
    "pending": (set(), []),
    "cancelled": (set(), []),
    "future": (set(), []),
    "inactive": (set(), []),
    "no-claim": (set(), []),
}


@pytest.mark.parametrize(("who", "trees"), [(who, trees) for who, (trees, _) in CASES.items()])
def test_who_sees_which_trees(session, orchard, who, trees):
    assert visible_tree_ids(session, orchard.users[who], NOW) == orchard.ids(*trees)


@pytest.mark.parametrize(("who", "cameras"), [(who, cameras) for who, (_, cameras) in CASES.items()])
def test_who_may_watch_which_cameras(session, orchard, who, cameras):
    assert [camera.id for camera in cameras_visible_to(session, orchard.users[who], NOW)] == cameras


@pytest.mark.parametrize(("who", "label", "window"), [
    ("active", "17", Window(SPRING, AUTUMN)),
    ("active", "18", None),
    ("expired", "18", None),
    ("other-tree", "17", None),
    ("pending", "18", None),
    ("inactive", "17", None),
    ("farmer-a", "17", Window(EPOCH, FOREVER)),
    ("farmer-b", "17", None),
    ("admin", "5", Window(EPOCH, FOREVER)),
])
def test_the_window_of_readings_each_may_see(session, orchard, who, label, window):
    assert claim_window(session, orchard.users[who], orchard.trees[label], NOW) == window


def test_a_claim_shows_its_tree_from_its_first_moment_until_just_before_its_end(session, orchard):
    alice, tree = orchard.users["active"], orchard.trees["17"]
    for at, sees in [(SPRING - timedelta(microseconds=1), False), (SPRING, True),
                     (AUTUMN - timedelta(microseconds=1), True), (AUTUMN, False)]:
        assert (visible_tree_ids(session, alice, at) == {tree.id}) is sees, at
        assert (claim_window(session, alice, tree.id, at) is not None) is sees, at
        assert bool(cameras_visible_to(session, alice, at)) is sees, at


def test_the_expired_customer_saw_the_tree_last_year(session, orchard):
    bob, tree = orchard.users["expired"], orchard.trees["18"]
    last_summer = NOW - timedelta(days=365)
    assert visible_tree_ids(session, bob, last_summer) == {tree.id}
    assert claim_window(session, bob, tree, last_summer) == Window(*LAST_YEAR)


def test_a_renewed_claim_joins_the_window_of_the_one_it_overlaps(session, orchard):
    alice, tree = orchard.users["active"], orchard.trees["17"]
    create_claim(session, alice, tree, NOW - timedelta(days=1), AUTUMN + timedelta(days=30), status="active")
    session.commit()
    assert claim_window(session, alice, tree, NOW) == Window(SPRING, AUTUMN + timedelta(days=30))
    assert claim_window(session, alice, tree, AUTUMN + timedelta(days=1)) == Window(
        NOW - timedelta(days=1), AUTUMN + timedelta(days=30))


def test_active_claims_are_those_in_force(session, orchard):
    alice = orchard.users["active"]
    assert [claim.tree.label for claim in active_claims(session, alice, NOW)] == ["17"]
    assert active_claims(session, alice, AUTUMN) == []
    assert active_claims(session, orchard.users["pending"], NOW) == []
    assert active_claims(session, orchard.users["inactive"], NOW) == []


def test_an_unknown_tree_has_no_window_even_for_an_admin(session, orchard):
    assert claim_window(session, orchard.users["admin"], 987654, NOW) is None


def test_times_must_say_their_zone(session, orchard):
    with pytest.raises(ValueError, match="naive"):
        visible_tree_ids(session, orchard.users["active"], datetime(2025, 6, 15, 12))


def test_in_force_is_the_rule_of_claims_as_a_query_and_a_column(session, orchard):
    """Active and starts_at <= at < ends_at, whoever holds it (inactive users' claims too: the caller decides)."""
    from sqlalchemy import select

    def holders(at):
        query = select(User.username).join(Claim, Claim.user_id == User.id).where(in_force(at))
        return sorted(session.scalars(query))

    assert holders(NOW) == ["active", "inactive", "other-tree"]
    assert holders(SPRING) == ["active", "inactive", "other-tree"]  # from its first moment
    assert holders(AUTUMN) == ["future"]  # until just before its end
    assert holders(LAST_YEAR[0]) == ["expired"]
    flags = dict(session.execute(select(User.username, in_force(NOW)).join(Claim, Claim.user_id == User.id)).all())
    assert flags["active"] and not flags["pending"] and not flags["ended"] and not flags["future"]
    with pytest.raises(ValueError, match="naive"):
        in_force(datetime(2025, 6, 15, 12))
