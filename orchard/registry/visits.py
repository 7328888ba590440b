"""Field visits' tables (issue 11)."""

from __future__ import annotations
