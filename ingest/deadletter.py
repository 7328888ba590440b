"""Dead letters: every refused input goes to `orchard/deadletter` with its reason."""

from __future__ import annotations

import logging
from typing import Any

from orchard import topics
from orchard.deadletter import dead_letter

log = logging.getLogger(__name__)


class DeadLetters:
    """Publishes dead letters and logs each cause once, not once per message."""

    def __init__(self, publish) -> None:
        self._publish = publish
        self._seen: set[str] = set()

    def send(self, topic: str, reason: str, detail: str, payload: bytes, **extra: Any) -> None:
        if reason not in self._seen:
            self._seen.add(reason)
            log.warning("rejecting input (%s): %s on %s; further %s rejections are counted, not logged",
                        reason, detail, topic[:200], reason)
        self._publish(topics.DEADLETTER, dead_letter(topic, reason, detail, payload, **extra))
