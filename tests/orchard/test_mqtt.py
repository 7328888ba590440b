import paho.mqtt.client as paho
import pytest

from orchard import mqtt
from orchard.errors import SettingsError
from orchard.mqtt import BrokerAddress, make_client


def test_broker_url_with_credentials_and_tls():
    address = BrokerAddress.parse("mqtts://node%2F7:p%40ss@coop.example")
    assert (address.host, address.port, address.username, address.password, address.tls) == (
        "coop.example", 8883, "node/7", "p@ss", True)
    assert "p@ss" not in str(address)


def test_bad_broker_url_names_the_setting():
    with pytest.raises(SettingsError, match="ORCHARD_MQTT_URL"):
        BrokerAddress.parse("tcp://broker:1883")


def test_clients_are_stock_paho_with_short_jittered_reconnects():
    clients = [make_client("mqtt://127.0.0.1:1883", f"c{i}")[0] for i in range(50)]
    assert all(type(client) is paho.Client for client in clients)
    firsts = {client._reconnect_min_delay for client in clients}
    caps = {client._reconnect_max_delay for client in clients}
    assert len(firsts) > 40 and len(caps) > 40, "each unit draws its own waits"
    assert all(mqtt.RECONNECT_FIRST_S[0] <= d <= mqtt.RECONNECT_FIRST_S[1] for d in firsts)
    assert all(mqtt.RECONNECT_CAP_S[0] <= d <= mqtt.RECONNECT_CAP_S[1] for d in caps)
    client = clients[0]
    before = (client._reconnect_min_delay, client._reconnect_max_delay)
    client.on_pre_connect(client, None)  # paho calls it before every (re)connect attempt
    assert (client._reconnect_min_delay, client._reconnect_max_delay) != before
