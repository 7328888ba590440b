"""orchard/demo_share.py: each demo start prints a fresh share link (ending the last) and an invitation."""

from __future__ import annotations

import pytest

from orchard import demo_orchard, demo_share
from orchard.registry.db import session_factory
from orchard.registry.invitations import LinkEnded, find_link
from orchard.registry.migrate import upgrade
from orchard.registry.shares import open_share


def test_each_start_makes_a_working_share_link_and_ends_the_last(tmp_path):
    url = f"sqlite:///{tmp_path / 'registry.db'}"
    upgrade(url)
    sessions = session_factory(url)
    demo_orchard.seed(sessions, devices=8)
    first = demo_share.links(sessions)
    second = demo_share.links(sessions)
    with sessions() as s:
        card = open_share(s, second["share"].rsplit("/", 1)[1]).claim
        assert card.order_ref == demo_share.SHARED_ORDER
        with pytest.raises(LinkEnded):
            open_share(s, first["share"].rsplit("/", 1)[1])
        assert find_link(s, second["invite"].rsplit("/", 1)[1], "invite").user.username == demo_share.NEWCOMER
    sessions.kw["bind"].dispose()
