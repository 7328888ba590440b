"""Dead letters: every refused input goes to `orchard/deadletter` with its reason."""

from __future__ import annotations

import base64
import logging
import time

import orjson

from orchard import topics

log = logging.getLogger(__name__)

EXCERPT_BYTES = 512


def dead_letter(topic: str, reason: str, detail: str, payload: bytes, **extra: object) -> bytes:
    """The JSON body of a dead letter: `topic`, `reason`, `received_at` and what helps debugging."""
    body: dict[str, object] = {
        "topic": topic,
        "reason": reason,
        "detail": detail,
        "received_at": time.time_ns() // 1_000_000,
        "size": len(payload),
    }
    excerpt = payload[:EXCERPT_BYTES]
    try:
        body["payload"] = excerpt.decode("utf-8")
    except UnicodeDecodeError:
        body["payload_base64"] = base64.b64encode(excerpt).decode("ascii")
    body.update(extra)
    return orjson.dumps(body)


class DeadLetters:
    """Publishes dead letters and logs each cause once, not once per message."""

    def __init__(self, publish) -> None:
        self._publish = publish
        self._seen: set[str] = set()

    def send(self, topic: str, reason: str, detail: str, payload: bytes, **extra: object) -> None:
        if reason not in self._seen:
            self._seen.add(reason)
            log.warning("rejecting input (%s): %s on %s; further %s rejections are counted, not logged",
                        reason, detail, topic[:200], reason)
        self._publish(topics.DEADLETTER, dead_letter(topic, reason, detail, payload, **extra))
