"""Times in and out of the API: every answer in UTC; a query's time as ISO 8601 or epoch milliseconds."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Annotated

from pydantic import AfterValidator, AwareDatetime

from api.errors import Unprocessable


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


# A time in an answer: the same instant reads the same whether it was just written or read back.
UTCTime = Annotated[datetime, AfterValidator(_utc)]


QUERY_YEARS = (1970, 9998)  # a query may say "from the epoch"; year 1 and 9999 overflow time zones


def parse_time(text: str | None, name: str) -> datetime | None:
    """An ISO 8601 time (UTC if it names no zone) or epoch milliseconds; Unprocessable naming `name`."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if not text.isascii():  # int() and fromisoformat() would read other scripts' digits
            raise ValueError(text)
        if text.lstrip("-").isdigit():
            moment = datetime.fromtimestamp(int(text) / 1000, timezone.utc)
        else:
            moment = _utc(datetime.fromisoformat(text))
    except (ValueError, OverflowError, OSError):
        raise Unprocessable(f"{name}: {text[:40]!r} is neither ISO 8601 nor epoch milliseconds") from None
    if not QUERY_YEARS[0] <= moment.year <= QUERY_YEARS[1]:
        raise Unprocessable(f"{name}: the year must be between {QUERY_YEARS[0]} and {QUERY_YEARS[1]}, "
                            f"not {moment.year}")
    return moment


def to_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


FIRST_YEAR, LAST_YEAR = 2000, 2200  # a claim or query outside these is a typo, and year 1 or 9999 overflows zones


def check_year(value):
    """`value` (a date or datetime) if its year is in FIRST_YEAR..LAST_YEAR; else ValueError saying so."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}, not {value.year}")
    return value


# A moment a request sets (claim dates, token expiry): with its zone, and in a year the registry can hold.
Moment = Annotated[AwareDatetime, AfterValidator(check_year)]
