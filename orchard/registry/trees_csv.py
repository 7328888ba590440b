"""Trees from a spreadsheet: parse and check a CSV, then upsert its rows on farm + label.

Columns (header required, any order): farm, label, plot, variety, planted, lat, lon. Only
farm and label must be present; an absent optional column leaves that field as it was,
an empty cell clears it. `parse_trees_csv` needs no database; `import_trees` writes into
the caller's session and commits nothing, so the caller's transaction makes it all or nothing.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from orchard.errors import Invalid
from orchard.registry.models import Farm, Plot, Tree
from orchard.text import name_problem
from orchard.topics import ID_PATTERN

COLUMNS = ("farm", "label", "plot", "variety", "planted", "lat", "lon")
REQUIRED = ("farm", "label")
MAX_PROBLEMS = 50  # enough to fix a spreadsheet in one go without flooding the screen
LENGTHS = {"label": 32, "plot": 100, "variety": 100}


class Problem(NamedTuple):
    """What is wrong with one cell (or header) of the file; lines count from 1, the header is line 1."""

    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.message}"


class TreesCsvError(Invalid):
    """The file cannot be imported; `problems` lists every bad cell found (up to MAX_PROBLEMS)."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(map(str, problems)))
        self.problems = problems

    def extra(self) -> dict[str, object]:
        return {"problems": [problem._asdict() for problem in self.problems]}


@dataclass(frozen=True)
class TreeRow:
    """One checked row; `given` names the optional columns the file has (the others are left alone)."""

    line: int
    farm: str
    label: str
    plot: str | None = None
    variety: str | None = None
    planted_on: date | None = None
    latitude: float | None = None
    longitude: float | None = None
    given: frozenset[str] = field(default_factory=frozenset)


class ImportSummary(NamedTuple):
    created: int
    updated: int
    plots_created: int


def decode_csv(data: bytes) -> str:
    """The text of an uploaded CSV: UTF-8 (with or without Excel's BOM), else GB18030 as Chinese Excel saves it."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise TreesCsvError([Problem(1, "-", "the file is not text: save the spreadsheet as \"CSV UTF-8\"")])


def parse_trees_csv(text: str) -> list[TreeRow]:
    """Check every row of a trees CSV; raise TreesCsvError naming each bad line and column."""
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    try:
        return _rows(reader)
    except csv.Error as exc:  # a NUL byte, say: not a spreadsheet saved as CSV
        raise TreesCsvError([Problem(reader.line_num, "-", f"not readable as CSV: {exc}")]) from None


def _rows(reader) -> list[TreeRow]:
    header = [name.strip().lower() for name in next(reader, [])]
    problems = _check_header(header)
    if problems:
        raise TreesCsvError(problems)
    rows: list[TreeRow] = []
    seen: dict[tuple[str, str], int] = {}
    for cells in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) > len(header):
            problems.append(Problem(line, header[-1], f"the row has {len(cells)} cells, the header {len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=False)}
        row, row_problems = _row(line, values, frozenset(header) - set(REQUIRED))
        key = (values.get("farm", ""), values.get("label", ""))
        if all(key) and key in seen:
            row_problems.append(Problem(line, "label", f"tree {key[1]!r} of farm {key[0]!r} "
                                                       f"is already on line {seen[key]}"))
        seen.setdefault(key, line)
        problems += row_problems
        if not row_problems and row is not None:
            rows.append(row)
        if len(problems) >= MAX_PROBLEMS:
            break
    if problems:
        raise TreesCsvError(problems[:MAX_PROBLEMS])
    return rows


def _check_header(header: list[str]) -> list[Problem]:
    if not any(header):
        return [Problem(1, "farm", f"the file is empty; its first line must name the columns: {','.join(COLUMNS)}")]
    problems = [Problem(1, name or "?", f"unknown column (the columns are {','.join(COLUMNS)})")
                for name in header if name not in COLUMNS]
    problems += [Problem(1, name, "the column appears twice") for name in dict.fromkeys(header)
                 if header.count(name) > 1]
    problems += [Problem(1, name, "this column is required") for name in REQUIRED if name not in header]
    if ("lat" in header) != ("lon" in header):
        problems.append(Problem(1, "lon" if "lat" in header else "lat", "lat and lon come together"))
    return problems


def _row(line: int, values: dict[str, str], given: frozenset[str]) -> tuple[TreeRow | None, list[Problem]]:
    problems: list[Problem] = []

    def bad(column: str, message: str) -> None:
        problems.append(Problem(line, column, message))

    farm, label = values.get("farm", ""), values.get("label", "")
    if not ID_PATTERN.fullmatch(farm):
        bad("farm", f"{farm!r} is not a farm id (lower-case letters, digits, - and _)")
    if not label:
        bad("label", "every tree needs a label, like 17")
    for column, limit in LENGTHS.items():
        if len(values.get(column, "")) > limit:
            bad(column, f"longer than {limit} characters")
        elif problem := name_problem(values.get(column, "")):
            bad(column, problem)
    planted = _day(values.get("planted", ""), lambda message: bad("planted", message))
    lat = _number(values.get("lat", ""), 90, lambda message: bad("lat", message))
    lon = _number(values.get("lon", ""), 180, lambda message: bad("lon", message))
    if bool(values.get("lat")) != bool(values.get("lon")):
        bad("lon" if values.get("lat") else "lat", "give both lat and lon, or neither")
    if problems:
        return None, problems
    return TreeRow(line, farm, label, values.get("plot") or None, values.get("variety") or None,
                   planted, lat, lon, given), []


def _day(text: str, bad) -> date | None:
    if not text:
        return None
    try:
        if len(text) == 10:
            return date.fromisoformat(text)
    except ValueError:
        pass
    bad(f"{text!r} is not a date like 2019-04-01")
    return None


def _number(text: str, limit: float, bad) -> float | None:
    if not text:
        return None
    try:
        value = float(text) if text.isascii() else math.nan  # float() also reads other scripts' digits
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or not -limit <= value <= limit:
        bad(f"{text!r} is not a number between -{limit} and {limit}")
        return None
    return value


def import_trees(session: Session, rows: Iterable[TreeRow]) -> ImportSummary:
    """Create or update (on farm + label) the trees of checked rows, creating missing plots.

    Raises TreesCsvError, before changing anything, if a row names a farm the registry lacks.
    """
    rows = list(rows)
    farm_ids = {row.farm for row in rows}
    known = set(session.scalars(select(Farm.id).where(Farm.id.in_(farm_ids)))) if farm_ids else set()
    missing = [Problem(row.line, "farm", f"there is no farm {row.farm!r} (add it with `orchard admin add-farm`)")
               for row in rows if row.farm not in known]
    if missing:
        raise TreesCsvError(missing[:MAX_PROBLEMS])
    plots = {(plot.farm_id, plot.name): plot
             for plot in session.scalars(select(Plot).where(Plot.farm_id.in_(known)))}
    trees = {(tree.farm_id, tree.label): tree
             for tree in session.scalars(select(Tree).where(Tree.farm_id.in_(known)))}
    created = updated = plots_created = 0
    for row in rows:
        tree = trees.get((row.farm, row.label))
        if tree is None:
            tree = trees[row.farm, row.label] = Tree(farm_id=row.farm, label=row.label)
            session.add(tree)
            created += 1
        else:
            updated += 1
        if "plot" in row.given:
            plot = plots.get((row.farm, row.plot)) if row.plot else None
            if row.plot and plot is None:
                plot = plots[row.farm, row.plot] = Plot(farm_id=row.farm, name=row.plot)
                session.add(plot)
                plots_created += 1
            tree.plot = plot
        for column, attribute in (("variety", "variety"), ("planted", "planted_on"),
                                  ("lat", "latitude"), ("lon", "longitude")):
            if column in row.given:
                setattr(tree, attribute, getattr(row, attribute))
    session.flush()
    return ImportSummary(created, updated, plots_created)
