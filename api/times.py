"""Times in the API's answers: always UTC. Times in queries are read by orchard.times, as every service reads them.

A moment a request sets (claim dates, token expiry, an order's days) must fall in FIRST_YEAR..LAST_YEAR.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, TypeVar

from pydantic import AfterValidator, AwareDatetime

from orchard.times import utc

# A time in an answer: the same instant reads the same whether it was just written or read back.
UTCTime = Annotated[datetime, AfterValidator(utc)]

FIRST_YEAR, LAST_YEAR = 2000, 2200  # a claim outside these is a typo, and year 1 or 9999 overflows zones
Day = TypeVar("Day", date, datetime)


def check_year(value: Day) -> Day:
    """`value` (a date or datetime) if its year is in FIRST_YEAR..LAST_YEAR; else ValueError saying so."""
    if not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise ValueError(f"the year must be between {FIRST_YEAR} and {LAST_YEAR}, not {value.year}")
    return value


# A moment a request sets (claim dates, token expiry): with its zone, and in a year the registry can hold.
Moment = Annotated[AwareDatetime, AfterValidator(check_year)]
