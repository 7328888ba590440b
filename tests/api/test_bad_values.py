"""Values an attacker tries: huge integers, other scripts' digits, control characters, formulas, script URLs.

Each is a 422 naming the field (never a 500 with a traceback), and nothing is stored.
"""

from __future__ import annotations

import json
import logging
import socket

import httpx
import pytest

from tests.api.conftest import signed

HUGE = "9" * 30


@pytest.mark.parametrize("path", [f"/api/trees/{HUGE}", f"/api/trees/-{HUGE}", f"/api/claims/{HUGE}",
                                  f"/api/users/{HUGE}", f"/api/plots/{HUGE}", f"/api/claims?tree={HUGE}",
                                  f"/api/claims?user={HUGE}", f"/api/trees/{HUGE}/readings",
                                  f"/api/trees/{HUGE}/latest", "/api/trees/١٧", "/api/claims/١",
                                  f"/api/trees/1/readings?bucket_ms={HUGE}"])
def test_an_integer_beyond_64_bits_or_in_other_digits_in_a_url_is_422(api, path, caplog):
    with caplog.at_level(logging.ERROR):
        response = api.client("admin").get(path)
    assert response.status_code == 422, response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@pytest.mark.parametrize("method, path, body", [
    ("POST", "/api/claims", lambda ids: {"user_id": int(HUGE), "tree_id": ids["t17"],
                                         "starts_at": "2033-01-01T00:00:00Z", "ends_at": "2033-02-01T00:00:00Z"}),
    ("POST", "/api/claims", lambda ids: {"user_id": ids["customer_active"], "tree_id": -int(HUGE),
                                         "starts_at": "2033-01-01T00:00:00Z", "ends_at": "2033-02-01T00:00:00Z"}),
    ("POST", "/api/trees", lambda ids: {"farm_id": "hill", "label": "huge-plot", "plot_id": int(HUGE)}),
    ("POST", "/api/devices", lambda ids: {"id": "huge-dev", "farm_id": "hill", "tree_id": int(HUGE)}),
    ("PATCH", "/api/cameras/cam-17", lambda ids: {"tree_ids": [int(HUGE)]}),
    ("POST", "/api/claims", lambda ids: {"user_id": ids["customer_active"], "tree_id": ids["t17"],
                                         "starts_at": "0001-01-01T00:00:00Z", "ends_at": "2033-02-01T00:00:00Z"}),
    ("POST", "/api/tokens", lambda ids: {"name": "far", "expires_at": "9999-12-31T23:59:59-14:00"}),
], ids=["claim-user", "claim-tree", "tree-plot", "device-tree", "camera-trees", "claim-year-1", "token-9999"])
def test_an_integer_beyond_64_bits_or_an_absurd_year_in_a_body_is_422(api, method, path, body, caplog):
    with caplog.at_level(logging.ERROR):
        response = api.client("admin").request(method, path, json=body(api.ids()))
    assert response.status_code == 422, response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@pytest.mark.parametrize("start", ["١٧٠٠٠٠٠٠٠٠٠٠٠", HUGE, "0001-01-01", "9999-12-31T23:59:59", "٢٠٢٥-٠١-٠١"])
def test_a_time_in_other_digits_or_out_of_range_is_422(api, start):
    response = api.client("admin").get(f"/api/trees/{api.ids()['t17']}/readings", params={"start": start})
    assert response.status_code == 422, response.text
    assert response.json()["detail"].startswith("start:")


BAD_TEXT = {"nul": "Fu\x00ji", "bidi": "Fuji\u202egpj.exe", "newline": "Fuji\nGala", "isolate": "a\u2066b",
            "formula": "=HYPERLINK(\"http://evil.example\",\"Fuji\")", "plus": "+1+2", "at": "@SUM(A1)",
            "minus": "-2+3"}


@pytest.mark.parametrize("kind", sorted(BAD_TEXT))
@pytest.mark.parametrize("method, path, field, extra", [
    ("POST", "/api/trees", "variety", {"farm_id": "hill", "label": "t-bad"}),
    ("POST", "/api/trees", "label", {"farm_id": "hill"}),
    ("POST", "/api/farms", "name", {"id": "bad-farm"}),
    ("POST", "/api/users", "display_name", {"username": "bad-user", "role": "customer"}),
    ("POST", "/api/plots", "name", {"farm_id": "hill"}),
    ("POST", "/api/tokens", "name", {}),
], ids=["variety", "label", "farm-name", "display-name", "plot-name", "token-name"])
def test_control_characters_and_formulas_in_names_are_refused(api, kind, method, path, field, extra):
    response = api.client("admin").request(method, path, json={**extra, field: BAD_TEXT[kind]})
    assert response.status_code == 422, response.text
    assert field in response.text


def test_ordinary_names_in_any_script_are_kept(api):
    admin = api.client("admin")
    response = admin.post("/api/trees", json={"farm_id": "hill", "label": "东-17", "variety": "红富士 (Fuji)"})
    assert response.status_code == 201, response.text
    assert response.json()["variety"] == "红富士 (Fuji)"


@pytest.mark.parametrize("photo", ["javascript:alert(document.cookie)", "JaVaScRiPt:alert(1)",
                                   "data:text/html,<script>alert(1)</script>", "file:///etc/passwd",
                                   "/etc/passwd", "../../secret.jpg", "http://", "vbscript:x"])
def test_a_photo_must_be_an_http_url_or_a_path_under_the_data_folder(api, photo):
    admin = api.client("admin")
    response = admin.patch(f"/api/trees/{api.ids()['t18']}", json={"photo": photo})
    assert response.status_code == 422, response.text
    assert "photo" in response.text


@pytest.mark.parametrize("photo", ["https://coop.example/trees/17.jpg", "http://10.0.0.5/t.jpg", "trees/17.jpg"])
def test_good_photos_are_kept(api, photo):
    response = api.client("admin").patch(f"/api/trees/{api.ids()['t18']}", json={"photo": photo})
    assert response.status_code == 200 and response.json()["photo"] == photo


@pytest.mark.parametrize("cell", ["=cmd|' /C calc'!A0", "Fu\x00ji", "a\u202eb", "@SUM(1)"])
def test_a_csv_import_refuses_formulas_and_control_characters(api, cell):
    csv = f'farm,label,variety\nhill,csv-bad,"{cell}"\n'.encode()
    response = api.client("admin").post("/api/trees/import", content=csv, headers={"Content-Type": "text/csv"})
    assert response.status_code == 422, response.text
    assert response.json()["problems"][0]["column"] == "variety"


def test_a_webhook_order_with_control_characters_is_422(api):
    order = {"order_id": "SHOP-CTRL-1", "customer": {"username": "ctl@example.com", "display_name": "Eve\u202e"},
             "farm": "hill", "tree": "17", "start": "2031-03-01", "end": "2031-10-31"}
    body = json.dumps(order).encode()
    response = httpx.post(f"{api.url}/api/claims/orders", content=body, headers=signed(body))
    assert response.status_code == 422 and "display_name" in response.json()["detail"], response.text


@pytest.mark.parametrize("body", ["[" * 30000 + "]" * 30000, '{"a":' * 10000 + "1" + "}" * 10000,
                                  '{"farm_id":"hill","label":"s1","latitude":' + "9" * 5000 + "}",
                                  '{"farm_id":"hill","label":"\\ud800"}',
                                  '{"farm_id":"hill","label":"n","latitude":NaN}'],
                         ids=["nested-arrays", "nested-objects", "5000-digit-number", "lone-surrogate", "nan"])
def test_hostile_json_is_refused_without_a_500(api, body, caplog):
    with caplog.at_level(logging.ERROR):
        response = api.client("admin").post("/api/trees", content=body.encode(),
                                             headers={"Content-Type": "application/json"})
    assert 400 <= response.status_code < 500, response.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text


@pytest.mark.parametrize("query", ["farm=" + "x" * 200_000, "&".join(f"farm={n}" for n in range(30_000))],
                         ids=["200-kb-value", "30000-parameters"])
def test_a_huge_query_string_is_refused_without_a_500(api, query, caplog):
    with caplog.at_level(logging.ERROR), socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        sock.sendall(f"GET /api/trees?{query} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        status = int(sock.recv(1024).split()[1])
    assert 400 <= status < 500
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text
