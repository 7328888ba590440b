"""The same charts over InfluxDB: the dashboard's queries go through the store's InfluxQL backend."""

from __future__ import annotations

import uuid

import pytest

from tests.dashboard.conftest import DESKTOP, build_orchard, log_in
from tests.dashboard.test_charts import wait_for_chart
from tests.dashboard.test_overview import wait_for_tiles


@pytest.fixture(scope="module")
def orchard(sqlite_template, tmp_path_factory, influxd_session):
    workdir = tmp_path_factory.mktemp("dash-orchard-influx")
    return build_orchard(workdir, sqlite_template, influxd_session.url(f"dash_{uuid.uuid4().hex[:8]}"))


def test_a_trees_chart_has_data_from_influxdb(open_page, dashboard, devices):
    assert dashboard.orchard.store_url.startswith("influxdb://")
    tree = dashboard.orchard.trees["18"]
    page = open_page(viewport=DESKTOP)
    log_in(page, "farmer-hill")
    page.goto(f"/tree/{tree}")
    found = wait_for_chart(page, lambda f: f["points"] and min(f["points"]) > 100)
    assert found["subject"] == f"tree:{tree}"
    devices.online("hill", "hill-1")
    page.goto("/farm")
    assert wait_for_tiles(page, {"17": ("1", "online"), "18": ("1", "stale"), "19": ("0", "none")})["17"] == \
        ("1", "online")
