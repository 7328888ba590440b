"""Hand the outbox's due notifications to the Courier (alerts/delivery.py), once per cycle."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker


def deliver_notifications(sessions: sessionmaker[Session]) -> None:
    """Send every due AlertDelivery, grouped per channel.

    Wired at the merge with the notification work: `from alerts.delivery import Courier;
    Courier(sessions).deliver()`. Until then deliveries wait in the outbox, and nothing is lost.
    """
