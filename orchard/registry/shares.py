"""Public share links' tables (issue 11)."""

from __future__ import annotations
