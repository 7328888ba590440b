"""Time-series stores: one interface, an InfluxDB and an SQLite backend, chosen by URL."""

from __future__ import annotations

from orchard.errors import SettingsError
from orchard.store.base import TimeSeriesStore, choose_bucket_ms

__all__ = ["TimeSeriesStore", "choose_bucket_ms", "open_store"]


def open_store(url: str, token: str | None = None) -> TimeSeriesStore:
    """Open the store named by ORCHARD_STORE_URL (`influxdb://...` or `sqlite:///...`)."""
    scheme = url.split(":", 1)[0].lower()
    if scheme in ("influxdb", "influxdb+http", "influxdb+https"):
        from orchard.store.influx import InfluxStore

        return InfluxStore.from_url(url, token=token)
    if scheme == "sqlite":
        from orchard.store.sqlite import SqliteStore

        return SqliteStore.from_url(url)
    raise SettingsError(
        f"ORCHARD_STORE_URL: unknown scheme {scheme!r}; use influxdb://host:port/db or sqlite:///path.db"
    )
