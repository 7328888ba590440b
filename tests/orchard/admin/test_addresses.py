"""`orchard admin purge-addresses` erases ship-to addresses of requests delivered long enough ago, and no others."""

from __future__ import annotations

from datetime import timedelta

from orchard.registry.db import session_factory
from orchard.registry.migrate import upgrade
from orchard.registry.models import utcnow
from orchard.registry.picking import PickingRequest
from tests.orchard.admin.conftest import run_admin
from tests.picking_world import add_picking
from tests.world import build_world


def test_purge_addresses_erases_only_old_deliveries(db_url, tmp_path, monkeypatch):
    upgrade(db_url)
    sessions = session_factory(db_url)
    build_world(sessions)
    made = add_picking(sessions, tmp_path)
    with sessions.begin() as session:
        old, recent = session.get(PickingRequest, made["request_ana"]), session.get(PickingRequest, made["request_cy"])
        old.status, old.delivered_at = "delivered", utcnow() - timedelta(days=45)
        recent.status, recent.delivered_at = "delivered", utcnow() - timedelta(days=10)
    monkeypatch.setenv("ORCHARD_ADDRESS_DAYS", "40")
    assert "erased 1 ship-to address older than 40 days" in run_admin(db_url, "purge-addresses").output
    assert "erased 0 ship-to addresses" in run_admin(db_url, "purge-addresses").output
    with sessions() as session:
        old, recent = session.get(PickingRequest, made["request_ana"]), session.get(PickingRequest, made["request_cy"])
        assert old.ship_name is None and old.ship_address is None and old.address_erased_at is not None
        assert recent.ship_name == "陈一" and recent.address_erased_at is None
    assert "erased 1" in run_admin(db_url, "purge-addresses", "--days", "5").output
    sessions.kw["bind"].dispose()
