"""Every log record any logger emits during a block, the server's own (uvicorn does not propagate) included."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# uvicorn's loggers keep their records to themselves (propagate=False), so they are listened to as well;
# "uvicorn.error" passes its records up to "uvicorn".
LOGGERS = ("", "uvicorn", "uvicorn.access")


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []
        self._lock = threading.Lock()

    def emit(self, record: logging.LogRecord) -> None:
        with self._lock:
            if not any(seen is record for seen in self.records):
                self.records.append(record)

    def tracebacks(self) -> list[logging.LogRecord]:
        """The records that carry an exception's traceback."""
        with self._lock:
            return [record for record in self.records if record.exc_info and record.exc_info[0] is not None]


@contextmanager
def every_log() -> Iterator[Records]:
    handler = Records()
    loggers = [logging.getLogger(name) for name in LOGGERS]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        yield handler
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
