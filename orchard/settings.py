"""All configuration, from ORCHARD_* environment variables and an optional ./.env file.

A wrong or unknown variable stops the service with one line naming it. Any setting
may instead be read from a file named by ORCHARD_<NAME>_FILE (docker secrets).
"""

from __future__ import annotations

import difflib
import ipaddress
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from dotenv import dotenv_values
from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from orchard.errors import SettingsError
from orchard.topics import ID_PATTERN

PREFIX = "ORCHARD_"
# Variables that are not settings but are read by the tooling around them.
NOT_SETTINGS = {"ORCHARD_REQUIRE_SERVICES"}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=PREFIX, env_file=None, extra="forbid", validate_default=True
    )

    mqtt_url: str = "mqtt://127.0.0.1:1883"
    mqtt_password: SecretStr | None = Field(default=None, description="for the URL's user, if not in the URL")
    # Empty means the default in data_dir, filled in after validation: always a URL once loaded.
    store_url: str = Field(default="", description="influxdb://... or sqlite:///...")
    influx_token: SecretStr | None = None
    db_url: str = ""
    db_password: SecretStr | None = Field(default=None, description="for ORCHARD_DB_URL's user, if not in the URL")
    data_dir: Path = Path("data")
    secret_key: SecretStr | None = None
    shop_secret: SecretStr | None = Field(default=None, description="signs the shop's order webhook")
    log_level: str = "INFO"
    # Web services: the origin people use (its https makes the session cookie Secure), and the proxies
    # whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks, comma-separated).
    public_url: str | None = Field(default=None, description="e.g. https://orchard.example.coop")
    trusted_proxies: str = Field(default="", description="e.g. 127.0.0.1, 172.18.0.0/16")

    # The Pi agent: who it is and what it reads.
    farm: str | None = None
    device: str | None = None
    sensors: str = ""
    interval_s: float = Field(default=60.0, gt=0)
    spool_max_items: int = Field(default=2_000_000, gt=0)

    # Cameras on the Pi: "cam-id=/dev/video0" or "cam-id=rtsp://..." entries, comma-separated.
    cameras: str = ""
    camera_idle_s: float = Field(default=300.0, gt=0, description="seconds between snapshots while nobody watches")
    camera_live_fps: float = Field(default=2.0, gt=0, le=30)
    # 1024x576 at quality 75 keeps an idle camera near 11 MB a day on the uplink (bench/streams).
    camera_width: int = Field(default=1024, ge=64, le=7680)
    camera_height: int = Field(default=576, ge=48, le=4320)
    camera_quality: int = Field(default=75, ge=10, le=100, description="JPEG quality")

    # The streams relay.
    streams_client_id: str = "orchard-streams"
    archive_every_s: float = Field(default=300.0, gt=0,
                                   description="at most one archived snapshot per camera this often")
    archive_days: float = Field(default=30.0, gt=0,
                                description="archived snapshots older than this are thinned to one a day")

    # The dashboard: where browsers fetch camera images (the relay's /cameras, on the same origin behind a proxy).
    cameras_url: str = Field(default="/cameras", description="camera relay base URL as browsers reach it")

    # Retention of readings: raw kept this many days, hourly rollups for good (orchard/retention.py).
    raw_days: float = Field(default=90.0, gt=0, description="days raw readings are kept")
    # An hour completes once an hour: running more often only re-reads the lookback sooner.
    rollup_every_s: float = Field(default=3600.0, ge=0, description="how often each ingester rolls up (0: never)")
    rollup_lookback_hours: int = Field(default=72, ge=1, le=24 * 30,
                                       description="hours re-rolled each run, for readings that arrive late")

    # The ingester. Several share the telemetry through an MQTT 5 shared subscription when a group is set;
    # each then needs its own client id (empty: orchard-ingest alone; in a group, one kept in the data dir).
    ingest_client_id: str = Field(default="", description="the ingester's persistent MQTT session")
    ingest_group: str = Field(default="", description="shared-subscription group; empty: a plain subscription")
    ingest_session_expiry_s: int = Field(default=7 * 86400, gt=0, le=0xFFFFFFFE,
                                         description="how long the broker keeps a group member's session")
    ingest_batch_size: int = Field(default=5000, gt=0)
    ingest_batch_ms: int = Field(default=200, gt=0)

    # The alerts service.
    alerts_interval_s: float = Field(default=30.0, gt=0, description="seconds between evaluations")
    alerts_device_interval_s: float = Field(
        default=60.0, gt=0, description="a device's reporting interval until learned from its readings")
    alerts_client_id: str = "orchard-alerts"
    # Alert notifications (alerts/delivery.py): how long a message is retried, how long one post may take.
    alerts_give_up_s: float = Field(default=3600.0, gt=0, description="seconds after an alert its message is given up")
    alerts_send_timeout_s: float = Field(default=10.0, gt=0, le=120, description="seconds one post may take")

    @field_validator("mqtt_url")
    @classmethod
    def _mqtt_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("mqtt", "mqtts") or not parts.hostname:
            raise ValueError("must look like mqtt://[user:pass@]host:port or mqtts://...")
        try:
            _ = parts.port  # urlsplit checks the port only when it is read
        except ValueError:
            raise ValueError("has a port that is not a number") from None
        return value

    @field_validator("store_url")
    @classmethod
    def _store_url(cls, value: str) -> str:
        if not value:
            return value
        scheme = value.split(":", 1)[0]
        if scheme not in ("influxdb", "influxdb+http", "influxdb+https", "sqlite"):
            raise ValueError("must start with influxdb://, influxdb+https:// or sqlite:///")
        if scheme.startswith("influxdb") and not urlsplit(value).path.strip("/"):
            raise ValueError("needs a database name: influxdb://host:8086/orchard")
        return value

    @field_validator("cameras_url")
    @classmethod
    def _cameras_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if not (value.startswith("/") or (parts.scheme in ("http", "https") and parts.hostname)):
            raise ValueError("must be a path like /cameras or a URL like https://example.org/cameras")
        return value.rstrip("/") or "/"

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("must look like https://orchard.example.coop")
        return value.rstrip("/")

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        for entry in filter(None, (part.strip() for part in value.split(","))):
            try:
                ipaddress.ip_network(entry, strict=False)
            except ValueError:
                raise ValueError(f"{entry!r} is not an IP address or network like 10.0.0.0/8") from None
        return value

    @field_validator("ingest_group")
    @classmethod
    def _ingest_group(cls, value: str) -> str:
        if value and not ID_PATTERN.fullmatch(value):
            raise ValueError(f"must match {ID_PATTERN.pattern} (it becomes $share/<group>/... on the broker)")
        return value

    @field_validator("ingest_client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        if len(value) > 128 or any(not c.isprintable() or c.isspace() for c in value):
            raise ValueError("must be at most 128 printable characters without spaces")
        return value

    @field_validator("farm", "device")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        if value is not None and not ID_PATTERN.fullmatch(value):
            raise ValueError(f"must match {ID_PATTERN.pattern} (lower-case letters, digits, - and _)")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        if value.upper() not in ("DEBUG", "INFO", "WARNING", "ERROR"):
            raise ValueError("must be DEBUG, INFO, WARNING or ERROR")
        return value.upper()

    @model_validator(mode="after")
    def _raw_window(self) -> Settings:
        if self.raw_days * 24 <= self.rollup_lookback_hours:
            raise ValueError("ORCHARD_RAW_DAYS must be longer than ORCHARD_ROLLUP_LOOKBACK_HOURS")
        return self

    @model_validator(mode="after")
    def _defaults_in_data_dir(self) -> Settings:
        if self.mqtt_password is not None:
            parts = urlsplit(self.mqtt_url)
            if not parts.username:
                raise ValueError("ORCHARD_MQTT_PASSWORD needs a user in ORCHARD_MQTT_URL (mqtt://user@host:port)")
            secret = quote(self.mqtt_password.get_secret_value(), safe="")
            host = parts.netloc.rsplit("@", 1)[1]
            self.mqtt_url = urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{host}"))
        if self.db_password is not None:
            if not self.db_url.startswith(("postgresql://", "postgres://")) or not urlsplit(self.db_url).username:
                raise ValueError("ORCHARD_DB_PASSWORD needs a user in ORCHARD_DB_URL (postgresql://user@host/db)")
            parts = urlsplit(self.db_url)
            secret = quote(self.db_password.get_secret_value(), safe="")
            host = parts.netloc.rsplit("@", 1)[1]
            self.db_url = urlunsplit(parts._replace(netloc=f"{parts.username}:{secret}@{host}"))
        if not self.store_url:
            self.store_url = f"sqlite:///{self.data_dir / 'readings.db'}"
        if not self.db_url:
            self.db_url = f"sqlite:///{self.data_dir / 'registry.db'}"
        if not self.ingest_client_id and not self.ingest_group:
            self.ingest_client_id = "orchard-ingest"  # in a group, empty: the ingester picks one (ingest.subscriber)
        return self

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, *, env_file: str | Path | None = None,
             **overrides: Any) -> Settings:
        """Settings from the environment and `.env` (the environment wins), or SettingsError in one line.

        Without `environ` the process environment and `./.env` are read; both then go
        through the same checks, so a typo or an `_FILE` works alike in either.
        """
        if environ is None:
            environ, env_file = os.environ, env_file or ".env"
        merged = {**read_env_file(env_file), **environ} if env_file else dict(environ)
        known = {PREFIX + name.upper() for name in cls.model_fields}
        values: dict[str, Any] = {}
        for key, value in merged.items():
            if not key.startswith(PREFIX) or key in NOT_SETTINGS:
                continue
            if key in known:
                values[key[len(PREFIX):].lower()] = value
                continue
            base = key.removesuffix("_FILE")
            if key.endswith("_FILE") and base in known:
                if base in merged:
                    raise SettingsError(f"{base} and {key} are both set: keep one")
                try:
                    values[base[len(PREFIX):].lower()] = Path(value).read_text().strip()
                except OSError as exc:
                    raise SettingsError(f"{key}: cannot read {value}: {exc.strerror}") from None
                continue
            close = difflib.get_close_matches(key, sorted(known), n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise SettingsError(f"{key} is not an Orchard setting{hint}")
        try:
            return cls(_env_file=None, **{**values, **overrides})
        except ValidationError as exc:
            raise SettingsError(describe(exc)) from None


def read_env_file(path: str | Path) -> dict[str, str]:
    """The ORCHARD_* lines of a .env file (other tools' variables may share it); {} if there is none."""
    if not Path(path).is_file():
        return {}
    return {key: value for key, value in dotenv_values(path).items()
            if key.startswith(PREFIX) and value is not None}


def describe(exc: ValidationError) -> str:
    """One line naming the first bad variable and what is wrong with it."""
    error = exc.errors()[0]
    if not error["loc"]:  # a rule about several settings names them itself
        return error["msg"].removeprefix("Value error, ")
    name = PREFIX + "_".join(str(part) for part in error["loc"]).upper()
    message = error["msg"].removeprefix("Value error, ")
    if error["type"] == "extra_forbidden":
        return f"{name} is not an Orchard setting"
    return f"{name}: {message} (got {error.get('input')!r:.80})"
