"""Dead letters: every refused input is published with its reason; each cause is logged once."""

from __future__ import annotations

import logging

import orjson

from orchard import topics
from orchard.deadletter import DeadLetters


def test_each_refusal_is_published_and_each_cause_logged_once(caplog):
    sent: list[tuple[str, bytes]] = []
    letters = DeadLetters(lambda topic, body: sent.append((topic, body)), what="a camera frame", excerpt_bytes=4)
    with caplog.at_level(logging.WARNING, logger="orchard.deadletter"):
        for _ in range(3):
            letters.send("orchard/f/d/camera/c/jpeg", "not_jpeg", "no SOI marker", b"GIF89a...")
        letters.send("orchard/f/d/camera/c/jpeg", "too_large", "300000 bytes", b"")
    assert [topic for topic, _ in sent] == [topics.DEADLETTER] * 4
    letter = orjson.loads(sent[0][1])
    assert letter["reason"] == "not_jpeg" and letter["payload"] == "GIF8" and letter["size"] == 9
    assert letter["received_at"] > 1_700_000_000_000
    logged = [record.getMessage() for record in caplog.records]
    assert len(logged) == 2 and "refusing a camera frame (not_jpeg)" in logged[0] and "too_large" in logged[1]
