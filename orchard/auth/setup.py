"""What a web service builds from the settings to know who is asking: one way for api, streams and dashboard."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.policy import Policy
from orchard.auth.secret import check_secret
from orchard.registry.db import session_factory
from orchard.settings import Settings


def secret_of(settings: Settings) -> str:
    """ORCHARD_SECRET_KEY, checked: a service refuses to start rather than sign with a weak key."""
    return check_secret(settings.secret_key.get_secret_value() if settings.secret_key else None)


def policy_for(settings: Settings, sessions: sessionmaker[Session] | None = None, cache_s: float = 5.0) -> Policy:
    """The policy over the registry (ORCHARD_DB_URL, unless sessions are handed in), signing with the secret."""
    return Policy(sessions or session_factory(settings.db_url), secret_of(settings), cache_s=cache_s)


def proxy_options(settings: Settings) -> dict[str, Any]:
    """uvicorn's options so that X-Forwarded-For/-Proto count only from ORCHARD_TRUSTED_PROXIES (default: nobody).

    uvicorn itself would trust them from 127.0.0.1, which lets anything on the machine pick its address.
    """
    proxies = [entry.strip() for entry in settings.trusted_proxies.split(",") if entry.strip()]
    return {"proxy_headers": bool(proxies), "forwarded_allow_ips": proxies}
