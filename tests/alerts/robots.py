"""Local HTTP servers that answer like the WeCom and DingTalk group robots, and a JSON webhook receiver.

Each is a real server on a free port of 127.0.0.1, in a thread of the test process. It checks what
the real robot checks (the key or access token in the URL, msgtype markdown, the content's byte
limit, 20 messages a minute; DingTalk also the `timestamp` window and the HMAC `sign`) and answers
as the robot does: HTTP 200 with a JSON errcode. `script` holds forced answers (a 500, a 429 with
Retry-After, a "too fast" errcode), served first, one a request; `requests` records everything.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

WECOM_LIMIT_BYTES = 4096
DINGTALK_LIMIT_BYTES = 20_000
DINGTALK_WINDOW_S = 3600  # DingTalk refuses a timestamp more than an hour from its clock


@dataclass
class Answer:
    status: int = 200
    body: Any = None  # a dict is sent as JSON, a str as text
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0  # wait before answering (a slow or hung robot)


@dataclass
class Received:
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body)


class Robot:
    """A robot of `kind` ("wecom", "dingtalk", "webhook") on a free port; use as a context manager."""

    def __init__(self, kind: str, *, token: str = "k3y-0f-the-r0b0t-1234", secret: str | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.kind, self.token, self.secret, self.clock = kind, token, secret, clock
        self.script: list[Answer] = []
        self.requests: list[Received] = []
        self.lock = threading.Lock()
        robot = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                parts = urlsplit(self.path)
                received = Received(parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()},
                                    dict(self.headers.items()), body, robot.clock())
                with robot.lock:
                    robot.requests.append(received)
                    answer = robot.script.pop(0) if robot.script else robot.answer(received)
                if answer.delay_s:
                    time.sleep(answer.delay_s)
                data = (json.dumps(answer.body, ensure_ascii=False) if isinstance(answer.body, dict)
                        else str(answer.body or "")).encode()
                try:
                    self.send_response(answer.status)
                    self.send_header("Content-Type", "application/json" if isinstance(answer.body, dict)
                                     else "text/plain")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in answer.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Robot:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    @property
    def url(self) -> str:
        """The URL a farmer copies from the robot's settings."""
        base = f"http://127.0.0.1:{self.port}"
        if self.kind == "wecom":
            return f"{base}/cgi-bin/webhook/send?key={self.token}"
        if self.kind == "dingtalk":
            return f"{base}/robot/send?access_token={self.token}"
        return f"{base}/hooks/orchard"

    def posts(self) -> list[Received]:
        with self.lock:
            return list(self.requests)

    # -- what the real services answer ------------------------------------------------

    def answer(self, received: Received) -> Answer:
        return {"wecom": self._wecom, "dingtalk": self._dingtalk, "webhook": self._webhook}[self.kind](received)

    def _too_fast(self, received: Received) -> bool:
        return sum(1 for r in self.requests if r.at > received.at - 60) > 20

    def _wecom(self, received: Received) -> Answer:
        if received.path != "/cgi-bin/webhook/send" or received.query.get("key") != self.token:
            return Answer(body={"errcode": 93000, "errmsg": "invalid webhook url"})
        body = received.json()
        if body.get("msgtype") != "markdown" or not body.get("markdown", {}).get("content"):
            return Answer(body={"errcode": 40008, "errmsg": "invalid message type"})
        if len(body["markdown"]["content"].encode()) > WECOM_LIMIT_BYTES:
            return Answer(body={"errcode": 40058, "errmsg": "markdown.content exceed max length 4096"})
        if self._too_fast(received):
            return Answer(body={"errcode": 45009, "errmsg": "api freq out of limit"})
        return Answer(body={"errcode": 0, "errmsg": "ok"})

    def _dingtalk(self, received: Received) -> Answer:
        if received.path != "/robot/send" or received.query.get("access_token") != self.token:
            return Answer(body={"errcode": 300001, "errmsg": "token is not exist"})
        if self.secret is not None:
            stamp, sign = received.query.get("timestamp", ""), received.query.get("sign", "")
            if not stamp.isdigit() or abs(self.clock() * 1000 - int(stamp)) > DINGTALK_WINDOW_S * 1000:
                return Answer(body={"errcode": 310000, "errmsg": "invalid timestamp"})
            digest = hmac.new(self.secret.encode(), f"{stamp}\n{self.secret}".encode(), hashlib.sha256).digest()
            if not hmac.compare_digest(base64.b64encode(digest).decode(), sign):  # parse_qs decoded it once
                return Answer(body={"errcode": 310000, "errmsg": "sign not match"})
        body = received.json()
        markdown = body.get("markdown", {})
        if body.get("msgtype") != "markdown" or not markdown.get("title") or not markdown.get("text"):
            return Answer(body={"errcode": 40035, "errmsg": "missing parameter"})
        if len(markdown["text"].encode()) > DINGTALK_LIMIT_BYTES:
            return Answer(body={"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"})
        if self._too_fast(received):
            return Answer(body={"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"})
        return Answer(body={"errcode": 0, "errmsg": "ok"})

    def _webhook(self, received: Received) -> Answer:
        if self.secret is not None:
            stamp = received.headers.get("X-Orchard-Timestamp", "")
            expected = "sha256=" + hmac.new(self.secret.encode(), stamp.encode() + b"." + received.body,
                                            hashlib.sha256).hexdigest()
            if not hmac.compare_digest(expected, received.headers.get("X-Orchard-Signature", "")):
                return Answer(status=401, body="bad signature")
        return Answer(status=204)
