"""Value types of request fields: integers the registry can store, names without control
characters or formulas, photo URLs (rules in orchard.text); a wrong value is 422 naming the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from annotated_types import Interval
from pydantic import AfterValidator

from orchard.text import control_problem, name_problem, photo_problem

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1

# An id or count: anything wider than the database's BIGINT is refused before it reaches a query.
Int64 = Annotated[int, Interval(ge=INT64_MIN, le=INT64_MAX)]


def _checked(problem: Callable[[str], str | None]) -> AfterValidator:
    def check(value: str) -> str:
        found = problem(value)
        if found:
            raise ValueError(found)
        return value
    return AfterValidator(check)


Line = Annotated[str, _checked(control_problem)]   # one line of text without control characters
Name = Annotated[str, _checked(name_problem)]      # ... that a spreadsheet would not run as a formula
Photo = Annotated[str, _checked(photo_problem)]    # http(s) URL or a path under ORCHARD_DATA_DIR
