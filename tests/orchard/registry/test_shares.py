"""orchard/registry/shares.py: share links are unguessable, revocable and expiring; only their hash is kept."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from orchard.errors import Invalid, NotFound
from orchard.registry.invitations import LinkEnded
from orchard.registry.orchards import create_farm, create_tree
from orchard.registry.people import create_claim, create_user, set_claim_status
from orchard.registry.shares import ShareLink, create_share, live_shares, open_share, revoke_share
from orchard.share_card import share_card

NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.fixture
def claim(session):
    create_farm(session, "hill", "Hillside", timezone="Asia/Shanghai")
    tree = create_tree(session, "hill", "17", variety="Fuji")
    ana = create_user(session, "ana", "customer", display_name="Ana Secret")
    claim = create_claim(session, ana, tree, datetime(2026, 2, 28, 16, tzinfo=UTC),
                         datetime(2026, 10, 31, 16, tzinfo=UTC), status="active", order_ref="SHOP-9")
    session.commit()
    return claim


def test_a_share_link_opens_until_revoked(session, claim):
    link, token = create_share(session, claim, days=30, frame_hour=9, at=NOW)
    session.commit()
    assert session.get(ShareLink, link.id).token_hash == hashlib.sha256(token.encode()).hexdigest()
    card = share_card(open_share(session, token, at=NOW + timedelta(days=1)))
    # The season on the farm's clock (Asia/Shanghai): 1 March to 31 October, both included.
    assert (card.season_start.isoformat(), card.season_end.isoformat()) == ("2026-03-01", "2026-10-31")
    assert (card.farm_name, card.tree_label, card.variety, card.frame_hour) == ("Hillside", "17", "Fuji", 9)
    assert "Ana" not in repr(card) and "ana" not in repr(card) and "SHOP-9" not in repr(card)
    revoke_share(session, link, at=NOW + timedelta(days=2))
    with pytest.raises(LinkEnded):
        open_share(session, token, at=NOW + timedelta(days=3))
    assert live_shares(session, claim, NOW + timedelta(days=3)) == []


def test_expired_unknown_and_cancelled_links_do_not_open(session, claim):
    _, token = create_share(session, claim, days=1, at=NOW)
    with pytest.raises(LinkEnded):
        open_share(session, token, at=NOW + timedelta(days=1))
    with pytest.raises(NotFound):
        open_share(session, token + "x", at=NOW)
    set_claim_status(session, claim, "cancelled")
    with pytest.raises(LinkEnded):
        open_share(session, token, at=NOW)
    with pytest.raises(Invalid):
        create_share(session, claim, at=NOW)


@pytest.mark.parametrize("days, hour", [(0, 12), (401, 12), (30, 24), (30, -1)])
def test_a_share_needs_a_sane_life_and_hour(session, claim, days, hour):
    with pytest.raises(Invalid):
        create_share(session, claim, days=days, frame_hour=hour)
