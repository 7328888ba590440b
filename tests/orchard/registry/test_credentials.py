"""orchard/registry/people.py: one spelling of a username, credentials that end, ids never reused."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import IntegrityError

from orchard.registry import passwords, people
from orchard.registry.models import User
from orchard.registry.people import (
    authenticate,
    create_user,
    end_sessions,
    find_user,
    normalize_username,
    set_active,
    set_password,
)
from orchard.registry.tokens import create_api_token, find_api_token

VARIANTS = [" victim", "victim ", "\tvictim\n", "VICTIM", "Victim", "ｖｉｃｔｉｍ", "ＶＩＣＴＩＭ",
            "victim\u3000", "\u00a0victim", "\u2003victim\u2028"]


@pytest.mark.parametrize("spelling", VARIANTS)
def test_every_spelling_of_a_username_finds_the_one_user(session, spelling):
    user = create_user(session, "victim", "customer")
    session.commit()
    assert normalize_username(spelling) == "victim"
    assert find_user(session, spelling).id == user.id


def test_a_username_made_from_a_variant_is_stored_in_its_one_form(session):
    assert create_user(session, "  Ｌｉ.Ｗｅｉ\u3000", "farmer").username == "li.wei"
    session.commit()
    with pytest.raises(IntegrityError):  # the unique constraint: the same person twice
        create_user(session, "li.wei", "farmer")
        session.flush()
    session.rollback()


@pytest.mark.parametrize("name", ["", "   ", "\u3000", "two words", "tab\tinside", "nul\x00", "bidi\u202eevil"])
def test_a_username_with_blanks_or_control_characters_is_refused(session, name):
    with pytest.raises(ValueError, match="username"):
        create_user(session, name, "customer")
    session.rollback()


@pytest.mark.parametrize("kind", ["unknown", "deactivated", "no password", "wrong password"])
def test_a_refused_sign_in_always_costs_one_real_password_check(session, monkeypatch, kind):
    create_user(session, "real", "customer", password="right password")
    create_user(session, "gone", "customer", password="right password").active = False
    create_user(session, "nopass", "customer")
    session.commit()
    checks = []
    real_verify = passwords.verify_password

    def counting(password_hash, password):
        checks.append(password_hash)
        return real_verify(password_hash, password)

    monkeypatch.setattr(people, "verify_password", counting)
    name, password = {"unknown": ("nobody", "x"), "deactivated": ("gone", "right password"),
                      "no password": ("nopass", "x"), "wrong password": ("real", "x")}[kind]
    assert authenticate(session, name, password) is None
    assert len(checks) == 1 and checks[0] and checks[0].startswith("$argon2id$")  # a real argon2 hash was checked


def test_a_deleted_users_id_is_never_given_to_the_next_user(session):
    create_user(session, "first", "customer")
    second = create_user(session, "second", "customer")
    session.commit()
    gone = second.id
    session.delete(second)
    session.commit()
    assert create_user(session, "third", "customer").id > gone
    session.commit()


def test_logout_password_change_and_deactivation_move_the_generation_on(session):
    user = create_user(session, "ana", "customer", password="first password")
    session.commit()
    seen = [user.credential_generation]
    end_sessions(session, user)
    seen.append(user.credential_generation)
    set_password(session, user, "second password")
    seen.append(user.credential_generation)
    set_active(session, user, False)
    seen.append(user.credential_generation)
    set_active(session, user, True)  # coming back does not revive anything
    seen.append(user.credential_generation)
    session.commit()
    assert seen[0] < seen[1] < seen[2] < seen[3] == seen[4]
    assert session.get(User, user.id).credential_generation == seen[4]


@pytest.mark.parametrize("ending", ["password", "deactivation"])
def test_a_password_change_or_deactivation_revokes_api_tokens(session, ending):
    user = create_user(session, "ana", "customer", password="first password")
    _, plaintext = create_api_token(session, user, "script")
    session.commit()
    assert find_api_token(session, plaintext) is not None
    if ending == "password":
        set_password(session, user, "second password")
    else:
        set_active(session, user, False)
        set_active(session, user, True)
    session.commit()
    assert find_api_token(session, plaintext) is None
