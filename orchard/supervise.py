"""Long-running loops that cannot die unnoticed.

A loop that raises, or returns before it was told to stop, fails its whole service:
the failure is logged once with its traceback, `stopping` is set, and the command
exits with EXIT_FAILED so that systemd or compose restart it. A half-alive process
(up, reporting healthy, its worker gone) is the outcome this rules out.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

EXIT_FAILED = 70  # EX_SOFTWARE: an internal error; restart me


class Supervisor:
    def __init__(self) -> None:
        self.stopping = threading.Event()
        self.failure: str | None = None  # the name of the first loop that failed
        self._on_failure: list[Callable[[str], None]] = []

    def on_failure(self, callback: Callable[[str], None]) -> None:
        """Call `callback(loop_name)` once, from the failing thread, when a loop fails."""
        self._on_failure.append(callback)

    def spawn(self, name: str, target: Callable[[], object]) -> threading.Thread:
        """Run `target` on a daemon thread called `name`, watched."""
        thread = threading.Thread(target=self._run, args=(name, target), name=name, daemon=True)
        thread.start()
        return thread

    def _run(self, name: str, target: Callable[[], object]) -> None:
        try:
            target()
        except BaseException:
            log.critical("%s failed; stopping so that the service is restarted", name, exc_info=True)
            self.fail(name)
            return
        if not self.stopping.is_set():
            log.critical("%s ended without being told to stop; stopping so that the service is restarted", name)
            self.fail(name)

    def fail(self, name: str) -> None:
        if self.failure is not None:
            return
        self.failure = name
        for callback in self._on_failure:
            try:
                callback(name)
            except Exception:  # reporting a failure must not hide it
                log.exception("while reporting the failure of %s", name)
        self.stopping.set()

    def stop(self) -> None:
        self.stopping.set()

    def watch_all_threads(self) -> None:
        """Any thread of this process that dies on an exception (paho's network thread too) fails the service.

        For commands, which own their process; not for code embedded in another program.
        """
        def died(args: threading.ExceptHookArgs) -> None:
            if args.exc_type is SystemExit:
                return
            name = args.thread.name if args.thread is not None else "a thread"
            log.critical("%s failed; stopping so that the service is restarted", name, exc_info=args.exc_value)
            self.fail(name)

        threading.excepthook = died

    @property
    def exit_code(self) -> int:
        return 0 if self.failure is None else EXIT_FAILED
