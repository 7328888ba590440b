"""What free text the registry keeps: one line without control characters, and no spreadsheet formulas.

Names are stored verbatim and shown in browsers, logs and (one day) spreadsheets: a NUL
breaks C tools, a bidi override makes `txt.exe` read as `exe.txt`, and a cell starting
with `=`, `+`, `-` or `@` runs as a formula when a CSV is opened. Refused, not rewritten.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlsplit

FORMULA_STARTS = ("=", "+", "-", "@")
JOINERS = frozenset("\u200c\u200d")  # zero-width (non-)joiners: needed to write Persian, Indic and emoji


def control_problem(value: str) -> str | None:
    """Why `value` cannot be kept as one line of text (a control or format character), or None."""
    for char in value:
        category = unicodedata.category(char)
        if category in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co") and char not in JOINERS:
            return f"contains the control character U+{ord(char):04X}; type it again without it"
    return None


def formula_problem(value: str) -> str | None:
    """Why `value` could run as a spreadsheet formula when exported, or None."""
    if value.lstrip().startswith(FORMULA_STARTS):
        return "must not start with = + - or @ (a spreadsheet would run it as a formula)"
    return None


def name_problem(value: str) -> str | None:
    """A name people read and may export: one line, no control characters, no formula."""
    return control_problem(value) or formula_problem(value)


def photo_problem(value: str) -> str | None:
    """A tree's photo: an http(s) URL with a host, or a relative path under ORCHARD_DATA_DIR."""
    problem = control_problem(value)
    if problem:
        return problem
    if "://" in value or ":" in value.split("/", 1)[0]:
        try:
            parts = urlsplit(value)
        except ValueError:
            return "is not a valid URL"
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return "must be an http:// or https:// URL, or a path under the data folder"
        return None
    if value.startswith(("/", "\\")) or ".." in value.replace("\\", "/").split("/"):
        return "a path must stay under the data folder (no leading / and no ..)"
    return None
