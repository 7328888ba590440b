"""Registry backup and restore: every table as gzip'd JSON lines, readable by either database.

The format is logical, not a file copy, so a backup of a SQLite registry restores into
PostgreSQL (the way a cooperative moves when it outgrows one machine) and back. Lines:

    {"format": "orchard-registry-backup", "version": 1, "revision": "0006", "dialect": "sqlite",
     "created_at": "...", "sequences": {"users": 12, ...}}
    {"table": "farms", "columns": ["id", "name", ...]}
    ["hillside", "Hillside Orchard", ...]                      one line per row
    ...

A backup is read in one transaction (a snapshot on both databases). A restore goes into an
empty database: it builds the schema at the backup's revision, loads the rows, sets each id
counter where the source left it (so a deleted user's id is still never given again), then
migrates to the current schema, so an old backup comes back through the same data migrations.
"""

from __future__ import annotations

import gzip
import json
import logging
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Connection, Date, DateTime, Integer, MetaData, Table, func, insert, inspect, select, text

from orchard.errors import Conflict, Invalid
from orchard.registry.db import make_engine
from orchard.registry.migrate import upgrade
from orchard.registry.models import utcnow

log = logging.getLogger(__name__)

FORMAT = "orchard-registry-backup"
VERSION = 1
BATCH = 500
BOOKKEEPING = "alembic_version"


def backup(db_url: str, out: IO[bytes]) -> dict[str, int]:
    """Write the registry at `db_url` to `out` (gzip'd JSON lines); returns the rows per table."""
    engine = make_engine(db_url)
    counts: dict[str, int] = {}
    try:
        options = {"isolation_level": "REPEATABLE READ"} if engine.dialect.name == "postgresql" else {}
        with engine.connect().execution_options(**options) as connection, connection.begin(), \
                gzip.open(out, "wt", encoding="utf-8") as lines:
            metadata = _tables(connection)
            header = {"format": FORMAT, "version": VERSION, "revision": _revision(connection),
                      "dialect": engine.dialect.name, "created_at": utcnow().isoformat(),
                      "sequences": _sequences(connection, metadata)}
            lines.write(json.dumps(header) + "\n")
            for table in metadata.sorted_tables:
                columns = [column.name for column in table.columns]
                lines.write(json.dumps({"table": table.name, "columns": columns}) + "\n")
                counts[table.name] = 0
                for row in connection.execute(select(table)).yield_per(BATCH):
                    lines.write(json.dumps([_plain(value) for value in row], ensure_ascii=False) + "\n")
                    counts[table.name] += 1
    finally:
        engine.dispose()
    return counts


def restore(db_url: str, source: IO[bytes]) -> dict[str, int]:
    """Load a backup into the empty registry at `db_url`, then migrate it to the current schema."""
    try:
        counts = _restore(db_url, source)
    except (OSError, EOFError, UnicodeDecodeError, json.JSONDecodeError, KeyError, TypeError) as exc:
        # gzip's and json's complaints about a damaged file, said once in words; the database rolled back.
        raise Invalid(f"the backup file is damaged or not a backup ({type(exc).__name__}: {exc})") from None
    upgrade(db_url)
    return counts


def _restore(db_url: str, source: IO[bytes]) -> dict[str, int]:
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        header = _header(next(lines, ""))
        _require_empty(db_url)
        upgrade(db_url, header["revision"])
        engine = make_engine(db_url)
        try:
            with engine.begin() as connection:
                counts = _load(connection, lines)
                _set_sequences(connection, header["sequences"])
        finally:
            engine.dispose()
    return counts


def backup_file(db_url: str, path: Path) -> dict[str, int]:
    """`backup` to a file, written beside it first so a failed backup never leaves a half file under its name."""
    partial = path.with_name(path.name + ".partial")
    try:
        with partial.open("wb") as out:
            counts = backup(db_url, out)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)
    return counts


def _tables(connection: Connection) -> MetaData:
    metadata = MetaData()
    metadata.reflect(connection)
    if BOOKKEEPING in metadata.tables:
        metadata.remove(metadata.tables[BOOKKEEPING])
    return metadata


def _revision(connection: Connection) -> str:
    if not inspect(connection).has_table(BOOKKEEPING):
        raise Invalid("this database holds no Orchard Live registry (it was never migrated)")
    revision = connection.execute(text(f"SELECT version_num FROM {BOOKKEEPING}")).scalar()
    if revision is None:
        raise Invalid("this registry has no schema revision: nothing to back up")
    return str(revision)


def _plain(value: Any) -> Any:
    """A column value as JSON: times as ISO 8601 in UTC (SQLite hands them back naive, already UTC)."""
    if isinstance(value, datetime):
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        raise Invalid("the registry holds binary data, which this backup format does not carry")
    return value


def _typed(value: Any, column_type: Any, sqlite: bool) -> Any:
    if value is None:
        return None
    if isinstance(column_type, DateTime):
        at = datetime.fromisoformat(value).astimezone(UTC)
        return at.replace(tzinfo=None) if sqlite else at
    if isinstance(column_type, Date):
        return date.fromisoformat(value)
    return value


def _header(line: str) -> dict[str, Any]:
    try:
        header = json.loads(line)
    except ValueError:
        header = None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise Invalid("this file is not an Orchard Live registry backup")
    if header.get("version") != VERSION:
        raise Invalid(f"backup format version {header.get('version')} is not one this version reads ({VERSION})")
    return header


def _require_empty(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        with engine.connect() as connection:
            metadata = _tables(connection)
            full = [table.name for table in metadata.sorted_tables
                    if connection.execute(select(func.count()).select_from(table)).scalar()]
    finally:
        engine.dispose()
    if full:
        raise Conflict(f"restore goes into an empty registry; this one has rows in {', '.join(full[:5])}")
    if metadata.tables:
        raise Conflict("restore goes into an empty database; drop this registry's tables first "
                       "(or point ORCHARD_DB_URL at a new database)")


def _load(connection: Connection, lines: Iterator[str]) -> dict[str, int]:
    metadata = _tables(connection)
    sqlite = connection.dialect.name == "sqlite"
    counts: dict[str, int] = {}
    table: Table | None = None
    names: list[str] = []
    batch: list[dict[str, Any]] = []

    def flush() -> None:
        if table is not None and batch:
            connection.execute(insert(table), batch)
            batch.clear()

    for line in lines:
        item = json.loads(line)
        if isinstance(item, dict):
            flush()
            if item["table"] not in metadata.tables:
                raise Invalid(f"the backup has a table {item['table']!r} its own schema revision does not")
            table, names = metadata.tables[item["table"]], item["columns"]
            counts[table.name] = 0
            continue
        if table is None:
            raise Invalid("the backup has rows before any table")
        batch.append({name: _typed(value, table.c[name].type, sqlite)
                      for name, value in zip(names, item, strict=True)})
        counts[table.name] += 1
        if len(batch) >= BATCH:
            flush()
    flush()
    return counts


def _sequences(connection: Connection, metadata: MetaData) -> dict[str, int]:
    """Each table's id counter: the last id ever handed out, which may be above today's largest id."""
    found: dict[str, int] = {}
    if connection.dialect.name == "sqlite":
        if inspect(connection).has_table("sqlite_sequence"):
            found = {name: int(seq) for name, seq in connection.execute(text("SELECT name, seq FROM sqlite_sequence"))}
        return found
    for table in metadata.sorted_tables:
        if not _counted(table):
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            last, called = connection.execute(text(f"SELECT last_value, is_called FROM {sequence}")).one()
            if called:
                found[table.name] = int(last)
    return found


def _counted(table: Table) -> bool:
    """Whether the table's ids come from a counter (an integer `id`), not from people (a farm's slug)."""
    return "id" in table.c and isinstance(table.c.id.type, Integer)


def _set_sequences(connection: Connection, sequences: dict[str, int]) -> None:
    metadata = _tables(connection)
    for table in metadata.sorted_tables:
        if not _counted(table):
            continue
        largest = connection.execute(select(func.max(table.c.id))).scalar() or 0
        last = max(int(sequences.get(table.name, 0)), int(largest))
        if last == 0:
            continue
        if connection.dialect.name == "sqlite":
            if inspect(connection).has_table("sqlite_sequence"):
                connection.execute(text("DELETE FROM sqlite_sequence WHERE name = :t"), {"t": table.name})
                connection.execute(text("INSERT INTO sqlite_sequence (name, seq) SELECT :t, :v "
                                        "WHERE EXISTS (SELECT 1 FROM sqlite_master WHERE name = :t "
                                        "AND sql LIKE '%AUTOINCREMENT%')"), {"t": table.name, "v": last})
            continue
        sequence = connection.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.name}).scalar()
        if sequence:
            connection.execute(text("SELECT setval(:s, :v)"), {"s": sequence, "v": last})
