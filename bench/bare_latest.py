"""The baseline of `bench.streams_latest`: a bare Starlette endpoint serving the same JPEG under the relay's uvicorn.

Run: python -m bench.bare_latest PORT FRAME.jpg (the benchmark starts it).
"""

from __future__ import annotations

import sys
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from streams.server import server_config

ETAG = '"bare-frame"'


def app(frame: bytes) -> Starlette:
    async def latest(request: Request) -> Response:
        if request.headers.get("if-none-match") == ETAG:
            return Response(status_code=304, headers={"ETag": ETAG})
        return Response(frame, media_type="image/jpeg", headers={"ETag": ETAG})

    return Starlette(routes=[Route("/cameras/{camera}/latest.jpg", latest)])


if __name__ == "__main__":
    port, frame = int(sys.argv[1]), Path(sys.argv[2]).read_bytes()
    uvicorn.Server(server_config(app(frame), "127.0.0.1", port)).run()
