"""What the API answers when something goes wrong: the vocabulary's statuses, and a quiet, logged 500 for bugs."""

from __future__ import annotations

import time

import pytest

from api.routes import claims
from orchard.http_errors import BugGuard
from tests.logs import every_log
from tests.services import free_port


def test_a_bug_in_a_route_is_a_generic_500_logged_once_with_its_traceback(api, monkeypatch):
    def broken(cls, claim):
        raise KeyError("starts_at")  # the bug: once answered 404 {"detail": "'starts_at'"}, never logged

    monkeypatch.setattr(claims.ClaimOut, "of", classmethod(broken))
    admin = api.client("admin")
    with every_log() as logs:
        response = admin.get(f"/api/claims/{api.ids()['claim_ana']}")
        time.sleep(0.3)  # a server that logged it again would do so just after answering
    assert response.status_code == 500, response.text
    body = response.json()
    assert body == {"detail": "internal error", "request_id": body["request_id"]} and body["request_id"]
    assert response.headers["x-request-id"] == body["request_id"]
    assert "starts_at" not in response.text
    logged = logs.tracebacks()
    assert len(logged) == 1, [record.getMessage() for record in logged]
    assert logged[0].exc_info[0] is KeyError and body["request_id"] in logged[0].getMessage()


def test_a_proxy_request_id_is_kept(api, monkeypatch):
    monkeypatch.setattr(claims.ClaimOut, "of", classmethod(lambda cls, claim: {}["starts_at"]))
    with every_log() as logs:
        response = api.client("admin").get(f"/api/claims/{api.ids()['claim_ana']}",
                                           headers={"X-Request-ID": "proxy-7f3a"})
    assert response.json()["request_id"] == "proxy-7f3a"
    assert "proxy-7f3a" in logs.tracebacks()[0].getMessage()


@pytest.mark.parametrize("persona, method, path, body, status, detail", [
    ("admin", "GET", "/api/trees/999999", None, 404, "no tree 999999"),
    ("admin", "GET", "/api/farms/nowhere", None, 404, "no farm 'nowhere'"),
    ("admin", "POST", "/api/farms", {"id": "hill", "name": "Hill again"}, 409,
     "that already exists (a duplicate id, username, label, name or order)"),
    ("customer_active", "POST", "/api/farms", {"id": "mine", "name": "Mine"}, 403, None),
    (None, "GET", "/api/farms", None, 401, None),
    ("admin", "GET", "/api/trees/{t17}/readings?start=yesterday", None, 422, None),
])
def test_each_refusal_has_its_status_and_only_a_detail(api, persona, method, path, body, status, detail):
    client = api.client(persona)
    response = client.request(method, path.format(**api.ids()), json=body)
    assert response.status_code == status, response.text
    answer = response.json()
    assert set(answer) == {"detail"} and isinstance(answer["detail"], str)
    assert detail is None or answer["detail"] == detail
    assert response.headers["cache-control"] == "no-store"
    if status == 401:
        assert response.headers["www-authenticate"] == 'Bearer realm="orchard"'


def test_fastapi_keeps_its_own_422_for_a_malformed_request(api):
    response = api.client("admin").get("/api/trees/not-a-number")
    assert response.status_code == 422 and isinstance(response.json()["detail"], list)


def test_the_guard_wraps_every_middleware_of_the_app(api):
    # Middlewares added after install_error_handlers would sit outside its guard: their bugs would be logged twice.
    assert api.app.user_middleware[0].cls is BugGuard


def test_a_store_that_is_down_is_503_without_its_address(start_api):
    dead = f"127.0.0.1:{free_port()}"  # nothing listens there: a real refused connection
    server = start_api(store_url=f"influxdb://{dead}/orchard")
    response = server.client("admin").get(f"/api/trees/{server.world.trees['17']}/readings")
    assert response.status_code == 503
    assert response.json() == {"detail": "the readings store is unavailable; try again shortly"}
    assert dead not in response.text
