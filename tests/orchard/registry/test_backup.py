"""orchard/registry/backup.py: a registry goes to a file and comes back whole, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import gzip
import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import MetaData, select

from orchard.errors import Conflict, Invalid
from orchard.registry.alerting import AlertChannel, AlertIncident, ChannelKind, Severity
from orchard.registry.backup import backup, restore
from orchard.registry.db import make_engine, session_factory, session_scope
from orchard.registry.migrate import current_revision
from orchard.registry.models import Camera, Claim, ClaimStatus, Device, Farm, Plot, Role, Tree, User
from orchard.registry.people import create_user
from orchard.registry.tokens import create_api_token

SHANGHAI_NOON = datetime(2026, 3, 1, 4, 0, tzinfo=UTC)


def populate(db_url: str) -> int:
    """A small cooperative with a bit of everything; returns the id of a user deleted afterwards."""
    sessions = session_factory(make_engine(db_url))
    with session_scope(sessions) as session:
        session.add(Farm(id="hillside", name="山坡果园 Hillside", timezone="Asia/Shanghai", language="zh-CN"))
        session.flush()
        plot = Plot(farm_id="hillside", name="north")
        session.add(plot)
        session.flush()
        tree = Tree(farm_id="hillside", plot_id=plot.id, label="17", variety="红富士", planted_on=date(2019, 4, 2),
                    latitude=30.6, longitude=119.6)
        session.add(tree)
        session.flush()
        device = Device(id="node-07", farm_id="hillside", tree_id=tree.id, sensors="sht31,soil")
        session.add(device)
        session.flush()
        camera = Camera(id="cam-01", device_id=device.id)
        camera.trees.append(tree)
        session.add(camera)
        farmer = create_user(session, "farmer-li", Role.FARMER, password="orchard-li-2026")
        farmer.farms.append(session.get(Farm, "hillside"))
        ana = create_user(session, "ana", Role.CUSTOMER, password="orchard-ana-2026", display_name="Ana")
        gone = create_user(session, "gone", Role.CUSTOMER)
        session.flush()
        session.add(Claim(user_id=ana.id, tree_id=tree.id, starts_at=SHANGHAI_NOON,
                          ends_at=SHANGHAI_NOON + timedelta(days=200), status=ClaimStatus.ACTIVE, order_ref="T-1"))
        create_api_token(session, farmer, "script")
        session.add(AlertChannel(farm_id="hillside", kind=ChannelKind.WECOM, url="https://robot.example/send?key=k"))
        session.add(AlertIncident(farm_id="hillside", rule_key="frost", subject="device:node-07", device_id="node-07",
                                  tree_id=tree.id, severity=Severity.CRITICAL, fired_at=SHANGHAI_NOON,
                                  fired_value=1.5))
        gone_id = gone.id
    with session_scope(sessions) as session:
        session.delete(session.get(User, gone_id))  # the highest user id now exists only in the id counter
    sessions.kw["bind"].dispose()
    return gone_id


def contents(db_url: str) -> dict[str, list[tuple]]:
    """Every row of every table, in primary-key order, times made comparable across the two databases."""
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            metadata = MetaData()
            metadata.reflect(connection)
            found = {}
            for table in metadata.sorted_tables:
                if table.name == "alembic_version":
                    continue
                rows = connection.execute(select(table).order_by(*table.primary_key.columns)).all()
                found[table.name] = [tuple(_comparable(value) for value in row) for row in rows]
            return found
    finally:
        engine.dispose()


def _comparable(value):
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    return value


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_target(request, tmp_path) -> str:
    """A database nobody has created a table in yet."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/restored/registry.db"
    return request.getfixturevalue("postgres").create_database()


def test_a_backup_restores_whole_into_either_database(db_url, empty_target):
    populate(db_url)
    before = contents(db_url)
    out = io.BytesIO()
    counts = backup(db_url, out)
    assert counts["users"] == 2 and counts["claims"] == 1 and counts["camera_trees"] == 1

    restored = restore(empty_target, io.BytesIO(out.getvalue()))

    assert restored == counts
    assert contents(empty_target) == before
    assert current_revision(empty_target) == current_revision(db_url)


def test_an_id_handed_out_before_the_backup_is_never_handed_out_again(db_url, empty_target):
    gone_id = populate(db_url)
    out = io.BytesIO()
    backup(db_url, out)
    restore(empty_target, io.BytesIO(out.getvalue()))
    sessions = session_factory(make_engine(empty_target))
    with session_scope(sessions) as session:
        newcomer = create_user(session, "newcomer", Role.CUSTOMER)
        session.flush()
        assert newcomer.id > gone_id
    sessions.kw["bind"].dispose()


def test_a_restored_customer_logs_in_with_the_old_password(db_url, empty_target):
    from orchard.registry.people import authenticate
    populate(db_url)
    out = io.BytesIO()
    backup(db_url, out)
    restore(empty_target, io.BytesIO(out.getvalue()))
    sessions = session_factory(make_engine(empty_target))
    with session_scope(sessions) as session:
        assert authenticate(session, "ana", "orchard-ana-2026") is not None
        assert authenticate(session, "ana", "wrong-password") is None
    sessions.kw["bind"].dispose()


def test_restore_refuses_a_registry_that_holds_rows_and_changes_nothing(db_url):
    populate(db_url)
    out = io.BytesIO()
    backup(db_url, out)
    before = contents(db_url)
    with pytest.raises(Conflict, match="empty"):
        restore(db_url, io.BytesIO(out.getvalue()))
    assert contents(db_url) == before


def test_restore_refuses_a_file_that_is_not_a_backup(empty_target):
    with pytest.raises(Invalid, match="not an Orchard Live registry backup"):
        restore(empty_target, io.BytesIO(gzip.compress(b'{"hello": "world"}\n')))
    with pytest.raises((Invalid, OSError)):
        restore(empty_target, io.BytesIO(b"plain text, not gzip"))


def test_a_database_that_was_never_migrated_has_nothing_to_back_up(empty_target):
    with pytest.raises(Invalid, match="never migrated"):
        backup(empty_target, io.BytesIO())
