"""The one form of a username that lookups, creation, the login throttle and the shop's webhook all use."""

from __future__ import annotations

import unicodedata

from orchard.errors import Invalid


def normalize_username(value: str) -> str:
    """NFKC (full-width letters become ASCII), whitespace at both ends removed, lower-case.

    Lower-case rather than casefold: the registry has always stored `str.lower()`, so stored names stay valid.
    """
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).lower())
    return folded.strip()


def check_username(value: str) -> str:
    """The normalized username a new user gets; Invalid (a ValueError) if empty or with blanks or control characters."""
    name = normalize_username(value)
    if not name:
        raise Invalid("a username cannot be empty")
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in name):
        raise Invalid(f"a username cannot contain spaces or control characters (got {name[:40]!r})")
    return name
