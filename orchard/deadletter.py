"""Dead letters (docs/ARCHITECTURE.md): one JSON message on `orchard/deadletter` per refused input.

Each cause is logged once.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable

import orjson

from orchard import topics
from orchard.times import wall_clock_ms

log = logging.getLogger(__name__)

EXCERPT_BYTES = 512


def dead_letter(topic: str, reason: str, detail: str, payload: bytes, excerpt_bytes: int = EXCERPT_BYTES,
                **extra: object) -> bytes:
    """The JSON body: `topic`, `reason`, `received_at` (epoch ms), and what helps someone debug it."""
    body: dict[str, object] = {
        "topic": topic,
        "reason": reason,
        "detail": detail,
        "received_at": wall_clock_ms(),
        "size": len(payload),
    }
    excerpt = payload[:excerpt_bytes]
    if excerpt:
        try:
            body["payload"] = excerpt.decode("utf-8")
        except UnicodeDecodeError:
            body["payload_base64"] = base64.b64encode(excerpt).decode("ascii")
    body.update(extra)
    return orjson.dumps(body)


class DeadLetters:
    """Publishes dead letters and logs each cause (`reason`) once, not once per message.

    `publish(topic, body)` sends one message (QoS 1); `what` names the input in the log
    ("input", "a camera frame"); `excerpt_bytes` caps the payload copied into the letter.
    """

    def __init__(self, publish: Callable[[str, bytes], object], *, what: str = "input",
                 excerpt_bytes: int = EXCERPT_BYTES) -> None:
        self._publish = publish
        self._what = what
        self._excerpt_bytes = excerpt_bytes
        self._seen: set[str] = set()

    def send(self, topic: str, reason: str, detail: str, payload: bytes, **extra: object) -> None:
        if reason not in self._seen:
            self._seen.add(reason)
            log.warning("refusing %s (%s): %s on %s; further %s refusals are counted, not logged",
                        self._what, reason, detail, topic[:200], reason)
        self._publish(topics.DEADLETTER, dead_letter(topic, reason, detail, payload, self._excerpt_bytes, **extra))
