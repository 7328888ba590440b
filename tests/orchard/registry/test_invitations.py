"""orchard/registry/invitations.py: single-use, expiring links that set a password."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from orchard.errors import Invalid, NotFound
from orchard.registry.invitations import AccountLink, LinkEnded, issue_link, redeem_link
from orchard.registry.models import utcnow
from orchard.registry.people import authenticate, create_user
from orchard.registry.tokens import create_api_token, find_api_token


def test_an_invitation_sets_the_password_once_and_ends_old_credentials(session):
    dee = create_user(session, "dee", "customer")
    api_token = create_api_token(session, dee, "phone")[1]
    generation = dee.credential_generation
    link, token = issue_link(session, dee, "invite")
    session.commit()
    assert len(token) >= 43  # 256 bits, URL-safe
    stored = session.scalar(select(AccountLink.token_hash).where(AccountLink.id == link.id))
    assert stored == hashlib.sha256(token.encode()).hexdigest() and token not in stored
    assert link.expires_at - link.created_at == timedelta(days=14)

    assert redeem_link(session, token, "invite", "a new long password").id == dee.id
    session.commit()
    assert authenticate(session, "dee", "a new long password") is not None
    assert dee.credential_generation == generation + 1 and find_api_token(session, api_token) is None
    with pytest.raises(LinkEnded, match="already used"):
        redeem_link(session, token, "invite", "another password")


def test_wrong_expired_and_mismatched_links_are_refused_and_change_nothing(session):
    dee = create_user(session, "dee", "customer", password="the first password")
    _, reset = issue_link(session, dee, "reset")
    _, old = issue_link(session, dee, "reset", at=utcnow() - timedelta(days=2))
    session.commit()
    with pytest.raises(NotFound):
        redeem_link(session, "not-a-token", "reset", "a new long password")
    with pytest.raises(NotFound):  # a reset link is not an invitation
        redeem_link(session, reset, "invite", "a new long password")
    with pytest.raises(LinkEnded, match="expired"):
        redeem_link(session, old, "reset", "a new long password")
    with pytest.raises(Invalid, match="at least 8"):
        redeem_link(session, reset, "reset", "short")
    session.rollback()
    assert authenticate(session, "dee", "the first password") is not None
    assert redeem_link(session, reset, "reset", "a new long password").username == "dee"


def test_a_deactivated_account_gets_no_link(session):
    dee = create_user(session, "dee", "customer")
    dee.active = False
    with pytest.raises(Invalid, match="deactivated"):
        issue_link(session, dee, "invite")
