"""From readings, statuses and frame times to what each rule observes for one subject this cycle."""

from __future__ import annotations

from datetime import datetime, timedelta

from alerts.evaluator import Observation
from alerts.presence import Presence
from alerts.readings import DeviceKey, StoreReadings
from alerts.rules import Rule
from orchard.times import to_ms

STALE_AFTER_INTERVALS = 5.0  # without an offline rule, a value this many intervals old is stale


class Observer:
    """Builds observations; the expected intervals come from the store (learned) or the settings."""

    def __init__(self, readings: StoreReadings, presence: Presence, *, device_interval_s: float,
                 camera_idle_s: float) -> None:
        self.readings = readings
        self.presence = presence
        self.device_interval_s = device_interval_s
        self.camera_idle_s = camera_idle_s

    def interval_s(self, device: DeviceKey) -> float:
        """How often the device reports: learned from its recent readings, else ORCHARD_ALERTS_DEVICE_INTERVAL_S."""
        return self.readings.learned_interval_s.get(device, self.device_interval_s)

    def silence_s(self, device: DeviceKey, now: datetime) -> float | None:
        newest = self.readings.newest_ms.get(device)
        return None if newest is None else max(0.0, (to_ms(now) - newest) / 1000)

    def offline(self, rule: Rule, device: DeviceKey, now: datetime) -> Observation | None:
        """Silent for `threshold` intervals, or retained status offline for the rule's duration.

        The value is the seconds since its last reading. A device that never reported and has no
        status yields nothing: it may not be installed yet.
        """
        silence = self.silence_s(device, now)
        offline_since = self.presence.offline_since(*device)
        if silence is None and offline_since is None:
            return None
        missed = None if silence is None else silence / self.interval_s(device)
        said_offline = offline_since is not None and now - offline_since >= timedelta(seconds=rule.duration_s)
        holds = said_offline or (missed is not None and missed >= rule.threshold)
        clears = offline_since is None and (missed is None or missed < rule.clear_threshold)
        return Observation(None if silence is None else round(silence, 1), holds, clears)

    def camera_stale(self, rule: Rule, device: DeviceKey, camera: str, now: datetime) -> Observation | None:
        """No frame for `threshold` idle intervals. Frame times live in memory: after a restart a camera
        is unknown (nothing changes, a firing alert stays firing) until a frame comes or `threshold`
        intervals have passed since the start."""
        last = self.presence.last_frame(*device, camera)
        silence = max(0.0, (now - (last or self.presence.started_at)).total_seconds())
        missed = silence / self.camera_idle_s
        if last is None and missed < rule.threshold:
            return None
        return Observation(round(silence, 1), missed >= rule.threshold, missed < rule.clear_threshold)

    def threshold(self, rule: Rule, device: DeviceKey, offline_rule: Rule | None, now: datetime
                  ) -> Observation | None:
        """The metric's value (or its aggregate over the window) against the rule; None without fresh data."""
        assert rule.metric is not None
        last = self.readings.last.get((*device, rule.metric))
        if rule.windowed:
            window = self.readings.window(rule, device)
            if window is None:
                return None
            value = window.value(rule.aggregate, last[1] if last and last[0] >= window.last_ms else None)
        else:
            # A value older than the offline rule's silence is stale: the sensor stopped while the
            # device went on (an unplugged probe); it is no reading of now.
            missed = STALE_AFTER_INTERVALS if offline_rule is None else offline_rule.threshold
            max_age_ms = max(self.interval_s(device) * missed, 1.0) * 1000
            if last is None or to_ms(now) - last[0] > max_age_ms:
                return None
            value = last[1]
        if value is None:
            return None
        return Observation(value, rule.holds(value), rule.clears(value))
