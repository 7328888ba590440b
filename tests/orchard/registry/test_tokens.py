"""orchard/registry/tokens.py: API tokens are shown once, stored as a hash, and stop when revoked or expired."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from orchard.registry.models import ApiToken
from orchard.registry.people import create_user
from orchard.registry.tokens import (
    TOKEN_PREFIX,
    create_api_token,
    find_api_token,
    list_api_tokens,
    revoke_api_token,
    token_hash,
)

NOW = datetime(2025, 6, 15, 12, tzinfo=UTC)


@pytest.fixture
def farmer(session):
    user = create_user(session, "li", "farmer")
    session.commit()
    return user


def test_a_token_finds_its_user_and_records_its_use(session, farmer):
    token, plaintext = create_api_token(session, farmer, "weather station export")
    session.commit()
    assert plaintext.startswith(TOKEN_PREFIX)
    found = find_api_token(session, plaintext, at=NOW)
    assert found.id == token.id and found.user.username == "li"
    session.commit()
    session.expire_all()
    assert session.get(ApiToken, token.id).last_used_at == NOW
    assert [t.name for t in list_api_tokens(session, farmer)] == ["weather station export"]


def test_the_plaintext_is_stored_nowhere(session, farmer):
    token, plaintext = create_api_token(session, farmer, "export")
    session.commit()
    row = session.execute(select(ApiToken.__table__)).one()
    assert not any(plaintext in str(value) for value in row)
    assert row.token_hash == token_hash(plaintext)


@pytest.mark.parametrize("guess", ["", "orl_", "not-a-token", TOKEN_PREFIX + "A" * 43])
def test_unknown_tokens_find_nothing(session, farmer, guess):
    create_api_token(session, farmer, "export")
    assert find_api_token(session, guess, at=NOW) is None


def test_a_revoked_token_stops_working(session, farmer):
    token, plaintext = create_api_token(session, farmer, "export")
    revoke_api_token(session, token, at=NOW)
    session.commit()
    assert token.revoked and token.revoked_at == NOW
    assert find_api_token(session, plaintext, at=NOW) is None


def test_a_token_works_until_it_expires(session, farmer):
    _, plaintext = create_api_token(session, farmer, "export", expires_at=NOW)
    session.commit()
    assert find_api_token(session, plaintext, at=NOW - timedelta(seconds=1)) is not None
    assert find_api_token(session, plaintext, at=NOW) is None


def test_a_deactivated_users_tokens_stop_working(session, farmer):
    _, plaintext = create_api_token(session, farmer, "export")
    farmer.active = False
    session.commit()
    assert find_api_token(session, plaintext, at=NOW) is None


def test_deleting_a_user_deletes_their_tokens(session, farmer):
    create_api_token(session, farmer, "export")
    session.commit()
    session.delete(farmer)
    session.commit()
    assert session.scalars(select(ApiToken)).all() == []
