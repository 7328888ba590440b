"""Login throttling: slows a guesser down without letting them lock the real owner out.

Three counts of failures, each over `window_s`, keyed on the normalized username
(orchard.registry.usernames) and the client's address (the real one: see
ORCHARD_TRUSTED_PROXIES):
- per name and address: `free` failures, then a pause that doubles with each further one;
- per address, whatever the names: `per_address` failures, then that address waits;
- per name, from anywhere: `per_name` failures, then the name waits, except at addresses
  where it has logged in before ("known"), so the owner still gets in from home.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque

from orchard.auth.errors import TooManyAttempts


class LoginThrottle:
    def __init__(self, free: int = 5, base_pause_s: float = 1.0, per_address: int = 50, per_name: int = 20,
                 window_s: float = 900.0, known_for_s: float = 90 * 86400, clock=time.monotonic) -> None:
        self.free, self.base_pause_s = free, base_pause_s
        self.per_address, self.per_name = per_address, per_name
        self.window_s, self.known_for_s = window_s, known_for_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = defaultdict(deque)  # ("", addr) / (name, "") too
        self._known: dict[tuple[str, str], float] = {}  # (name, address) -> when it last logged in
        self._lock = threading.Lock()

    def check(self, name: str, address: str) -> None:
        """Raise TooManyAttempts while a login of `name` from `address` must wait."""
        now = self.clock()
        with self._lock:
            waits = [self._backoff(self._recent((name, address), now), now)]
            waits.append(self._limit(self._recent(("", address), now), self.per_address, now))
            if not self._is_known(name, address, now):
                waits.append(self._limit(self._recent((name, ""), now), self.per_name, now))
        wait = max(waits)
        if wait > 0:
            raise TooManyAttempts(max(1, int(wait + 0.999)))

    def failed(self, name: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 100_000:  # random names: forget what the window no longer counts
                for key in list(self._failures):
                    self._recent(key, now)
            for key in ((name, address), ("", address), (name, "")):
                self._failures[key].append(now)

    def succeeded(self, name: str, address: str) -> None:
        with self._lock:
            self._failures.pop((name, address), None)
            self._known[(name, address)] = self.clock()

    def _is_known(self, name: str, address: str, now: float) -> bool:
        seen = self._known.get((name, address))
        return seen is not None and now - seen < self.known_for_s

    def _backoff(self, failures: deque[float], now: float) -> float:
        beyond = len(failures) - self.free
        if beyond < 0:
            return 0.0
        pause = min(self.base_pause_s * 2 ** beyond, self.window_s)
        return failures[-1] + pause - now

    def _limit(self, failures: deque[float], limit: int, now: float) -> float:
        if len(failures) < limit:
            return 0.0
        return failures[-limit] + self.window_s - now

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key)
        if failures is None:
            return deque()
        while failures and failures[0] <= now - self.window_s:
            failures.popleft()
        if not failures:
            del self._failures[key]
        return failures
