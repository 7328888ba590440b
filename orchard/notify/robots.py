"""Posting one message to one channel: a JSON webhook, a WeCom group robot, a DingTalk custom robot.

Each post ends in an `Outcome`: delivered, worth retrying (5xx, 408, 429, timeouts, connection
errors, the robots' "too fast" errcodes; with the server's Retry-After if it gave one), or refused
for good (any other 4xx, a wrong signature or key). Both robots answer HTTP 200 with a JSON
`errcode`; 0 means sent. The channel's URL is never logged or put in an error: it holds a key.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import httpx

from orchard.notify.messages import Message, Notice
from orchard.registry.alerting import ChannelKind

SIGNATURE_HEADER = "X-Orchard-Signature"
TIMESTAMP_HEADER = "X-Orchard-Timestamp"
IDEMPOTENCY_HEADER = "Idempotency-Key"
WECOM_MAX_BYTES = 4096  # markdown.content
DINGTALK_MAX_BYTES = 20_000  # markdown.text
WEBHOOK_VERSION = 1
# errcodes that mean "too many messages now": retry later, not give up.
WECOM_TOO_FAST = {45009, -1}  # api freq out of limit; system busy
DINGTALK_TOO_FAST = {130101, 130102, -1}  # send too fast (20 a minute); system busy
TOO_FAST_WAIT_S = 60.0  # both robots count a minute


@dataclass(frozen=True)
class Channel:
    """What posting needs of a registry channel, detached from any session."""

    id: int
    farm_id: str
    kind: ChannelKind
    url: str
    secret: str | None = None


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    retry: bool = False
    retry_after_s: float | None = None  # the server's wish (Retry-After, or a robot's minute)
    error: str = ""

    @classmethod
    def ok(cls) -> Outcome:
        return cls(delivered=True)

    @classmethod
    def again(cls, error: str, after_s: float | None = None) -> Outcome:
        return cls(delivered=False, retry=True, retry_after_s=after_s, error=error)

    @classmethod
    def refused(cls, error: str) -> Outcome:
        return cls(delivered=False, retry=False, error=error)


def sign_body(secret: str, timestamp: int, body: bytes) -> str:
    """`sha256=<hex HMAC-SHA256 of "<timestamp>.<body>">`: the shop webhook's scheme, here from our side."""
    return "sha256=" + hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's `sign`: base64 HMAC-SHA256 of "{timestamp}\\n{secret}" keyed by the secret, URL-encoded."""
    digest = hmac.new(secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256).digest()
    return quote(base64.b64encode(digest).decode(), safe="")


def with_query(url: str, **params: str) -> str:
    parts = urlsplit(url)
    extra = "&".join(f"{key}={value}" for key, value in params.items())  # values come encoded already
    return urlunsplit(parts._replace(query=f"{parts.query}&{extra}" if parts.query else extra))


def idempotency_key(notices: list[Notice]) -> str:
    """The same events always give the same key: a receiver that saw it may drop the duplicate."""
    ids = ",".join(str(n.event_id) for n in sorted(notices, key=lambda n: n.event_id))
    return hashlib.sha256(ids.encode()).hexdigest()[:32]


def webhook_payload(message: Message, notices: list[Notice], farm: str) -> dict[str, Any]:
    return {"version": WEBHOOK_VERSION, "idempotency_key": idempotency_key(notices), "farm": farm,
            "title": message.title, "text": message.markdown(64_000, heading=False),
            "events": [n.as_json() for n in sorted(notices, key=lambda n: n.event_id)]}


def post(client: httpx.Client, channel: Channel, message: Message, notices: list[Notice], *,
         now: datetime | None = None) -> Outcome:
    """Send `message` (about `notices`) on `channel`; never raises for what the network or server does."""
    moment = now or datetime.now(UTC)
    url, headers = channel.url, {"Content-Type": "application/json"}
    if channel.kind == ChannelKind.WECOM:
        body: dict[str, Any] = {"msgtype": "markdown",
                                "markdown": {"content": message.markdown(WECOM_MAX_BYTES)}}
    elif channel.kind == ChannelKind.DINGTALK:
        body = {"msgtype": "markdown", "markdown": {"title": message.title,
                                                    "text": message.markdown(DINGTALK_MAX_BYTES)}}
        if channel.secret:
            stamp = int(moment.timestamp() * 1000)
            url = with_query(url, timestamp=str(stamp), sign=dingtalk_sign(channel.secret, stamp))
    else:
        body = webhook_payload(message, notices, channel.farm_id)
        headers[IDEMPOTENCY_HEADER] = body["idempotency_key"]
    content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    if channel.kind == ChannelKind.WEBHOOK and channel.secret:
        stamp = int(moment.timestamp())
        headers[TIMESTAMP_HEADER] = str(stamp)
        headers[SIGNATURE_HEADER] = sign_body(channel.secret, stamp, content)
    try:
        response = client.post(url, content=content, headers=headers)
    except httpx.TimeoutException:
        return Outcome.again("timed out")
    except httpx.TransportError as exc:  # connection refused, reset, DNS: the message of its kind, no URL
        return Outcome.again(f"cannot connect ({type(exc).__name__})")
    except httpx.InvalidURL:
        return Outcome.refused("the channel's URL is not one httpx can post to")
    return judge(channel.kind, response, moment)


def retry_after(response: httpx.Response, now: datetime) -> float | None:
    """Seconds the server asked us to wait (Retry-After: seconds or an HTTP date), or None."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - now).total_seconds())
    except (TypeError, ValueError):
        return None


def judge(kind: ChannelKind, response: httpx.Response, now: datetime) -> Outcome:
    """The outcome of a channel's answer: its HTTP status first, then a robot's errcode."""
    status = response.status_code
    if status >= 500 or status in (408, 425, 429):
        return Outcome.again(f"HTTP {status}", retry_after(response, now))
    if status >= 300:  # not its body: a channel's test must not read other servers' pages
        moved = " (the URL redirects: give the channel its final URL)" if status < 400 else ""
        return Outcome.refused(f"HTTP {status}{moved}")
    if kind == ChannelKind.WEBHOOK:
        return Outcome.ok()
    try:
        answer = response.json()
        code = int(answer.get("errcode", -2))
    except (ValueError, AttributeError, TypeError):
        return Outcome.refused(f"HTTP {status} without a robot's JSON answer")
    if code == 0:
        return Outcome.ok()
    error = f"errcode {code}: {str(answer.get('errmsg', ''))[:200]}"
    too_fast = WECOM_TOO_FAST if kind == ChannelKind.WECOM else DINGTALK_TOO_FAST
    if code in too_fast:
        return Outcome.again(error, retry_after(response, now) or TOO_FAST_WAIT_S)
    return Outcome.refused(error)
