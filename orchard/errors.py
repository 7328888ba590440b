"""The errors Orchard code raises, so callers catch meaning rather than library internals."""


class OrchardError(Exception):
    """Base of every error Orchard raises on purpose."""


class SettingsError(OrchardError):
    """A setting is missing or wrong; the message names the variable."""


class PayloadError(OrchardError):
    """An MQTT topic or payload that cannot be accepted; `reason` is a short stable code."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class StoreError(OrchardError):
    """The time-series store refused a request (bad query, bad data): retrying will not help."""


class StoreRejected(StoreError):
    """The store refuses this data itself (bad values, a type conflict): resending it will not help."""


class StoreUnavailable(StoreError):
    """The time-series store cannot be reached right now: retry later, spool meanwhile."""


class SensorError(OrchardError):
    """A sensor could not be read, or gave a value known to be a fault."""


class SpoolFull(OrchardError):
    """The disk under a spool is full and the spool may not drop what it holds to make room."""
