"""orchard/registry/passwords.py: argon2 for people; device hashes Mosquitto itself accepts."""

from __future__ import annotations

import subprocess

import pytest
from argon2 import PasswordHasher

from orchard.mqtt import make_client
from orchard.registry.passwords import (
    hash_password,
    mqtt_password_hash,
    new_secret,
    password_needs_rehash,
    verify_mqtt_password,
    verify_password,
)
from tests.mqtt_helpers import wait_until
from tests.services import Mosquitto, require


def test_a_password_hash_is_argon2id_salted_and_checks_the_password():
    first, second = hash_password("correct horse"), hash_password("correct horse")
    assert first.startswith("$argon2id$") and "correct horse" not in first
    assert first != second
    assert verify_password(first, "correct horse")
    assert not verify_password(first, "Correct horse")


@pytest.mark.parametrize("stored", [None, "", "not-a-hash", "$argon2id$v=19$m=65536,t=3,p=4$broken"])
def test_no_hash_or_a_broken_one_matches_nothing(stored):
    assert not verify_password(stored, "")
    assert not verify_password(stored, "correct horse")


def test_hashes_made_with_weaker_parameters_ask_to_be_redone():
    weak = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash("correct horse")
    assert verify_password(weak, "correct horse")
    assert password_needs_rehash(weak)
    assert not password_needs_rehash(hash_password("correct horse"))


def test_machine_secrets_are_long_random_and_url_safe():
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 43 and s.replace("-", "").replace("_", "").isalnum() for s in secrets)


def test_an_mqtt_hash_checks_its_password():
    stored = mqtt_password_hash("dev-secret")
    assert stored.startswith("$7$") and "dev-secret" not in stored
    assert verify_mqtt_password(stored, "dev-secret")
    assert not verify_mqtt_password(stored, "dev-secret2")
    assert stored != mqtt_password_hash("dev-secret")


@pytest.mark.parametrize("stored", [None, "", "$6$abc$def", "$7$101$!!$!!", "$7$0$AAAA$AAAA", "$7$x$y"])
def test_a_damaged_mqtt_hash_matches_nothing(stored):
    assert not verify_mqtt_password(stored, "dev-secret")


def test_hashes_written_by_mosquitto_passwd_check_out(tmp_path):
    tool = require("mosquitto_passwd")
    passwd = tmp_path / "passwd"
    subprocess.run([tool, "-c", "-b", str(passwd), "pi-1", "dev-secret"], check=True)
    stored = passwd.read_text().strip().split(":", 1)[1]
    assert verify_mqtt_password(stored, "dev-secret")
    assert not verify_mqtt_password(stored, "other")


def connack(port: int, username: str, password: str):
    client, address = make_client(f"mqtt://{username}:{password}@127.0.0.1:{port}")
    result = {}
    client.on_connect = lambda c, u, f, rc, p: result.setdefault("rc", rc)
    client.connect(address.host, address.port)
    client.loop_start()
    try:
        return wait_until(lambda: result.get("rc"), message="CONNACK")
    finally:
        client.disconnect()
        client.loop_stop()


def test_mosquitto_lets_a_device_in_with_the_hash_the_registry_made(tmp_path):
    broker = Mosquitto(tmp_path, users={"orchard-ingest": "ingest-secret"})
    password = new_secret()
    with broker.passwd.open("a") as passwd:  # as `orchard admin sync-broker` would write it
        passwd.write(f"pi-1:{mqtt_password_hash(password)}\n")
    broker.start()
    try:
        assert not connack(broker.port, "pi-1", password).is_failure
        assert connack(broker.port, "pi-1", password[:-1]).is_failure
    finally:
        broker.stop()
