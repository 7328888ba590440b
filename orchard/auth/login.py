"""Password logins: one normalized name, throttled, and checked on a few threads of their own.

argon2 takes 64 MiB and four threads per check. Checks run `slots` at a time (cores / 4,
at least one) apart from the request thread pool, at the lowest CPU priority (nice 19),
with at most two per slot waiting; a login beyond that is answered at once with LoginsBusy (429,
Retry-After), so a flood of guesses neither starves people who are logged in nor eats the
server's memory.
"""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy.orm import Session, sessionmaker

from orchard.auth.errors import AuthError, LoginsBusy
from orchard.auth.throttle import LoginThrottle
from orchard.auth.viewer import Viewer
from orchard.registry.passwords import HASH_THREADS
from orchard.registry.people import authenticate, normalize_username

CHECK_NICENESS = 19  # requests of logged-in people come first; argon2's own lane threads inherit it


def _lower_priority() -> None:
    if not sys.platform.startswith("linux"):  # only Linux gives each thread its own niceness
        return
    try:
        os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), CHECK_NICENESS)
    except OSError:  # not allowed here (a container's seccomp profile): run at normal priority
        pass


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class PasswordLogin:
    """Who a username and password belong to, or AuthError / TooManyAttempts / LoginsBusy."""

    def __init__(self, sessions: sessionmaker[Session], throttle: LoginThrottle | None = None,
                 slots: int | None = None, waiting: int | None = None) -> None:
        self.sessions = sessions
        self.throttle = throttle or LoginThrottle(sessions)
        self.slots = slots or max(1, cores() // HASH_THREADS)
        self.most = self.slots + (2 * self.slots if waiting is None else waiting)
        self._executor: ThreadPoolExecutor | None = None
        self._taken = 0
        self._lock = threading.Lock()

    def check(self, username: str, password: str, address: str) -> tuple[Viewer, int]:
        """The viewer and their credential generation (for the session cookie); runs argon2 on this thread."""
        name = normalize_username(username)
        self.throttle.check(name, address)
        return self._verify(name, password, address)

    async def check_async(self, username: str, password: str, address: str) -> tuple[Viewer, int]:
        """As `check`, on the login threads; LoginsBusy at once when they and their queue are full."""
        name = normalize_username(username)
        with self._lock:
            if self._taken >= self.most:
                raise LoginsBusy(retry_after=1)
            self._taken += 1
            if self._executor is None:
                self._executor = ThreadPoolExecutor(self.slots, thread_name_prefix="password-check",
                                                    initializer=_lower_priority)
        try:
            await asyncio.to_thread(self.throttle.check, name, address)  # a paused guess costs no hashing
            return await asyncio.get_running_loop().run_in_executor(
                self._executor, self._verify, name, password, address)
        finally:
            with self._lock:
                self._taken -= 1

    def _verify(self, name: str, password: str, address: str) -> tuple[Viewer, int]:
        with self.sessions.begin() as session:
            user = authenticate(session, name, password)
            if user is not None:
                found = Viewer.of(user), user.credential_generation
        if user is None:
            self.throttle.failed(name, address)
            raise AuthError("wrong username or password")
        self.throttle.succeeded(name, address)
        return found

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
