"""Login throttling: a few failures per account and address, then a pause."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from orchard.auth.errors import TooManyAttempts


class LoginThrottle:
    """Allows `per_client` failures per (username, address) and `per_user` per username in `window_s`."""

    def __init__(self, per_client: int = 5, per_user: int = 20, window_s: float = 900.0,
                 clock=time.monotonic) -> None:
        self.per_client = per_client
        self.per_user = per_user
        self.window_s = window_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def check(self, username: str, address: str) -> None:
        """Raise TooManyAttempts while this login is paused."""
        now = self.clock()
        with self._lock:
            for key, limit in (((username.lower(), address), self.per_client), ((username.lower(), ""), self.per_user)):
                failures = self._prune(key, now)
                if len(failures) >= limit:
                    raise TooManyAttempts(max(1, int(failures[0] + self.window_s - now) + 1))

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            self._failures[(username.lower(), address)].append(now)
            self._failures[(username.lower(), "")].append(now)

    def succeeded(self, username: str, address: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), address), None)

    def _prune(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures[key]
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[key]
            return deque()
        return failures
