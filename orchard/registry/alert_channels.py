"""A farm's alert channels: checked on the way in, and shown without their secrets.

The URL of a WeCom robot carries its key and a DingTalk robot's its access token: whoever has
the URL may post to the group, so it is a secret like the signing secret. `masked_url` is the
only form in which a channel's URL leaves the registry (lists, logs, errors).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit, urlunsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Invalid, NotFound
from orchard.registry.alerting import AlertChannel, ChannelKind
from orchard.registry.models import Farm
from orchard.text import control_problem, name_problem

KINDS = ", ".join(kind.value for kind in ChannelKind)
MAX_URL = 1000
MAX_SECRET = 200
SHOWN = 4  # characters of a secret shown before the ellipsis
# The query parameter that holds a robot's credential, and what the URL looks like.
ROBOT_CREDENTIAL = {
    ChannelKind.WECOM: ("key", "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=..."),
    ChannelKind.DINGTALK: ("access_token", "https://oapi.dingtalk.com/robot/send?access_token=..."),
}


def check_kind(kind: str) -> ChannelKind:
    try:
        return ChannelKind(kind)
    except ValueError:
        raise Invalid(f"kind: {str(kind)[:40]!r} is not a channel kind; use one of {KINDS}") from None


def check_url(kind: ChannelKind, url: str) -> str:
    """The URL if a channel of `kind` can post to it; Invalid saying what is wrong (the URL itself not repeated)."""
    url = url.strip()
    problem = control_problem(url)
    if problem:
        raise Invalid(f"url: {problem}")
    if len(url) > MAX_URL:
        raise Invalid(f"url: longer than {MAX_URL} characters")
    try:
        parts = urlsplit(url)
        _ = parts.port  # urlsplit checks the port only when it is read
    except ValueError:
        raise Invalid("url: is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise Invalid("url: must be an http:// or https:// URL with a host")
    if parts.username or parts.password:
        raise Invalid("url: must not hold a user or password; a webhook signs with its secret instead")
    if kind in ROBOT_CREDENTIAL:
        name, example = ROBOT_CREDENTIAL[kind]
        if not parse_qs(parts.query).get(name, [""])[0]:
            raise Invalid(f"url: a {kind.value} robot's URL carries its {name}, like {example}")
    return url


def check_secret(secret: str | None) -> str | None:
    if secret is None or not secret.strip():
        return None
    secret = secret.strip()
    problem = control_problem(secret)
    if problem:
        raise Invalid(f"secret: {problem}")
    if len(secret) > MAX_SECRET:
        raise Invalid(f"secret: longer than {MAX_SECRET} characters")
    return secret


def add_channel(session: Session, farm_id: str, kind: str, url: str, *, name: str = "",
                secret: str | None = None) -> AlertChannel:
    """A new enabled channel of a farm; Invalid for a bad kind, URL, name or secret, NotFound for no farm."""
    channel_kind = check_kind(kind)
    checked_url = check_url(channel_kind, url)
    problem = name_problem(name) if name else None
    if problem:
        raise Invalid(f"name: {problem}")
    if len(name) > 100:
        raise Invalid("name: longer than 100 characters")
    if session.get(Farm, farm_id) is None:
        raise NotFound(f"no farm {farm_id!r}")
    channel = AlertChannel(farm_id=farm_id, kind=channel_kind, name=name, url=checked_url,
                           secret=check_secret(secret), enabled=True)
    session.add(channel)
    session.flush()
    return channel


def list_channels(session: Session, farm_id: str | None = None) -> list[AlertChannel]:
    query = select(AlertChannel).order_by(AlertChannel.farm_id, AlertChannel.id)
    if farm_id is not None:
        query = query.where(AlertChannel.farm_id == farm_id)
    return list(session.scalars(query))


def get_channel(session: Session, farm_id: str, channel_id: int) -> AlertChannel:
    """A farm's channel; NotFound if the farm has no such channel."""
    channel = session.get(AlertChannel, channel_id)
    if channel is None or channel.farm_id != farm_id:
        raise NotFound(f"farm {farm_id!r} has no alert channel {channel_id}")
    return channel


def remove_channel(session: Session, farm_id: str, channel_id: int) -> None:
    """Delete a channel; its undelivered messages go with it."""
    session.delete(get_channel(session, farm_id, channel_id))
    session.flush()


def _hide(value: str) -> str:
    return value[:SHOWN] + "…" if len(value) > SHOWN else "…"


def masked_url(url: str) -> str:
    """The URL with every query value and every long path segment cut to a few characters: safe to show or log."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
    except ValueError:
        return "(not a URL)"
    segments = [_hide(part) if len(part) >= 16 else part for part in parts.path.split("/")]
    query = "&".join(f"{key}={_hide(value)}" for pair in parts.query.split("&") if pair
                     for key, _, value in [pair.partition("=")])
    return urlunsplit((parts.scheme, host + port, "/".join(segments), query, ""))


def masked_secret(secret: str | None) -> str | None:
    return None if not secret else _hide(secret)
