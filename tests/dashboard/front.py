"""One origin in front of the dashboard and the relay, as the production reverse proxy puts them (websockets too).

`/cameras...` goes to the relay, everything else to the dashboard, byte for byte and streamed
(MJPEG included); a browser that goes away closes the upstream request too, as a proxy does.
"""

from __future__ import annotations

import threading

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import StreamingResponse
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from tests.mqtt_helpers import wait_until
from tests.services import free_port

# Host is passed on, as a production proxy is set up to (proxy_set_header Host $host): links and redirects hold.
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}
METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]


class Front:
    def __init__(self, dashboard_url: str, relay_url: str) -> None:
        self.dashboard_url, self.relay_url = dashboard_url, relay_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.client: httpx.AsyncClient | None = None
        self.app = Starlette(routes=[Route("/{path:path}", self.forward, methods=METHODS),
                                     WebSocketRoute("/{path:path}", self.forward_socket)])
        config = uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="front", daemon=True)

    async def forward(self, request: Request) -> StreamingResponse:
        if self.client is None:
            self.client = httpx.AsyncClient(timeout=httpx.Timeout(30, read=None))
        upstream = self.relay_url if request.url.path.startswith("/cameras") else self.dashboard_url
        url = upstream + request.url.path + (f"?{request.url.query}" if request.url.query else "")
        headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
        outgoing = self.client.build_request(request.method, url, headers=headers, content=await request.body())
        response = await self.client.send(outgoing, stream=True)

        async def body():
            try:
                async for chunk in response.aiter_raw():
                    yield chunk
            finally:
                await response.aclose()  # the browser left: so does the request to the relay

        answer = StreamingResponse(body(), status_code=response.status_code,
                                   background=BackgroundTask(response.aclose))
        answer.raw_headers = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.multi_items()
                              if k.lower() not in HOP_BY_HOP]  # every Set-Cookie, as sent
        return answer

    async def forward_socket(self, browser: WebSocket) -> None:
        """Dash's websocket transport, passed through both ways with the browser's cookies."""
        import asyncio

        import websockets

        # Addressed to the front (its Host: Dash checks Origin against it), dialled to the dashboard.
        url = f"ws://{browser.headers['host']}{browser.url.path}"
        dashboard = httpx.URL(self.dashboard_url)
        headers = [(k, v) for k, v in browser.headers.items() if k.lower() in ("cookie", "origin", "user-agent")]
        try:
            async with websockets.connect(url, additional_headers=headers, host=dashboard.host,
                                          port=dashboard.port) as upstream:
                await browser.accept()

                async def down() -> None:
                    async for message in upstream:
                        await (browser.send_text(message) if isinstance(message, str) else browser.send_bytes(message))

                async def up() -> None:
                    while True:
                        message = await browser.receive()
                        if message["type"] == "websocket.disconnect":
                            return
                        await upstream.send(message.get("text") or message.get("bytes") or b"")

                tasks = [asyncio.create_task(down()), asyncio.create_task(up())]
                await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
                for task in tasks:
                    task.cancel()
        except (websockets.WebSocketException, OSError, WebSocketDisconnect):
            await browser.close()

    def add_page(self, path: str, endpoint) -> None:
        """A page the front answers itself (a benchmark's baseline), ahead of the forwarding."""
        self.app.router.routes.insert(0, Route(path, endpoint))

    def start(self) -> Front:
        self.thread.start()
        wait_until(lambda: self.server.started or not self.thread.is_alive(), message="front proxy started")
        return self

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
