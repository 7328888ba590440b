"""The demo broker's configuration: the production file, only its site lines moved; a clear error without Mosquitto."""

from __future__ import annotations

from pathlib import Path

import pytest

from orchard import demo_broker
from orchard.demo_broker import CONF, BrokerError, render_conf

SITE = ("listener", "password_file", "acl_file", "persistence_location", "log_dest")


def test_only_the_site_lines_change(tmp_path):
    production = CONF.read_text().splitlines()
    rendered = render_conf(CONF.read_text(), 21884, tmp_path).splitlines()
    kept = [line for line in production if line.split(" ", 1)[0] not in SITE]
    assert [line for line in rendered if line.split(" ", 1)[0] not in SITE + ("user",)] == kept
    assert "listener 21884 127.0.0.1" in rendered
    assert f"password_file {tmp_path / 'passwd'}" in rendered and f"acl_file {tmp_path / 'acl'}" in rendered
    assert "allow_anonymous false" in rendered and "max_queued_messages 0" in rendered


def test_without_mosquitto_the_demo_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(demo_broker.shutil, "which", lambda name: None)
    monkeypatch.setattr(demo_broker.os.path, "exists", lambda path: False)
    with pytest.raises(BrokerError, match="apt-get install mosquitto mosquitto-clients"):
        demo_broker.DemoBroker(Path("unused"), 21884, "pw")
