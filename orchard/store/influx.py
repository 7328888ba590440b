"""The InfluxDB backend: line protocol to /write, InfluxQL to /query (InfluxDB's 1.x HTTP API).

InfluxDB 1.x serves this API natively, 2.x and 3.x through their v1 compatibility
endpoints (token auth, bucket or database as `db`), so one code path serves them all.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import unquote, urlsplit

import httpx
import orjson

from orchard.errors import SettingsError, StoreError, StoreRejected, StoreUnavailable
from orchard.readings import Bucket, Latest, Reading, Series, Summary
from orchard.store.base import TimeSeriesStore, choose_bucket_ms
from orchard.store.influx_rollups import InfluxRollups
from orchard.store.lineprotocol import (
    FIELD,
    MEASUREMENT,
    METRIC_TAG,
    LineEncoder,
    quote_ident,
    tag_conditions,
)
from orchard.store.rollups import plan_read

log = logging.getLogger(__name__)

SCHEMES = {"influxdb": "http", "influxdb+http": "http", "influxdb+https": "https"}
DEFAULT_PORT = 8086
LINES_PER_REQUEST = 5000
TIMEOUT = httpx.Timeout(30.0, connect=5.0, pool=10.0)
# Answers that mean "busy or broken for now": the caller spools and retries.
RETRY_LATER = frozenset({408, 429})

_VALUE = f"{quote_ident(FIELD)}::field"
_FROM = quote_ident(MEASUREMENT)


def _sort_key(series: Series) -> tuple[str, tuple[tuple[str, str], ...]]:
    return series.metric, series.tags


def _message(response: httpx.Response) -> str:
    """The server's own words for an error: 1.x says {"error"}, 2.x {"message"}."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        body = None
    if isinstance(body, dict):
        for key in ("error", "message"):
            if body.get(key):
                return str(body[key])
    return response.text.strip()[:500] or response.reason_phrase


class InfluxStore(InfluxRollups, TimeSeriesStore):
    """Readings in the measurement `readings`: tags plus `metric`, one float field `value`."""

    def __init__(self, base_url: str, database: str, *, username: str | None = None,
                 password: str | None = None, token: str | None = None,
                 timeout: httpx.Timeout = TIMEOUT, transport: httpx.BaseTransport | None = None) -> None:
        headers = {"User-Agent": "orchard-live"}
        auth = None
        if token:
            headers["Authorization"] = f"Token {token}"
        elif username is not None:
            auth = httpx.BasicAuth(username, password or "")
        self.base_url = base_url
        self.database = database
        self._client = httpx.Client(
            base_url=base_url, auth=auth, headers=headers, timeout=timeout, transport=transport,
            limits=httpx.Limits(max_connections=16, max_keepalive_connections=8, keepalive_expiry=30),
        )
        self._encoder = LineEncoder()
        self._database_checked = False
        self._refusal_logged = False
        self._database_lock = threading.Lock()
        self._down = False

    @classmethod
    def from_url(cls, url: str, token: str | None = None, **options: Any) -> InfluxStore:
        """Open `influxdb://[user:pass@]host[:port]/db`; `influxdb+https://` for TLS, port 8086 by default."""
        parts = urlsplit(url)
        scheme = SCHEMES.get(parts.scheme.lower())
        database = unquote(parts.path.strip("/"))
        try:
            port = parts.port or DEFAULT_PORT
        except ValueError:
            raise SettingsError("ORCHARD_STORE_URL: the port is not a number") from None
        if scheme is None or not parts.hostname or not database or "/" in database:
            raise SettingsError("ORCHARD_STORE_URL: must look like influxdb://[user:pass@]host:port/db "
                                "or influxdb+https://...")
        username = unquote(parts.username) if parts.username is not None else None
        password = unquote(parts.password) if parts.password is not None else None
        base_url = str(httpx.URL(scheme=scheme, host=parts.hostname, port=port))
        return cls(base_url, database, username=username, password=password, token=token, **options)

    def __repr__(self) -> str:
        return f"InfluxStore({self.base_url!r}, {self.database!r})"

    # Writes

    def write(self, readings: Sequence[Reading]) -> None:
        """POST the readings as line protocol, LINES_PER_REQUEST lines per request."""
        if not readings:
            return
        lines = self._encoder.encode(readings)
        self._ensure_database()
        for start in range(0, len(lines), LINES_PER_REQUEST):
            self._write_lines("\n".join(lines[start:start + LINES_PER_REQUEST]).encode())

    def _write_lines(self, body: bytes) -> None:
        params = {"db": self.database, "precision": "ms"}
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        response = self._request("POST", "/write", params=params, content=body, headers=headers)
        if response.status_code == 404 and "database not found" in _message(response):
            # Dropped or wiped since we created it (a fresh container): create it again, once.
            with self._database_lock:
                self._database_checked = False
            self._ensure_database()
            response = self._request("POST", "/write", params=params, content=body, headers=headers)
        if response.status_code == 400:
            # Bad line protocol, a field type conflict, points outside the retention policy.
            raise StoreRejected(f"InfluxDB refused the points (400): {_message(response)}")
        self._judge(response)

    def _ensure_database(self) -> None:
        """CREATE DATABASE once (idempotent in 1.x); where that is refused, the database must exist."""
        if self._database_checked:
            return
        with self._database_lock:
            if self._database_checked:
                return
            statement = f"CREATE DATABASE {quote_ident(self.database)}"
            response = self._request("POST", "/query", data={"q": statement})
            refusal = _message(response) if response.status_code >= 300 else self._result_error(response)
            if refusal and not self._refusal_logged:
                self._refusal_logged = True
                log.info("InfluxDB at %s would not create database %r (%s); assuming it exists",
                         self.base_url, self.database, refusal)
            self._database_checked = True

    @staticmethod
    def _result_error(response: httpx.Response) -> str | None:
        try:
            results = orjson.loads(response.content).get("results") or [{}]
            return results[0].get("error")
        except (orjson.JSONDecodeError, AttributeError, IndexError):
            return None

    # Queries

    def latest(self, tags: Mapping[str, str] | None = None) -> list[Latest]:
        """Newest value of each matching series, from `last()` grouped by every tag."""
        found = (Latest(series, ts, value) for series, ts, value in self._last_per_series(tags))
        return sorted(found, key=lambda latest: _sort_key(latest.series))

    def list_series(self, tags: Mapping[str, str] | None = None) -> list[Series]:
        """Every matching series with raw readings or rollups; tags come back as JSON, exactly."""
        found = {series for series, _, _ in self._last_per_series(tags)}
        found.update(self._rollup_series(tags))
        return sorted(found, key=_sort_key)

    def _last_per_series(self, tags: Mapping[str, str] | None) -> list[tuple[Series, int, float]]:
        self._ensure_database()
        where = " AND ".join(tag_conditions(tags or {}))
        statement = (f"SELECT last({_VALUE}) FROM {_FROM}" + (f" WHERE {where}" if where else "")
                     + " GROUP BY *")
        rows = []
        for result in self.influxql(statement):
            series = self._series_of(result.get("tags"))
            if series is not None:
                for ts, value in result.get("values") or ():
                    rows.append((series, int(ts), float(value)))
        return rows

    def summarize(self, metric: str | None, start_ms: int, end_ms: int,
                  tags: Mapping[str, str] | None = None) -> list[Summary]:
        """Aggregates, first() and last() per series: three statements in one request."""
        if end_ms <= start_ms:
            return []
        self._ensure_database()
        wanted = {**(tags or {}), **({METRIC_TAG: metric} if metric is not None else {})}
        where = " AND ".join([*tag_conditions(wanted), f"time >= {int(start_ms)}ms", f"time < {int(end_ms)}ms"])
        selections = (f"count({_VALUE}), sum({_VALUE}), mean({_VALUE}), min({_VALUE}), max({_VALUE})",
                      f"first({_VALUE})", f"last({_VALUE})")
        statements = ";".join(f"SELECT {what} FROM {_FROM} WHERE {where} GROUP BY *" for what in selections)
        aggregates, firsts, lasts = (self._by_series(result) for result in self.influxql_each(statements))
        found = []
        for series, (_, count, total, mean, low, high) in aggregates.items():
            if count and series in firsts and series in lasts:
                found.append(Summary(series, int(count), float(total), float(mean), float(low), float(high),
                                     int(firsts[series][0]), int(lasts[series][0])))
        return sorted(found, key=lambda summary: _sort_key(summary.series))

    def _by_series(self, results: list[dict[str, Any]]) -> dict[Series, list[Any]]:
        """The one row of each series of a GROUP BY * result without time grouping."""
        rows = {}
        for result in results:
            series = self._series_of(result.get("tags"))
            if series is not None and result.get("values"):
                rows[series] = result["values"][0]
        return rows

    def query(self, series: Series, start_ms: int, end_ms: int,
              bucket_ms: int | None = None) -> list[Bucket]:
        """Mean/min/max/count per epoch-aligned bucket: GROUP BY time() over raw readings and hourly rollups."""
        width = choose_bucket_ms(start_ms, end_ms) if bucket_ms is None else int(bucket_ms)
        if width <= 0:
            raise ValueError(f"bucket_ms must be positive, not {bucket_ms}")
        if end_ms <= start_ms:
            return []
        self._ensure_database()
        plan = plan_read(int(start_ms), int(end_ms), width, self.rollup_marks())
        return self._read_planned(series, plan, width)

    def _raw_buckets(self, series: Series, start_ms: int, end_ms: int, width: int) -> list[Bucket]:
        where = " AND ".join(tag_conditions({**series.tag_dict, METRIC_TAG: series.metric}))
        statement = (
            f"SELECT mean({_VALUE}), min({_VALUE}), max({_VALUE}), count({_VALUE}) FROM {_FROM}"
            f" WHERE {where} AND time >= {int(start_ms)}ms AND time < {int(end_ms)}ms"
            # Grouping by every tag too keeps a series with more tags out of this one's buckets.
            f" GROUP BY time({width}ms), * fill(none)"
        )
        for result in self.influxql(statement):
            if self._series_of(result.get("tags")) != series:
                continue
            return buckets_of(result)
        return []

    @staticmethod
    def _series_of(tags: Mapping[str, str] | None) -> Series | None:
        """The Series of a result's tags; GROUP BY * reports tags a series lacks as ""."""
        present = {key: value for key, value in (tags or {}).items() if value}
        metric = present.pop(METRIC_TAG, None)
        return Series.of(metric, present) if metric else None

    def influxql(self, statement: str) -> list[dict[str, Any]]:
        """Run one InfluxQL statement and return its series (name, tags, columns, values).

        SELECT and SHOW go by GET, anything else by POST; a refused statement raises StoreError.
        """
        return [series for result in self.influxql_each(statement) for series in result]

    def influxql_each(self, statements: str) -> list[list[dict[str, Any]]]:
        """Run `;`-separated InfluxQL statements in one request: the series of each, in order."""
        verb = statements.lstrip()[:6].upper()
        params = {"db": self.database, "epoch": "ms"}
        if verb.startswith(("SELECT", "SHOW")):
            response = self._request("GET", "/query", params={**params, "q": statements})
        else:
            response = self._request("POST", "/query", params=params, data={"q": statements})
        self._judge(response)
        try:
            results = orjson.loads(response.content)["results"]
        except (orjson.JSONDecodeError, KeyError, TypeError):
            raise StoreError(f"InfluxDB answered /query with something else than results: "
                             f"{response.text[:200]!r}") from None
        each: list[list[dict[str, Any]]] = []
        for result in results:
            if result.get("error"):
                raise StoreError(f"InfluxDB refused the query: {result['error']}")
            if result.get("partial"):
                raise StoreError("InfluxDB cut the result short (its max-row-limit); narrow the query")
            each.append(list(result.get("series") or ()))
        return each

    # Plumbing

    def ping(self) -> None:
        """GET /ping: 204 from 1.x and 2.x, 200 from 3.x; anything else is StoreUnavailable."""
        response = self._request("GET", "/ping")
        if not response.is_success:
            raise self._went_down(f"InfluxDB at {self.base_url} answered /ping with {response.status_code}")
        self._came_back()

    def close(self) -> None:
        self._client.close()

    def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """Send one request; only an unreachable server raises here (StoreUnavailable)."""
        try:
            return self._client.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            why = str(exc) or type(exc).__name__
            raise self._went_down(f"cannot reach InfluxDB at {self.base_url}: {why}") from exc
        except httpx.HTTPError as exc:
            raise StoreError(f"InfluxDB at {self.base_url}: {exc}") from exc

    def _judge(self, response: httpx.Response) -> None:
        """5xx, 408, 429: StoreUnavailable; other 4xx: StoreError with the server's message."""
        code = response.status_code
        if code >= 500 or code in RETRY_LATER:
            raise self._went_down(f"InfluxDB at {self.base_url} answered {code}: {_message(response)}")
        self._came_back()
        if code >= 400:
            raise StoreError(f"InfluxDB refused the request ({code}): {_message(response)}")

    def _went_down(self, why: str) -> StoreUnavailable:
        if not self._down:
            self._down = True
            log.warning("%s", why)
        return StoreUnavailable(why)

    def _came_back(self) -> None:
        if self._down:
            self._down = False
            log.info("InfluxDB at %s answers again", self.base_url)


def buckets_of(result: Mapping[str, Any]) -> list[Bucket]:
    """The buckets of one GROUP BY time() result; a row with a null aggregate is skipped.

    InfluxDB 1.x can answer a bucket being written at that moment with a null min or max
    beside a count; such a bucket is left out rather than failing the whole chart.
    """
    at = {name: i for i, name in enumerate(result["columns"])}
    t, mean, low, high, count = (at[c] for c in ("time", "mean", "min", "max", "count"))
    return [Bucket(int(row[t]), float(row[mean]), float(row[low]), float(row[high]), int(row[count]))
            for row in result.get("values") or ()
            if None not in (row[mean], row[low], row[high], row[count])]
