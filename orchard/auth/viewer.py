"""Who is asking: a registry user, or the bearer of an operator's camera token."""

from __future__ import annotations

from dataclasses import dataclass

from orchard.registry.models import User


@dataclass(frozen=True)
class Viewer:
    """Who is asking: a registry user, or the bearer of an operator's camera token."""

    user_id: int | None
    name: str
    role: str
    token_cameras: frozenset[str] | None = None
    archive: tuple[int, int] | None = None  # a share link's token: this span of the archive [ms, ms), no live view

    @classmethod
    def of(cls, user: User, token_cameras: frozenset[str] | None = None) -> Viewer:
        return cls(user.id, user.username, str(user.role), token_cameras)
