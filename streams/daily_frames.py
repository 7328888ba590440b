"""Which archived snapshots survive past the archive window: one a day per camera, nearest local noon."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

NOON = time(12)


def zone_named(name: str) -> tzinfo:
    """The IANA zone `name`, UTC when it is unknown (a farm's time zone is checked where it is entered)."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def one_a_day(ids: Iterable[int], zone: tzinfo) -> set[int]:
    """Of snapshot ids (epoch ms), the one nearest noon of each local day in `zone`; the earlier on a tie.

    Choosing again among the survivors and newer frames picks the same kind of frame, so thinning
    a day piece by piece (as it ages past the window) ends with its frame nearest noon.
    """
    best: dict[date, tuple[float, int]] = {}
    for ident in ids:
        moment = datetime.fromtimestamp(ident / 1000, zone)
        noon = datetime.combine(moment.date(), NOON, zone)
        distance = abs(moment.timestamp() - noon.timestamp())
        seen = best.get(moment.date())
        if seen is None or (distance, ident) < seen:
            best[moment.date()] = (distance, ident)
    return {ident for _, ident in best.values()}
