"""The admin commands on a real PostgreSQL registry: a fresh database, migrated by the first command."""

import pytest
from sqlalchemy import func, select

from orchard.registry.db import make_engine, session_factory
from orchard.registry.models import Device, Tree
from orchard.registry.passwords import verify_mqtt_password
from tests.orchard.admin.conftest import run_admin
from tests.orchard.registry.conftest import POSTGRES, require_postgres


@pytest.fixture
def pg_url():
    server = require_postgres(POSTGRES)
    try:
        yield server.create_database()
    finally:
        server.drop_all()


def test_a_cooperative_is_set_up_on_postgresql(pg_url, tmp_path):
    def admin(*args, **options):
        return run_admin(pg_url, *args, **options)

    admin("add-farm", "hillside", "--name", "Hillside")
    csv = tmp_path / "trees.csv"
    csv.write_text("farm,label,plot,variety\nhillside,17,north,Fuji\nhillside,18,north,Gala\n")
    admin("import-trees", csv)
    csv.write_text("farm,label,plot,variety\nhillside,17,north,Red Fuji\nhillside,19,south,Gala\nvalley,1,,\n")
    assert "line 4, column farm" in admin("import-trees", csv, ok=False).stderr
    csv.write_text("farm,label,variety\nhillside,17,Red Fuji\n")
    admin("import-trees", csv)
    password = admin("add-device", "node-a", "--farm", "hillside", "--tree", "17").stdout.split(
        "ORCHARD_MQTT_PASSWORD=")[1].split()[0]
    admin("add-customer", "alice", "--password-stdin", input="apple tree\n")
    admin("add-claim", "alice", "hillside", "17", "--start", "2025-03-01", "--end", "2025-10-31")
    assert admin("list", "claims").output.splitlines()[1].split()[4:6] == ["2025-03-01", "2025-10-31"]
    passwd = tmp_path / "passwd"
    admin("sync-broker", "--passwd", passwd, "--acl", tmp_path / "acl")
    assert passwd.read_text().startswith("node-a:$7$")

    engine = make_engine(pg_url)
    try:
        with session_factory(engine)() as session:
            assert sorted(session.scalars(select(Tree.label))) == ["17", "18"]  # the bad file changed nothing
            assert session.scalar(select(Tree.variety).where(Tree.label == "17")) == "Red Fuji"
            assert verify_mqtt_password(session.get(Device, "node-a").mqtt_password_hash, password)
            assert session.scalar(select(func.count()).select_from(Device)) == 1
    finally:
        engine.dispose()
