"""Field units and cameras: the password is shown once, only its hash is kept, and the Pi's settings are right."""

import pytest
from sqlalchemy import select, text

from orchard.registry.models import Camera, Device
from orchard.registry.passwords import verify_mqtt_password
from orchard.settings import Settings


def env_lines(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if line.startswith("ORCHARD_"))


@pytest.fixture
def node_a(admin, hillside):
    """Device node-a at tree 17, and what add-device printed."""
    return admin("add-device", "node-a", "--farm", "hillside", "--tree", "17", "--sensors", "ds18b20=soil_temp_c",
                 "--broker-url", "mqtt://coop.example:1883")


def test_add_device_prints_the_pi_settings_with_the_password_once(node_a):
    settings = env_lines(node_a.stdout)
    password = settings["ORCHARD_MQTT_PASSWORD"]
    assert len(password) >= 40
    assert node_a.output.count(password) == 1
    assert "MQTT username: node-a" in node_a.stderr
    assert settings == {"ORCHARD_FARM": "hillside", "ORCHARD_DEVICE": "node-a",
                        "ORCHARD_MQTT_URL": "mqtt://node-a@coop.example:1883", "ORCHARD_MQTT_PASSWORD": password,
                        "ORCHARD_SENSORS": "ds18b20=soil_temp_c"}


def test_the_pi_settings_are_valid_orchard_settings(node_a):
    settings = Settings.load(environ=env_lines(node_a.stdout))
    assert (settings.farm, settings.device) == ("hillside", "node-a")
    assert settings.mqtt_url.startswith("mqtt://node-a:")


def test_only_a_mosquitto_hash_of_the_password_is_stored(node_a, registry):
    password = env_lines(node_a.stdout)["ORCHARD_MQTT_PASSWORD"]
    with registry() as session:
        device = session.get(Device, "node-a")
        assert device.mqtt_password_hash.startswith("$7$")
        assert verify_mqtt_password(device.mqtt_password_hash, password)
        dump = "\n".join(str(row) for table in ("devices", "cameras", "users")
                         for row in session.execute(text(f"SELECT * FROM {table}")))
        assert password not in dump
        assert (device.farm_id, device.tree.label, device.sensors) == ("hillside", "17", "ds18b20=soil_temp_c")


def test_the_password_is_never_shown_again(admin, node_a):
    password = env_lines(node_a.stdout)["ORCHARD_MQTT_PASSWORD"]
    for kind in ("devices", "farms", "trees"):
        assert password not in admin("list", kind).output


def test_reset_device_password_gives_a_new_one_and_forgets_the_old(admin, node_a, registry):
    old = env_lines(node_a.stdout)["ORCHARD_MQTT_PASSWORD"]
    new = env_lines(admin("reset-device-password", "node-a", "--broker-url", "mqtt://coop.example").stdout)[
        "ORCHARD_MQTT_PASSWORD"]
    assert new != old
    with registry() as session:
        stored = session.get(Device, "node-a").mqtt_password_hash
        assert verify_mqtt_password(stored, new) and not verify_mqtt_password(stored, old)


def test_revoke_device_marks_it_revoked_and_says_to_sync(admin, node_a, registry):
    assert "run `orchard admin sync-broker`" in admin("revoke-device", "node-a").output
    with registry() as session:
        assert session.get(Device, "node-a").revoked
    assert admin("list", "devices").output.splitlines()[1].split()[-1] != "-"
    assert "is revoked" in admin("reset-device-password", "node-a", ok=False).output


def test_a_device_stands_at_a_tree_or_in_a_plot_of_its_own_farm(admin, hillside, registry):
    admin("add-device", "node-b", "--farm", "hillside", "--plot", "north")
    assert "not both" in admin("add-device", "node-c", "--farm", "hillside", "--tree", "17", "--plot", "north",
                               ok=False).output
    assert "farm 'valley' has no tree '17'" in admin("add-device", "node-c", "--farm", "valley", "--tree", "17",
                                                      ok=False).output
    with registry() as session:
        assert session.get(Device, "node-b").plot.name == "north"
        assert session.get(Device, "node-c") is None


def test_a_device_id_is_unique_and_never_a_service_account(admin, node_a):
    assert "already exists" in admin("add-device", "node-a", "--farm", "valley", ok=False).output
    result = admin("add-device", "orchard-ingest", "--farm", "hillside", ok=False)
    assert result.exit_code == 1 and "broker account of a service" in result.output


def test_a_bad_broker_url_is_refused_before_the_device_is_added(admin, hillside, registry):
    assert admin("add-device", "node-x", "--farm", "hillside", "--broker-url", "http://x", ok=False).exit_code == 2
    with registry() as session:
        assert session.get(Device, "node-x") is None


def test_a_camera_sees_the_trees_it_is_given(admin, node_a, registry):
    assert "sees 17, 18" in admin("add-camera", "cam-1", "--device", "node-a", "--tree", "17", "--tree", "18").output
    with registry() as session:
        camera = session.scalar(select(Camera))
        assert (camera.id, camera.device_id, [t.label for t in camera.trees]) == ("cam-1", "node-a", ["17", "18"])
    assert admin("list", "cameras").output.splitlines()[1].split() == ["cam-1", "node-a", "hillside", "17,", "18"]


def test_a_camera_cannot_see_a_tree_of_another_farm(admin, node_a):
    admin("add-tree", "valley", "1")
    result = admin("add-camera", "cam-1", "--device", "node-a", "--tree", "1", ok=False)
    assert "farm 'hillside' has no tree '1'" in result.output
    assert "no cameras" in admin("list", "cameras").output
