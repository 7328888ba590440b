"""The shared error handler on a small app under a real uvicorn: what a new service (the dashboard) gets."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from orchard.errors import Conflict, Invalid, NotFound, OrchardError, TooMany, Unavailable
from orchard.http_errors import install_error_handlers
from orchard.registry.trees_csv import TreesCsvError, parse_trees_csv
from tests.logs import every_log
from tests.services import free_port

CORS = {"Access-Control-Allow-Origin": "*"}


def build() -> FastAPI:
    app = FastAPI()

    @app.get("/refuse/{kind}")
    def refuse(kind: str) -> None:
        raise {"not-found": NotFound("no tree 9"), "conflict": Conflict("that already exists"),
               "too-many": TooMany("slow down", retry_after=7), "unavailable": Unavailable("no shop secret"),
               "settings": OrchardError("ORCHARD_SECRET_KEY=hunter2 is too short")}[kind]

    @app.get("/csv")
    def csv() -> None:
        parse_trees_csv("farm,label,lat,lon\nhill,17,95,0\n")

    install_error_handlers(app, realm="dashboard",
                           path_headers=lambda path: CORS if path.startswith("/refuse/") else {})

    @app.middleware("http")  # added after install_error_handlers: outside its guard
    async def late(request, call_next):
        if request.url.path == "/late-bug":
            raise RuntimeError("a bug in a late middleware")
        return await call_next(request)

    return app


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(build(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10) as http:
        yield http
    server.should_exit = True
    thread.join(timeout=10)


@pytest.mark.parametrize("kind, status, detail", [
    ("not-found", 404, "no tree 9"), ("conflict", 409, "that already exists"), ("too-many", 429, "slow down"),
    ("unavailable", 503, "no shop secret"), ("settings", 500, "internal error"),
])
def test_each_kind_answers_its_status(client, kind, status, detail):
    response = client.get(f"/refuse/{kind}")
    assert response.status_code == status and response.json()["detail"] == detail
    assert "hunter2" not in response.text
    assert response.headers["access-control-allow-origin"] == "*"  # the service's own headers for that path
    if kind == "too-many":
        assert response.headers["retry-after"] == "7"


def test_an_invalid_file_lists_its_problems(client):
    response = client.get("/csv")
    assert response.status_code == 422 and "access-control-allow-origin" not in response.headers
    assert response.json()["problems"] == [
        {"line": 2, "column": "lat", "message": "'95' is not a number between -90 and 90"}]
    assert issubclass(TreesCsvError, Invalid)


def test_a_bug_in_a_late_middleware_still_gets_the_generic_json_and_one_traceback(client):
    with every_log() as logs:
        response = client.get("/late-bug")
        deadline = time.monotonic() + 5
        while not logs.tracebacks() and time.monotonic() < deadline:  # the server logs after it answered
            time.sleep(0.02)
        time.sleep(0.2)  # and a second traceback, were there one, would come at once
    assert response.status_code == 500
    assert response.json()["detail"] == "internal error" and "late middleware" not in response.text
    assert [record.exc_info[0] for record in logs.tracebacks()] == [RuntimeError]  # the server's log line
    assert any(response.json()["request_id"] in record.getMessage() for record in logs.records)
