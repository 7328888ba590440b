"""Times as people read them: in the farm's time zone (Farm.timezone), worded per language."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from dashboard.i18n import t


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local(moment: datetime | int | float, tz: str | None) -> datetime:
    """`moment` (aware datetime or epoch ms) in the time zone `tz`."""
    if not isinstance(moment, datetime):
        moment = datetime.fromtimestamp(moment / 1000, UTC)
    return moment.astimezone(zone(tz))


def when(moment: datetime | int | float | None, tz: str | None, lang: str, *, seconds: bool = False) -> str:
    """Date and time of day: "30 Nov 14:05" / "11月30日 14:05"; a year is added when it is not this year's."""
    if moment is None:
        return t("common.time.never", lang)
    at = local(moment, tz)
    clock = at.strftime("%H:%M:%S" if seconds else "%H:%M")
    same_year = at.year == datetime.now(at.tzinfo).year
    if lang == "zh-CN":
        day = f"{at.month}月{at.day}日" if same_year else f"{at.year}年{at.month}月{at.day}日"
    else:
        day = f"{at.day} {at.strftime('%b')}" + ("" if same_year else f" {at.year}")
    return f"{day} {clock}"


def day(moment: date | datetime | None, tz: str | None, lang: str) -> str:
    """A calendar day: "30 Nov 2026" / "2026年11月30日" (a datetime is taken in the farm's zone first)."""
    if moment is None:
        return "–"
    if isinstance(moment, datetime):
        moment = local(moment, tz).date()
    if lang == "zh-CN":
        return f"{moment.year}年{moment.month}月{moment.day}日"
    return f"{moment.day} {moment.strftime('%b')} {moment.year}"


def age(moment_ms: int | None, now_ms: int, lang: str) -> str:
    """How long ago: "just now", "5 min ago", "3 h ago", "2 days ago" (in the viewer's language)."""
    if moment_ms is None:
        return t("common.time.never", lang)
    seconds = max(0, (now_ms - moment_ms) // 1000)
    if seconds < 60:
        return t("common.time.just_now", lang)
    if seconds < 3600:
        return t("common.time.minutes_ago", lang, n=seconds // 60)
    if seconds < 2 * 86400:
        return t("common.time.hours_ago", lang, n=seconds // 3600)
    return t("common.time.days_ago", lang, n=seconds // 86400)


def utc_offset_ms(tz: str | None, at_ms: int) -> int:
    """The zone's offset from UTC at `at_ms`, for charts whose axis shows the farm's local time."""
    offset = local(at_ms, tz).utcoffset()
    return int(offset.total_seconds() * 1000) if offset else 0
