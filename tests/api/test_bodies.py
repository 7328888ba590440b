"""Bodies are capped per route while they stream in: 413 with the limit named, before anything reads them whole."""

from __future__ import annotations

import json
import socket
import time

import httpx
import pytest

from tests.api.conftest import signed


def chunks(total: int, size: int = 256 * 1024):
    """A body sent without Content-Length (chunked), so only counting while reading can stop it."""
    sent = 0
    while sent < total:
        part = min(size, total - sent)
        sent += part
        yield b" " * part


def raw_post(api, path: str, head: dict[str, str], body_bytes: int) -> tuple[int, bytes, int]:
    """POST `body_bytes` over a raw socket, stopping when the server answers; (status, body, bytes sent)."""
    with socket.create_connection(("127.0.0.1", api.port), timeout=30) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: 127.0.0.1:{api.port}", *(f"{k}: {v}" for k, v in head.items())]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sent = 0
        sock.settimeout(0.001)
        answer = b""
        try:
            while sent < body_bytes:
                try:
                    answer += sock.recv(65536)
                    if answer:
                        break
                except (TimeoutError, BlockingIOError):
                    pass
                sock.settimeout(30)
                sent += sock.send(b"x" * min(65536, body_bytes - sent))
                sock.settimeout(0.001)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.settimeout(30)
        try:
            while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) == 0:
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except ConnectionResetError:
            pass
    head_text, _, body = answer.partition(b"\r\n\r\n")
    return int(head_text.split()[1]), body, sent


def test_a_json_body_over_64_kb_is_413_naming_the_limit(api):
    admin = api.client("admin")
    response = admin.post("/api/trees", json={"farm_id": "hill", "label": "big", "variety": "x" * 100_000})
    assert response.status_code == 413, response.text
    assert "64 KB" in response.json()["detail"]


def test_a_chunked_json_body_is_cut_off_at_the_cap(api):
    admin = api.client("admin")
    response = admin.post("/api/trees", content=chunks(10 * 1024 * 1024),
                          headers={"Content-Type": "application/json"})
    assert response.status_code == 413, response.text


def test_a_declared_huge_body_is_refused_before_auth_or_reading(api):
    # 400 MB announced, 1 MB sent: the answer comes first, and nobody needed to log in.
    status, body, sent = raw_post(api, "/api/claims/orders",
                                  {"Content-Type": "application/json", "Content-Length": str(400 * 1024 * 1024)},
                                  400 * 1024 * 1024)
    assert status == 413 and "larger than" in json.loads(body)["detail"]
    assert sent < 64 * 1024 * 1024


def test_the_webhook_cuts_an_unsigned_chunked_body_before_its_signature_check(api):
    response = httpx.post(f"{api.url}/api/claims/orders", content=chunks(50 * 1024 * 1024),
                          headers={"Content-Type": "application/json",
                                   "X-Orchard-Signature": "sha256=" + "0" * 64,
                                   "X-Orchard-Timestamp": str(int(time.time()))}, timeout=60)
    assert response.status_code == 413, response.text
    assert "16 KB" in response.json()["detail"]


def test_a_signed_order_under_the_cap_still_works(api):
    order = {"order_id": "SHOP-CAP-1", "customer": {"username": "cap@example.com"}, "farm": "hill",
             "tree": "17", "start": "2031-03-01", "end": "2031-10-31"}
    body = json.dumps(order).encode()
    response = httpx.post(f"{api.url}/api/claims/orders", content=body, headers=signed(body))
    assert response.status_code == 201, response.text


@pytest.mark.parametrize("form", [False, True], ids=["text/csv", "multipart"])
def test_a_csv_over_5_mb_is_413_and_one_under_it_is_read(api, form):
    admin = api.client("admin")
    big = b"farm,label\n" + b"hill,x\n" * (6 * 1024 * 1024 // 7)
    if form:
        response = admin.post("/api/trees/import", files={"file": ("trees.csv", big, "text/csv")})
    else:
        response = admin.post("/api/trees/import", content=big, headers={"Content-Type": "text/csv"})
    assert response.status_code == 413, response.text
    assert "MB" in response.json()["detail"]
    rows = b"farm,label,variety\n" + b"".join(b"hill,cap-%d,Fuji\n" % n for n in range(3))
    padded = rows + b"\n" * (4 * 1024 * 1024)  # 4 MB of blank lines: under the cap, so it is parsed
    if form:
        response = admin.post("/api/trees/import", files={"file": ("trees.csv", padded, "text/csv")})
    else:
        response = admin.post("/api/trees/import", content=padded, headers={"Content-Type": "text/csv"})
    assert response.status_code == 200, response.text
