"""systemd's notify protocol: READY=1 once started, WATCHDOG=1 while the work loop turns, STOPPING=1.

One datagram to the socket systemd names in NOTIFY_SOCKET, as sd_notify(3) describes; written
here (as gunicorn does) because the official binding, systemd-python, must be compiled against
libsystemd on every Pi. Outside systemd (no NOTIFY_SOCKET) every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable, Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Tells systemd how this service is doing; `alive()` feeds the watchdog at half its interval."""

    def __init__(self, address: str | None, watchdog_s: float | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        # A name starting with @ is in the abstract namespace: the kernel spells that with a NUL byte.
        self.address = "\0" + address[1:] if address and address.startswith("@") else address
        self.watchdog_s = watchdog_s
        self.clock = clock
        self._last_ping: float | None = None
        self._failed = False

    @classmethod
    def from_environ(cls, environ: Mapping[str, str] | None = None) -> Notifier:
        """The notifier systemd set up for this process (WATCHDOG_PID names us, when set)."""
        env = os.environ if environ is None else environ
        watchdog_usec = env.get("WATCHDOG_USEC", "")
        for_us = env.get("WATCHDOG_PID", str(os.getpid())) == str(os.getpid())
        watchdog_s = int(watchdog_usec) / 1e6 if watchdog_usec.isdigit() and for_us else None
        return cls(env.get("NOTIFY_SOCKET") or None, watchdog_s or None)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def notify(self, *lines: str) -> None:
        if self.address is None:
            return
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
                sock.connect(self.address)
                sock.sendall("\n".join(lines).encode())
        except OSError as exc:
            if not self._failed:  # said once: the service keeps working without systemd's bookkeeping
                log.warning("cannot tell systemd (%s): %s", self.address.lstrip("\0"), exc)
                self._failed = True

    def ready(self, status: str = "") -> None:
        self.notify("READY=1", *((f"STATUS={status}",) if status else ()))
        self._last_ping = self.clock()

    def alive(self) -> None:
        """Call from the work loop: the watchdog is fed no more often than half its interval."""
        if self.watchdog_s is None:
            return
        now = self.clock()
        if self._last_ping is None or now - self._last_ping >= self.watchdog_s / 2:
            self.notify("WATCHDOG=1")
            self._last_ping = now

    def stopping(self) -> None:
        self.notify("STOPPING=1")
