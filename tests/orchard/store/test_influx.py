"""The InfluxDB backend: URLs and headers on the wire, and behaviour against a real influxd."""

from __future__ import annotations

import base64
import logging
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from orchard.errors import SettingsError, StoreError, StoreUnavailable
from orchard.readings import Latest, Reading, Series
from orchard.store import open_store
from orchard.store.influx import InfluxStore
from orchard.store.lineprotocol import quote_string
from tests.services import Influxd

TAGS = {"farm": "f1", "device": "d1"}
T0 = 1_700_000_000_000


class Wire:
    """An httpx MockTransport that records requests and answers like an empty InfluxDB 1.x."""

    def __init__(self, answer=None) -> None:
        self.requests: list[httpx.Request] = []
        self.answer = answer

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.answer is not None:
            return self.answer(request)
        if request.url.path == "/query":
            return httpx.Response(200, json={"results": [{"statement_id": 0}]})
        return httpx.Response(204)

    def store(self, url: str, token: str | None = None) -> InfluxStore:
        return InfluxStore.from_url(url, token=token, transport=httpx.MockTransport(self))


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


# URLs and headers (on the wire only)

@pytest.mark.parametrize("url, base", [
    ("influxdb://127.0.0.1:8086/orchard", "http://127.0.0.1:8086"),
    ("influxdb://influx.lan/orchard", "http://influx.lan:8086"),
    ("influxdb+http://influx.lan:9999/orchard", "http://influx.lan:9999"),
    ("influxdb+https://influx.example.org/orchard", "https://influx.example.org:8086"),
    ("INFLUXDB+HTTPS://influx.example.org:443/orchard/", "https://influx.example.org"),
    ("influxdb://[::1]:8086/orchard", "http://[::1]:8086"),
])
def test_url_names_server_and_database(url, base):
    wire = Wire()
    store = wire.store(url)
    store.write([Reading("air_temp_c", 20.0, T0, TAGS)])
    create, write = wire.requests
    assert str(create.url) == f"{base}/query"
    assert create.method == "POST" and create.content == b"q=CREATE+DATABASE+%22orchard%22"
    assert write.method == "POST"
    assert str(write.url) == f"{base}/write?db=orchard&precision=ms"
    assert write.content == b"readings,device=d1,farm=f1,metric=air_temp_c value=20.0 1700000000000"
    assert "authorization" not in write.headers


def test_percent_encoded_user_and_password_become_basic_auth():
    wire = Wire()
    wire.store("influxdb://field%40coop:p%3Ass%2Fw%40rd%20%E6%9E%9C@h:8086/my%20db").latest()
    (create, select) = wire.requests
    assert select.headers["authorization"] == basic("field@coop", "p:ss/w@rd 果")
    assert select.url.params["db"] == "my db"
    assert select.method == "GET" and select.url.params["epoch"] == "ms"
    assert select.url.params["q"] == 'SELECT last("value"::field) FROM "readings" GROUP BY *'


def test_a_token_is_sent_as_token_authorization_instead_of_basic():
    wire = Wire()
    store = wire.store("influxdb+https://user:pw@cloud.example.org:443/bucket", token="s3cr3t==")
    store.write([Reading("rain_mm", 0.2, T0, TAGS)])
    assert {r.headers["authorization"] for r in wire.requests} == {"Token s3cr3t=="}
    assert str(wire.requests[-1].url).startswith("https://cloud.example.org/write?db=bucket")


def test_open_store_passes_the_token():
    store = open_store("influxdb://127.0.0.1:1/orchard", token="t")
    assert isinstance(store, InfluxStore) and store._client.headers["authorization"] == "Token t"
    store.close()


@pytest.mark.parametrize("url", ["influxdb://host:8086", "influxdb://host:8086/", "influxdb://host:port/db",
                                 "influxdb:///db", "influxdb://host/a/b", "influx://host/db"])
def test_bad_urls_are_settings_errors(url):
    with pytest.raises(SettingsError, match="ORCHARD_STORE_URL"):
        InfluxStore.from_url(url)


def test_a_large_write_is_split_into_requests_of_5000_lines():
    wire = Wire()
    wire.store("influxdb://h/orchard").write([Reading("m", float(i), T0 + i, TAGS) for i in range(12_001)])
    writes = [r for r in wire.requests if r.url.path == "/write"]
    assert [r.content.count(b"\n") + 1 for r in writes] == [5000, 5000, 2001]


@pytest.mark.parametrize("status", [500, 502, 503, 408, 429])
def test_server_trouble_is_unavailable(status):
    wire = Wire(lambda request: httpx.Response(status, json={"error": "overloaded"}))
    with pytest.raises(StoreUnavailable, match="overloaded"):
        wire.store("influxdb://h/orchard").write([Reading("m", 1.0, T0, TAGS)])


def test_a_2x_refusal_to_create_the_database_is_logged_once_and_ignored(caplog):
    def answer(request: httpx.Request) -> httpx.Response:
        if b"CREATE" in request.content:
            return httpx.Response(401, json={"code": "unauthorized", "message": "unauthorized access"})
        return Wire()(request)

    wire = Wire(answer)
    store = wire.store("influxdb://h/bucket", token="t")
    with caplog.at_level(logging.INFO, logger="orchard.store.influx"):
        for _ in range(3):
            store.write([Reading("m", 1.0, T0, TAGS)])
    assert [r.url.path for r in wire.requests] == ["/query", "/write", "/write", "/write"]
    assert len([r for r in caplog.records if "unauthorized access" in r.getMessage()]) == 1


def test_ping_accepts_1x_and_3x_answers():
    Wire(lambda request: httpx.Response(204)).store("influxdb://h/db").ping()
    Wire(lambda request: httpx.Response(200, json={"version": "3.0"})).store("influxdb://h/db").ping()
    with pytest.raises(StoreUnavailable):
        Wire(lambda request: httpx.Response(404)).store("influxdb://h/db").ping()


# Against a real influxd

@pytest.fixture
def store(influxd_session) -> Iterator[InfluxStore]:
    with InfluxStore.from_url(influxd_session.url(f"t_{uuid.uuid4().hex}")) as influx_store:
        yield influx_store


def test_readings_land_in_the_documented_schema(store, influxd_session):
    store.write([Reading("soil_temp_c", 12.5, T0, {**TAGS, "tree": "t1"})])
    result = influxd_session.query('SELECT * FROM "readings"', database=store.database)
    (series,) = result["results"][0]["series"]
    assert series["columns"] == ["time", "device", "farm", "metric", "tree", "value"]
    assert series["values"] == [[T0, "d1", "f1", "soil_temp_c", "t1", 12.5]]
    fields = influxd_session.query('SHOW FIELD KEYS FROM "readings"', database=store.database)
    assert fields["results"][0]["series"][0]["values"] == [["value", "float"]]


def test_bad_queries_are_store_errors(store):
    store.ping()
    with pytest.raises(StoreError, match="error parsing query") as refused:
        store.influxql("SELEC nothing")
    assert not isinstance(refused.value, StoreUnavailable)
    with pytest.raises(StoreError, match="database not found"):
        store.influxql('SELECT last("value") FROM "no_such_db".."readings"')


def test_a_partial_write_is_a_store_error(store, influxd_session):
    assert store.latest() == []  # creates the database
    # Someone wrote `value` as a string into the shard first: every float now conflicts.
    httpx.post(f"http://127.0.0.1:{influxd_session.port}/write", params={"db": store.database, "precision": "ms"},
               content=f'readings,metric=n value="x" {T0}'.encode()).raise_for_status()
    with pytest.raises(StoreError, match="field type conflict") as refused:
        store.write([Reading("m", 2.0, T0 + 1, TAGS)])
    assert not isinstance(refused.value, StoreUnavailable)


def test_a_tag_influxdb_would_mangle_refuses_the_batch_before_sending(store):
    with pytest.raises(StoreError, match="reserved"):
        store.write([Reading("m", 1.0, T0, TAGS), Reading("m", 1.0, T0, {"metric": "x"})])
    assert store.latest() == []


def test_a_dropped_database_is_created_again_on_write(store, influxd_session):
    store.write([Reading("m", 1.0, T0, TAGS)])
    httpx.post(f"http://127.0.0.1:{influxd_session.port}/query",
               data={"q": f'DROP DATABASE "{store.database}"'}).raise_for_status()
    store.write([Reading("m", 2.0, T0 + 1, TAGS)])
    assert store.latest() == [Latest(Series.of("m", TAGS), T0 + 1, 2.0)]


def test_an_outage_is_unavailable_and_the_same_store_works_when_influxd_is_back(influxd, caplog):
    store = InfluxStore.from_url(influxd.url(), timeout=httpx.Timeout(2.0))
    store.write([Reading("m", 1.0, T0, TAGS)])
    influxd.stop()
    with caplog.at_level(logging.INFO, logger="orchard.store.influx"):
        for call in (lambda: store.write([Reading("m", 2.0, T0 + 1, TAGS)]), store.latest, store.ping,
                     lambda: store.query(Series.of("m", TAGS), T0, T0 + 10)):
            with pytest.raises(StoreUnavailable):
                call()
        influxd.start()
        store.ping()
        store.write([Reading("m", 3.0, T0 + 2, TAGS)])
    assert store.latest() == [Latest(Series.of("m", TAGS), T0 + 2, 3.0)]
    messages = [(r.levelname, r.getMessage()) for r in caplog.records]
    assert [level for level, _ in messages] == ["WARNING", "INFO"], messages
    store.close()


class AuthInfluxd(Influxd):
    """influxd with authentication on and an admin whose password needs percent-encoding."""

    admin, password = "admin", "p@ss:w/rd 果'"

    def __init__(self, workdir: Path) -> None:
        super().__init__(workdir)
        self.conf.write_text(self.conf.read_text().replace("[http]\n", "[http]\n  auth-enabled = true\n"))

    def run(self, statement: str) -> None:
        httpx.post(f"http://127.0.0.1:{self.port}/query", data={"q": statement},
                   auth=(self.admin, self.password)).raise_for_status()


@pytest.fixture(scope="module")
def auth_influxd(tmp_path_factory) -> Iterator[AuthInfluxd]:
    server = AuthInfluxd(tmp_path_factory.mktemp("influxd-auth"))
    server.start()
    try:
        # With no users yet, influxd lets anyone create the first admin.
        httpx.post(f"http://127.0.0.1:{server.port}/query", data={
            "q": f"CREATE USER {server.admin} WITH PASSWORD {quote_string(server.password)} WITH ALL PRIVILEGES",
        }).raise_for_status()
        yield server
    finally:
        server.stop()


def test_basic_auth_from_the_url_reaches_a_secured_influxd(auth_influxd):
    url = f"influxdb://admin:p%40ss%3Aw%2Frd%20%E6%9E%9C%27@127.0.0.1:{auth_influxd.port}/secured"
    with InfluxStore.from_url(url) as store:
        store.write([Reading("m", 5.0, T0, TAGS)])
        assert store.latest() == [Latest(Series.of("m", TAGS), T0, 5.0)]


def test_a_wrong_password_is_a_store_error_not_an_outage(auth_influxd):
    with InfluxStore.from_url(f"influxdb://admin:guess@127.0.0.1:{auth_influxd.port}/secured") as store:
        with pytest.raises(StoreError, match="authorization failed") as refused:
            store.write([Reading("m", 5.0, T0, TAGS)])
    assert not isinstance(refused.value, StoreUnavailable)


def test_a_user_who_may_not_create_databases_still_writes_to_an_existing_one(auth_influxd):
    auth_influxd.run('CREATE DATABASE "coop"')
    auth_influxd.run("CREATE USER ingest WITH PASSWORD 'ingest-pw'")
    auth_influxd.run('GRANT ALL ON "coop" TO ingest')
    with InfluxStore.from_url(f"influxdb://ingest:ingest-pw@127.0.0.1:{auth_influxd.port}/coop") as store:
        store.write([Reading("m", 6.0, T0, TAGS)])
        assert store.latest() == [Latest(Series.of("m", TAGS), T0, 6.0)]


def test_a_bucket_answered_with_a_null_aggregate_is_left_out():
    """InfluxDB 1.x sometimes answers a bucket being written with a null min: skip it, keep the rest."""
    from orchard.store.influx import buckets_of

    result = {"columns": ["time", "mean", "min", "max", "count"],
              "values": [[0, 1.0, 0.5, 1.5, 2], [60_000, 2.0, None, 2.0, 1], [120_000, 3.0, 3.0, 3.0, 1]]}
    assert [b.start_ms for b in buckets_of(result)] == [0, 120_000]
