"""Invitation and password-reset links' tables (issue 11)."""

from __future__ import annotations
