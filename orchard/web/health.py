"""`GET .../healthz`: is this service up and can it reach the registry? For docker compose and load balancers.

It names nothing but a status, so it needs no login; a health check that only proves the
process listens would pass while every request fails on an unreachable database.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from orchard.errors import Unavailable


def health_router(path: str, sessions: Callable[[], sessionmaker[Session]]) -> APIRouter:
    """A router answering GET `path` with {"status": "ok"} once the registry answers, else 503."""
    router = APIRouter(tags=["health"])

    def registry_answers() -> None:
        with sessions()() as session:
            session.execute(text("SELECT 1"))

    @router.get(path, summary="Liveness: the service is up and reaches the registry")
    async def healthz() -> dict[str, str]:
        try:
            await run_in_threadpool(registry_answers)
        except SQLAlchemyError:
            raise Unavailable("the registry database does not answer") from None
        return {"status": "ok"}

    return router
