"""Dead letters (docs/ARCHITECTURE.md): one JSON message on `orchard/deadletter` per refused input."""

from __future__ import annotations

import base64
import time

import orjson

EXCERPT_BYTES = 512


def dead_letter(topic: str, reason: str, detail: str, payload: bytes, excerpt_bytes: int = EXCERPT_BYTES,
                **extra: object) -> bytes:
    """The JSON body: `topic`, `reason`, `received_at` (epoch ms), and what helps someone debug it."""
    body: dict[str, object] = {
        "topic": topic,
        "reason": reason,
        "detail": detail,
        "received_at": time.time_ns() // 1_000_000,
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
