"""A hand-off from paho's network thread to the worker that costs the network thread ~nothing.

`queue.Queue` takes a lock and notifies a condition on every put; at tens of
thousands of messages a second that is a large share of the ingester's time. Here
the network thread appends to a deque (atomic in CPython) and signals only when
the worker is asleep. When the worker falls far behind, the network thread waits,
which stops reading the socket: the broker holds the rest (TCP back-pressure).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Generic, TypeVar

T = TypeVar("T")


class Inbox(Generic[T]):
    def __init__(self, limit: int = 50_000) -> None:
        self.limit = limit
        self._items: deque[T] = deque()
        self._wake = threading.Event()
        self._asleep = False

    def put(self, item: T) -> None:
        while len(self._items) >= self.limit:
            time.sleep(0.001)
        self._items.append(item)
        if self._asleep:
            self._wake.set()

    def take(self, limit: int) -> list[T]:
        """Up to `limit` waiting items, oldest first, without waiting."""
        items = self._items
        out = []
        try:
            for _ in range(min(limit, len(items))):
                out.append(items.popleft())
        except IndexError:
            pass
        return out

    def wait(self, timeout: float) -> None:
        """Sleep until an item arrives or `timeout` passes."""
        if self._items:
            return
        self._wake.clear()
        self._asleep = True
        try:
            if not self._items:  # an item may have come between the check and the flag
                self._wake.wait(timeout)
        finally:
            self._asleep = False

    def __len__(self) -> int:
        return len(self._items)
