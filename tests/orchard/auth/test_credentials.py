"""Credentials that end: logout, a new password, deactivation and deletion end cookies and camera tokens."""

import pytest

from orchard.auth import AuthError, mint_camera_token
from orchard.auth.sessions import mint_session
from orchard.registry import people
from tests.orchard.auth.conftest import SECRET
from tests.world import PASSWORD


def test_logout_ends_every_copy_of_the_cookie_and_the_users_camera_tokens(policy):
    who, generation = policy.from_password("ana", PASSWORD, "127.0.0.1")
    cookie, other_device = mint_session(SECRET, who.user_id, generation), mint_session(SECRET, who.user_id, generation)
    camera = policy.camera_token(who, ["cam-17"], 600)
    assert policy.from_session(other_device) == who
    policy.from_camera_token(camera)
    policy.log_out(cookie)
    for ended in (cookie, other_device):
        with pytest.raises(AuthError):
            policy.from_session(ended)
    with pytest.raises(AuthError, match="logged out"):
        policy.from_camera_token(camera)
    again, _ = policy.from_password("ana", PASSWORD, "127.0.0.1")  # logging in again works
    policy.from_camera_token(policy.camera_token(again, ["cam-17"], 600))


def test_a_forged_or_stale_cookie_ends_nothing_on_logout(policy):
    who, generation = policy.from_password("ana", PASSWORD, "127.0.0.1")
    cookie = mint_session(SECRET, who.user_id, generation)
    policy.log_out(mint_session("another-secret-" + "y" * 40, who.user_id, generation))
    policy.log_out("not a cookie")
    policy.log_out(None)
    assert policy.from_session(cookie) == who


def test_a_user_camera_token_without_a_generation_is_refused(policy, registry):
    _, world = registry
    old_style = mint_camera_token(SECRET, ["cam-17"], 600, subject=str(world.users["customer_active"]))
    with pytest.raises(AuthError):
        policy.from_camera_token(old_style)


@pytest.mark.parametrize("ending", ["password", "deactivation"])
def test_a_new_password_or_deactivation_ends_cookies_and_camera_tokens(policy, registry, ending):
    sessions, _ = registry
    who, generation = policy.from_password("ana", PASSWORD, "127.0.0.1")
    cookie, camera = mint_session(SECRET, who.user_id, generation), policy.camera_token(who, ["cam-17"], 600)
    with sessions.begin() as session:
        user = people.get_user(session, who.user_id)
        if ending == "password":
            people.set_password(session, user, "an entirely new password")
        else:
            people.set_active(session, user, False)
            people.set_active(session, user, True)  # coming back revives nothing
    with pytest.raises(AuthError):
        policy.from_session(cookie)
    with pytest.raises(AuthError):
        policy.from_camera_token(camera)


def test_a_deleted_users_camera_token_is_refused_and_never_fits_the_next_user(policy, registry):
    sessions, _ = registry
    with sessions.begin() as session:
        gone = people.create_user(session, "gone", "admin", password=PASSWORD)
    who, generation = policy.from_password("gone", PASSWORD, "127.0.0.1")
    camera, cookie = policy.camera_token(who, ["cam-17"], 600), mint_session(SECRET, who.user_id, generation)
    with sessions.begin() as session:
        session.delete(people.get_user(session, gone.id))
    with sessions.begin() as session:
        successor = people.create_user(session, "successor", "admin", password=PASSWORD)
    assert successor.id != gone.id
    with pytest.raises(AuthError):
        policy.from_camera_token(camera)
    with pytest.raises(AuthError):
        policy.from_session(cookie)
