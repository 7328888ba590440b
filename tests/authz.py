"""Authorization tables: which status each persona gets from each endpoint of a running server.

A service's table is a list of `Case`s. `route` is the path exactly as the app declares it
(`/api/trees/{tree_id}`), `args` fill its parameters from named values of the test world,
and `expected` gives one status per persona of tests/world.py, in PERSONAS order
("401 200 404 404 404 200 200") or as a dict. `run_table` asks the server as every persona
and returns each mismatch; `uncovered_routes` names the app's routes no case covers, so a
new endpoint fails the suite until someone decides who may call it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.world import PASSWORD, PERSONAS, USERNAMES

# A value in a run's `values` may be a function: called once per request, it makes a fresh
# object (a tree to delete, say), so that what one persona's request does cannot change another's.
Value = Any | Callable[[], Any]


def statuses(spec: str | Mapping[str, int]) -> dict[str, int]:
    """Expected statuses per persona, from "401 200 ..." in PERSONAS order or a dict naming every persona."""
    found = dict(zip(PERSONAS, map(int, spec.split()), strict=False)) if isinstance(spec, str) else dict(spec)
    if set(found) != set(PERSONAS) or (isinstance(spec, str) and len(spec.split()) != len(PERSONAS)):
        raise ValueError(f"give a status for each of {PERSONAS}, not {spec!r}")
    return found


@dataclass(frozen=True)
class Case:
    """One request of the table and the status each persona must get."""

    method: str
    route: str
    expected: Mapping[str, int] | str
    args: Mapping[str, str] = field(default_factory=dict)  # route parameter -> name in `values` (or a literal)
    json: Any = None  # a JSON body, or a function of the persona giving one
    content: str | bytes | Callable[[str], str | bytes] | None = None  # a raw body (with `content_type`) instead
    content_type: str = "application/json"
    params: Mapping[str, str | Callable[[], object]] = field(default_factory=dict)  # a function: asked per request

    def __post_init__(self) -> None:
        object.__setattr__(self, "expected", statuses(self.expected))

    @property
    def key(self) -> tuple[str, str]:
        return self.method.upper(), self.route

    def __str__(self) -> str:
        filled = ", ".join(f"{k}={v}" for k, v in self.args.items())
        return f"{self.method.upper()} {self.route}" + (f" [{filled}]" if filled else "")

    def url(self, values: Mapping[str, Value]) -> str:
        filled = {}
        for parameter, name in self.args.items():
            value = values.get(name, name)
            filled[parameter] = value() if callable(value) else value
        return self.route.format(**filled)

    def body(self, persona: str) -> dict[str, Any]:
        if self.content is not None:
            text = self.content(persona) if callable(self.content) else self.content
            data = text if isinstance(text, bytes) else text.encode()
            return {"content": data, "headers": {"Content-Type": self.content_type}}
        if self.json is not None:
            return {"json": self.json(persona) if callable(self.json) else self.json}
        return {}


def login(base_url: str, username: str, password: str = PASSWORD, path: str = "/api/login") -> httpx.Client:
    """A client holding the session cookie of `username`, logged in through the API."""
    client = httpx.Client(base_url=base_url, timeout=30)
    response = client.post(path, json={"username": username, "password": password})
    if response.status_code != 200:
        client.close()
        raise AssertionError(f"login as {username} failed: {response.status_code} {response.text}")
    return client


def persona_clients(base_url: str, usernames: Mapping[str, str] = USERNAMES,
                    password: str = PASSWORD) -> dict[str, httpx.Client]:
    """A client per persona: logged in as its user, and a bare one for "anonymous"."""
    clients = {"anonymous": httpx.Client(base_url=base_url, timeout=30)}
    for persona in PERSONAS:
        if persona != "anonymous":
            clients[persona] = login(base_url, usernames[persona], password)
    return clients


def run_table(base_url: str, cases: Iterable[Case], clients: Mapping[str, httpx.Client],
              values: Mapping[str, Value] | None = None, usernames: Mapping[str, str] = USERNAMES) -> list[str]:
    """Ask every case as every persona; one line per status that differs from the table."""
    values = values or {}
    mismatches = []
    for case in cases:
        for persona in PERSONAS:
            client = clients[persona]
            kept = httpx.Cookies(client.cookies)  # a logout or login in the table must not change who asks
            request = client.build_request(case.method, base_url.rstrip("/") + case.url(values),
                                           params={key: value() if callable(value) else value
                                                   for key, value in case.params.items()},
                                           **case.body(persona))
            # Streamed, so that an endless MJPEG answer gives its status without being read to the end.
            response = client.send(request, stream=True)
            try:
                status = response.status_code
                if status != case.expected[persona]:
                    endless = response.headers.get("content-type", "").startswith("multipart/")
                    text = "(a stream)" if endless else response.read()[:160].decode(errors="replace")
                    mismatches.append(f"{case} as {persona}: expected {case.expected[persona]}, got {status} {text}")
            finally:
                response.close()
                client.cookies = kept
            if case.route.endswith("/logout") and persona != "anonymous":
                # Logging out ends every copy of the session, the kept one too: log in again.
                again = client.post(base_url.rstrip("/") + case.route.replace("/logout", "/login"),
                                    json={"username": usernames[persona], "password": PASSWORD})
                assert again.status_code == 200, f"login again as {persona}: {again.status_code}"
    return mismatches


def app_routes(app) -> set[tuple[str, str]]:
    """(method, path) of every route of a Starlette or FastAPI app, HEAD left out."""
    try:  # FastAPI >= 0.16x keeps included routers nested; older versions list routes flat
        from fastapi.routing import iter_route_contexts
        routes = list(iter_route_contexts(app.routes))
    except ImportError:
        routes = list(app.routes)
    return {(method, route.path) for route in routes for method in (route.methods or ()) if method != "HEAD"}


def uncovered_routes(app, cases: Iterable[Case]) -> list[str]:
    """The app's routes that no case of the table asks, as "METHOD /path"."""
    covered = {case.key for case in cases}
    return sorted(f"{method} {path}" for method, path in app_routes(app) - covered)
