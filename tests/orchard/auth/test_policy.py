"""The one policy, persona by persona: who sees which farms, trees, cameras and dates."""

import pytest

from orchard.auth import AuthError, Forbidden, TooManyAttempts, mint_camera_token
from orchard.auth.policy import ALL_TIME, EVERYTHING, Viewer
from orchard.auth.sessions import mint_session
from tests.orchard.auth.conftest import SECRET
from tests.world import PASSWORD, USERNAMES


def viewer(policy, persona):
    found, _ = policy.from_password(USERNAMES[persona], PASSWORD, "127.0.0.1")
    return found


EXPECTED_CAMERAS = {
    "customer_active": {"cam-17"}, "customer_expired": set(), "customer_other_tree": {"cam-18"},
    "farmer_other_farm": {"cam-v"}, "farmer_this_farm": {"cam-17", "cam-18"}, "admin": EVERYTHING,
}


@pytest.mark.parametrize("persona", sorted(EXPECTED_CAMERAS))
def test_cameras_per_persona(policy, persona):
    cameras = policy.camera_ids(viewer(policy, persona))
    assert (cameras if cameras is EVERYTHING else set(cameras)) == EXPECTED_CAMERAS[persona]


@pytest.mark.parametrize("persona, tree, visible", [
    ("customer_active", "17", True), ("customer_active", "18", False),
    ("customer_expired", "17", False), ("customer_other_tree", "17", False),
    ("farmer_other_farm", "17", False), ("farmer_this_farm", "17", True), ("admin", "5", True),
])
def test_trees_and_reading_windows(policy, registry, persona, tree, visible):
    _, world = registry
    who = viewer(policy, persona)
    trees = policy.tree_ids(who)
    assert (trees is EVERYTHING or world.trees[tree] in trees) == visible
    window = policy.readings_window(who, world.trees[tree])
    assert (window is not None) == visible
    if visible and persona.startswith("customer"):
        assert (window.start, window.end) == (world.claim_start, world.claim_end)


def test_a_customer_sees_snapshots_only_within_the_claim(policy, registry):
    _, world = registry
    assert policy.camera_windows(viewer(policy, "customer_active"), "cam-17") == [
        (world.claim_start, world.claim_end)]
    assert policy.camera_windows(viewer(policy, "farmer_this_farm"), "cam-17") == [ALL_TIME]
    assert policy.camera_windows(viewer(policy, "customer_other_tree"), "cam-17") == []


def test_wrong_password_and_throttling(policy):
    with pytest.raises(AuthError):
        policy.from_password("ana", "guess", "10.0.0.9")
    for _ in range(4):
        with pytest.raises(AuthError):
            policy.from_password("ana", "guess", "10.0.0.9")
    with pytest.raises(TooManyAttempts):
        policy.from_password("ana", PASSWORD, "10.0.0.9")   # even the right password waits now
    assert policy.from_password("ana", PASSWORD, "10.0.0.10")[0].name == "ana"  # another address is not blocked


def test_session_cookie_round_trip_and_password_change_ends_it(policy, registry):
    sessions, world = registry
    who, generation = policy.from_password("ana", PASSWORD, "127.0.0.1")
    cookie = mint_session(SECRET, who.user_id, generation)
    assert policy.from_session(cookie) == who
    from orchard.registry.people import get_user, set_password
    with sessions.begin() as s:
        set_password(s, get_user(s, who.user_id), "a new password entirely")
    with pytest.raises(AuthError):
        policy.from_session(cookie)
    with pytest.raises(AuthError):
        policy.from_session(mint_session("x" * 40, who.user_id, generation))


def test_camera_token_of_a_user_is_checked_against_their_claims(policy, registry):
    _, world = registry
    cy = world.users["customer_other_tree"]
    token = mint_camera_token(SECRET, ["cam-17", "cam-18"], 60, subject=str(cy), generation=0)
    bearer = policy.from_camera_token(token)
    policy.require_camera(bearer, "cam-18")
    with pytest.raises(Forbidden):
        policy.require_camera(bearer, "cam-17")   # named in the token, but not cy's to watch


def test_operator_camera_token_covers_what_it_names(policy):
    bearer = policy.from_camera_token(mint_camera_token(SECRET, ["cam-v"], 60))
    assert bearer == Viewer(None, "camera-token", "operator", frozenset({"cam-v"}))
    policy.require_camera(bearer, "cam-v")
    with pytest.raises(Forbidden):
        policy.require_camera(bearer, "cam-17")
    assert policy.tree_ids(bearer) == frozenset()


def test_a_remembered_camera_token_still_expires(policy):
    import time
    token = mint_camera_token(SECRET, ["cam-v"], 1)
    policy.require_camera(policy.from_camera_token(token), "cam-v")
    time.sleep(2.1)
    with pytest.raises(AuthError, match="expired"):
        policy.from_camera_token(token)
